package dev.pgfleet.drill;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Limits on what a tenant's drills may make the control plane do, bound from {@code pgfleet.drill.*}.
 *
 * @param minimumInterval     a drill policy's schedule may not fire twice within this (default 24 h): every drill
 *                            moves the primary and pauses the tenant's writes
 * @param maxRunningPerTenant drills and switchovers pending or running at once across one tenant's databases
 *                            (default 2); one more is refused (409), a scheduled one is recorded as not run
 */
@ConfigurationProperties("pgfleet.drill")
public record DrillProperties(
        @DefaultValue("24h") Duration minimumInterval,
        @DefaultValue("2") int maxRunningPerTenant) {

    public DrillProperties {
        if (minimumInterval.isNegative()) {
            throw new IllegalArgumentException("pgfleet.drill.minimum-interval must not be negative");
        }
        if (maxRunningPerTenant < 1) {
            throw new IllegalArgumentException("pgfleet.drill.max-running-per-tenant must be at least 1, not " + maxRunningPerTenant);
        }
    }
}
