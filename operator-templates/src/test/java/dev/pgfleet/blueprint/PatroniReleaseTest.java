package dev.pgfleet.blueprint;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class PatroniReleaseTest {

    @Test
    @SuppressWarnings("unchecked")
    void thePinnedPatroniRunsEveryPlanWithExactlyTheRenderedTiming() {
        for (Plan plan : Plan.values()) {
            Map<String, Object> dcs = PatroniConfig.bootstrapDcs(plan);
            PatroniTiming rendered = new PatroniTiming((Integer) dcs.get("ttl"), (Integer) dcs.get("loop_wait"),
                    (Integer) dcs.get("retry_timeout"));
            assertThat(PatroniRelease.PINNED.effectiveTiming(rendered))
                    .as("Patroni %s would change plan %s's timing", PatroniRelease.PINNED, plan.id())
                    .isEqualTo(rendered);
        }
    }

    @Test
    void laterReleasesRaiseTtlAndThereforeNeedTheHaPlanRetimedBeforeThePinMoves() {
        // What the check above would report if the pin moved past 3.0.2 with HA's ttl of 7.
        assertThat(PatroniRelease.parse("3.0.3").effectiveTiming(Plan.HA.timing()))
                .isEqualTo(new PatroniTiming(20, 1, 3));
        // retry_timeout raised to 3 breaks the rule again; loop_wait is lowered to restore it.
        assertThat(PatroniRelease.parse("3.2.2").effectiveTiming(new PatroniTiming(19, 15, 2)))
                .isEqualTo(new PatroniTiming(20, 14, 3));
        assertThat(PatroniRelease.parse("3.0.2-1")).isEqualTo(PatroniRelease.PINNED);
    }

    @Test
    void failsafeModeKeepsALeaderRunningWhileTheDcsIsBrieflyUnreachable() {
        for (Plan plan : Plan.values()) {
            assertThat(PatroniConfig.bootstrapDcs(plan)).as(plan.id()).containsEntry("failsafe_mode", true);
        }
    }
}
