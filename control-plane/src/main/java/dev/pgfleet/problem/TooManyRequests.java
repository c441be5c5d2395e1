package dev.pgfleet.problem;

import java.time.Duration;

/**
 * The caller asked too often; it may ask again after {@link #retryAfter()} (HTTP 429 with Retry-After). Not final: a
 * feature may say more about the refusal (insights carry the last figures they had, {@code InsightsCache.RateLimited}).
 */
public non-sealed class TooManyRequests extends DomainException {
    private final Duration retryAfter;

    public TooManyRequests(String title, String detail, Duration retryAfter) {
        super(title, detail, null);
        this.retryAfter = retryAfter;
    }

    public Duration retryAfter() {
        return retryAfter;
    }
}
