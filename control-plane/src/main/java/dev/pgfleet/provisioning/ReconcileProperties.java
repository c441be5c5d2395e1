package dev.pgfleet.provisioning;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import java.time.Duration;
import org.hibernate.validator.constraints.time.DurationMin;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * The reconciler's timing, bound from {@code pgfleet.reconcile.*}.
 *
 * @param resyncInterval       every database is reconciled at least this often
 * @param provisioningDeadline a database still not READY after this becomes FAILED, with the reason
 * @param maxBackoff           the longest wait between retries of a failing step
 * @param workers              databases reconciled at the same time
 */
@Validated
@ConfigurationProperties("pgfleet.reconcile")
public record ReconcileProperties(
        @DefaultValue("5s") @DurationMin(millis = 100) Duration resyncInterval,
        @DefaultValue("5m") @DurationMin(seconds = 1) Duration provisioningDeadline,
        @DefaultValue("30s") @DurationMin(millis = 100) Duration maxBackoff,
        @DefaultValue("4") @Min(1) @Max(64) int workers) {
}
