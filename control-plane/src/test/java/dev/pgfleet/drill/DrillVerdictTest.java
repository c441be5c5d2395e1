package dev.pgfleet.drill;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgfleet.blueprint.FailoverTargets;
import dev.pgfleet.blueprint.Plan;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class DrillVerdictTest {
    private static final FailoverTargets HA = Plan.HA.failoverTargets().orElseThrow();

    @Test
    void aDrillWithinEveryTargetPassesWithASummary() {
        DrillFigures f = new DrillFigures("b", Duration.ofMillis(840), 0L, 1234L, 0L, Duration.ofMillis(5200));

        assertThat(DrillVerdict.misses(Drill.Kind.SWITCHOVER, HA, f, "a")).isEmpty();
        assertThat(DrillVerdict.summary(Drill.Kind.SWITCHOVER, HA, f, "a")).isEqualTo("Writes unavailable 0.84 s (target 2.00 s);"
                + " 0 failed transactions; 0 of 1,234 acknowledged writes lost; new leader b; a rejoined as a replica after 5.20 s.");
    }

    @Test
    void eachMissedTargetIsNamed() {
        DrillFigures f = new DrillFigures("a", Duration.ofSeconds(12), 3L, 900L, 2L, null);

        assertThat(DrillVerdict.misses(Drill.Kind.KILL_PRIMARY, HA, f, "a")).containsExactly(
                "Writes were unavailable for 12.00 s, above the target of 10.00 s",
                "2 acknowledged writes are missing",
                "No other member became the leader",
                "a did not rejoin as a healthy replica within 120 s");
    }

    @Test
    void failedTransactionsCountAgainstASwitchoverOnly() {
        DrillFigures f = new DrillFigures("b", Duration.ofSeconds(8), 40L, 900L, 0L, Duration.ofSeconds(20));

        assertThat(DrillVerdict.misses(Drill.Kind.KILL_PRIMARY, HA, f, "a")).isEmpty();
        assertThat(DrillVerdict.misses(Drill.Kind.SWITCHOVER, HA, f, "a"))
                .contains("40 client transactions failed during the switchover");
    }
}
