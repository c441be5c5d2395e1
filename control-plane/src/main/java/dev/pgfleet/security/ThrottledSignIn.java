package dev.pgfleet.security;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.Duration;
import java.util.Optional;
import org.springframework.security.authentication.AnonymousAuthenticationToken;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.AuthenticationException;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.web.authentication.AuthenticationFailureHandler;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Puts {@link LoginThrottle} in the form login: a filter in front of the sign-in that refuses a throttled attempt
 * before any password is checked, and the failure handler that counts each failed sign-in. Either way a throttled
 * attempt goes back to {@code /login?throttled=<seconds>}, which says how long to wait.
 */
@Component
public class ThrottledSignIn implements AuthenticationFailureHandler {
    static final String LOGIN = "/login";

    private final LoginThrottle throttle;

    ThrottledSignIn(LoginThrottle throttle) {
        this.throttle = throttle;
    }

    /** For the security chain, before the username/password filter. */
    public OncePerRequestFilter filter() {
        return new OncePerRequestFilter() {
            @Override
            protected boolean shouldNotFilter(HttpServletRequest request) {
                return !("POST".equals(request.getMethod()) && LOGIN.equals(request.getServletPath()));
            }

            @Override
            protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
                    throws ServletException, IOException {
                String user = request.getParameter("username");
                Optional<Duration> wait = throttle.acquireAttempt(user, request.getRemoteAddr());
                if (wait.isPresent()) {
                    sendBack(request, response, wait.get());
                    return;
                }
                chain.doFilter(request, response);
                Authentication signedIn = SecurityContextHolder.getContext().getAuthentication();
                if (signedIn != null && signedIn.isAuthenticated() && !(signedIn instanceof AnonymousAuthenticationToken)) {
                    throttle.attemptSucceeded(user, request.getRemoteAddr());
                }
            }
        };
    }

    @Override
    public void onAuthenticationFailure(HttpServletRequest request, HttpServletResponse response, AuthenticationException e)
            throws IOException {
        String user = request.getParameter("username");
        // The attempt's token was taken before the password was checked (filter()).
        Optional<Duration> wait = throttle.waitBeforeAttempt(user, request.getRemoteAddr());
        if (wait.isPresent()) {
            sendBack(request, response, wait.get()); // that was the last try: say so at once
        } else {
            response.sendRedirect(request.getContextPath() + LOGIN + "?error");
        }
    }

    private static void sendBack(HttpServletRequest request, HttpServletResponse response, Duration wait) throws IOException {
        long seconds = Math.max(1, (wait.toMillis() + 999) / 1000);
        response.setHeader("Retry-After", String.valueOf(seconds));
        response.sendRedirect(request.getContextPath() + LOGIN + "?throttled=" + seconds);
    }
}
