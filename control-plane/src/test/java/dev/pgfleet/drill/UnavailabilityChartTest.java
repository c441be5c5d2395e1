package dev.pgfleet.drill;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class UnavailabilityChartTest {
    private static final Path GOLDEN = Path.of("src/test/resources/golden/drill-chart.svg");
    private static final List<UnavailabilityChart.Target> HA_TARGETS = List.of(
            new UnavailabilityChart.Target("kill-primary", 10_000), new UnavailabilityChart.Target("switchover", 2_000));

    @Test
    void rendersDrillsAgainstTheTargetsLikeTheGoldenFile() throws IOException {
        String svg = UnavailabilityChart.render(List.of(
                new UnavailabilityChart.Point(Instant.parse("2026-11-29T04:00:09Z"), 7_480, "kill-primary", true),
                new UnavailabilityChart.Point(Instant.parse("2026-11-22T04:00:03Z"), 1_730, "switchover", true),
                new UnavailabilityChart.Point(Instant.parse("2026-12-01T10:15:00Z"), 2_020, "switchover", false)), HA_TARGETS);
        if (Boolean.getBoolean("updateGolden")) {
            Files.writeString(GOLDEN, svg);
        }
        assertThat(svg).isEqualTo(Files.readString(GOLDEN));
    }

    @Test
    void theMissedTargetIsRingedAndTheLongestOutageIsDescribed() {
        String svg = UnavailabilityChart.render(List.of(
                new UnavailabilityChart.Point(Instant.parse("2026-12-01T10:15:00Z"), 12_300, "kill-primary", false)), HA_TARGETS);
        assertThat(svg).contains("class=\"kill-primary missed\"").contains("longest write unavailability was 12.3 s")
                .contains("(missed a target)");
        // The axis grows to hold the outage: its top grid line is above 12.3 s.
        assertThat(svg).contains(">15 s</text>");
    }

    @Test
    void withoutDrillsOnlyTheTargetsAreDrawn() {
        String svg = UnavailabilityChart.render(List.of(), HA_TARGETS);
        assertThat(svg).doesNotContain("<circle").contains("No drill has finished yet.").contains("switchover target 2 s");
    }

    @Test
    void gridStepsAreOneTwoOrFiveTimesAPowerOfTen() {
        assertThat(UnavailabilityChart.tickStep(10_000)).isEqualTo(5_000);
        assertThat(UnavailabilityChart.tickStep(2_000)).isEqualTo(500);
        assertThat(UnavailabilityChart.tickStep(12_300)).isEqualTo(5_000);
        assertThat(UnavailabilityChart.tickStep(0)).isEqualTo(1);
    }
}
