package dev.pgfleet.tenant;

import org.springframework.security.core.Authentication;
import org.springframework.security.core.session.SessionInformation;
import org.springframework.security.core.session.SessionRegistry;
import org.springframework.stereotype.Component;

/**
 * Ends a user's other dashboard sessions (after a password change: whoever learnt the old password and signed in
 * with it is out). Each is marked expired in the registry; its next request is signed out and sent to the login page.
 */
@Component
class OtherSessions {
    private final SessionRegistry registry;

    OtherSessions(SessionRegistry registry) {
        this.registry = registry;
    }

    /** Returns how many sessions were ended; the one with id {@code keep} stays. */
    int endAllBut(Authentication user, String keep) {
        int ended = 0;
        for (SessionInformation session : registry.getAllSessions(user.getPrincipal(), false)) {
            if (!session.getSessionId().equals(keep)) {
                session.expireNow();
                ended++;
            }
        }
        return ended;
    }
}
