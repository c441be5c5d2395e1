package dev.pgfleet.problem;

import java.time.Duration;

/** The caller asked too often; it may ask again after {@link #retryAfter()} (HTTP 429 with Retry-After). */
public final class TooManyRequests extends DomainException {
    private final Duration retryAfter;

    public TooManyRequests(String title, String detail, Duration retryAfter) {
        super(title, detail, null);
        this.retryAfter = retryAfter;
    }

    public Duration retryAfter() {
        return retryAfter;
    }
}
