package dev.pgfleet.operation;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * How long the operations history is kept, bound from {@code pgfleet.operations.*}.
 *
 * @param historyRetention a finished operation (succeeded or failed) is removed from the history this long after it
 *                         finished (default 90 days), unless a backup or restore still names it: their status is their
 *                         operation's. At least a day, so that no one loses what happened yesterday to a typo.
 */
@ConfigurationProperties("pgfleet.operations")
public record OperationProperties(@DefaultValue("90d") Duration historyRetention) {

    public OperationProperties {
        if (historyRetention.compareTo(Duration.ofDays(1)) < 0) {
            throw new IllegalArgumentException("pgfleet.operations.history-retention must be at least 1d, not " + historyRetention);
        }
    }
}
