package dev.pgfleet.security;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Dashboard sign-in throttling, bound from {@code pgfleet.login-throttle.*}. A bucket holds {@code failures}
 * failed sign-ins and gets one back every {@code window / failures}: after 5 failures for one user, the next
 * attempt is possible 3 minutes later, and all 5 after 15 minutes.
 *
 * @param enabled            off only for a test that must fail sign-ins freely
 * @param perUserFailures    failed sign-ins allowed for one user name, from any address, within {@code perUserWindow}
 * @param perUserWindow      see above
 * @param perAddressFailures failed sign-ins allowed from one client address, for any user names, within {@code perAddressWindow}
 * @param perAddressWindow   see above
 * @param maxTracked         user names and addresses remembered at most (each); the least recently seen are forgotten
 *                           first, so that a spray of random names cannot exhaust memory
 */
@ConfigurationProperties("pgfleet.login-throttle")
public record LoginThrottleProperties(
        @DefaultValue("true") boolean enabled,
        @DefaultValue("5") int perUserFailures,
        @DefaultValue("15m") Duration perUserWindow,
        @DefaultValue("20") int perAddressFailures,
        @DefaultValue("15m") Duration perAddressWindow,
        @DefaultValue("100000") int maxTracked) {

    public LoginThrottleProperties {
        if (perUserFailures < 1 || perAddressFailures < 1 || !positive(perUserWindow) || !positive(perAddressWindow) || maxTracked < 1) {
            throw new IllegalArgumentException("pgfleet.login-throttle: failures and max-tracked must be at least 1, windows positive");
        }
    }

    private static boolean positive(Duration d) {
        return d != null && !d.isNegative() && !d.isZero();
    }
}
