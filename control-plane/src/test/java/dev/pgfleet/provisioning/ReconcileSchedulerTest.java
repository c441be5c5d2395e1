package dev.pgfleet.provisioning;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class ReconcileSchedulerTest {

    @Test
    void backoffDoublesUpToTheMaximum() {
        ReconcileProperties properties = new ReconcileProperties(Duration.ofSeconds(5), Duration.ofMinutes(5), Duration.ofSeconds(30), 2);
        ReconcileScheduler scheduler = new ReconcileScheduler(null, () -> true, null, properties);
        assertThat(scheduler.backoff(1)).isEqualTo(Duration.ofSeconds(1));
        assertThat(scheduler.backoff(2)).isEqualTo(Duration.ofSeconds(2));
        assertThat(scheduler.backoff(5)).isEqualTo(Duration.ofSeconds(16));
        assertThat(scheduler.backoff(6)).isEqualTo(Duration.ofSeconds(30));
        assertThat(scheduler.backoff(60)).isEqualTo(Duration.ofSeconds(30));
    }
}
