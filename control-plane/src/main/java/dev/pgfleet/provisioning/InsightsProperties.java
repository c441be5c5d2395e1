package dev.pgfleet.provisioning;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * How often a tenant can make the control plane look into its databases, bound from {@code pgfleet.insights.*}.
 *
 * @param cacheFor          figures fetched for a database are reused this long (default 5 s): however many requests
 *                          arrive, its leader and pooler are asked at most once per period, per control-plane replica
 * @param requestsPerMinute insights requests (API and dashboard) one tenant may make per minute, as a token bucket of
 *                          this capacity refilled evenly over the minute (default 60: a burst of 60, then one a second)
 */
@ConfigurationProperties("pgfleet.insights")
public record InsightsProperties(
        @DefaultValue("5s") Duration cacheFor,
        @DefaultValue("60") int requestsPerMinute) {

    public InsightsProperties {
        if (cacheFor.isNegative()) {
            throw new IllegalArgumentException("pgfleet.insights.cache-for must not be negative");
        }
        if (requestsPerMinute < 1) {
            throw new IllegalArgumentException("pgfleet.insights.requests-per-minute must be at least 1, not " + requestsPerMinute);
        }
    }
}
