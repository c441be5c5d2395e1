package dev.pgfleet.blueprint;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.regex.MatchResult;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * docs/architecture.md tells the truth about each plan's timing: its table between the {@code plan-timings} markers is
 * exactly the one {@link #table()} generates from {@link Plan} (copy it from the failure message after changing a
 * plan), and the prose gives no Patroni timing of its own, so the table is the one place to change.
 */
class ArchitectureDocTimingsTest {
    private static final Path DOC = Path.of("..", "docs", "architecture.md");
    private static final String BEGIN = "<!-- plan-timings: generated from Plan, checked by ArchitectureDocTimingsTest -->";
    private static final String END = "<!-- /plan-timings -->";
    /**
     * "ttl 10 s", "TTL (7 s)", "retry_timeout of 3 s", "loop 1 s": a Patroni timing given in seconds, which belongs in
     * the generated table only (one place to change with the plan).
     */
    private static final Pattern PROSE_TIMING =
            Pattern.compile("(?i)\\b(?:ttl|loop(?:_wait)?|retry(?:_timeout)?)\\b\\W{0,3}(?:of\\s+)?\\d+\\s*s\\b");

    @Test
    void theTimingTableIsTheOneThePlansGenerate() throws IOException {
        String doc = Files.readString(DOC);
        int begin = doc.indexOf(BEGIN);
        int end = doc.indexOf(END);
        assertThat(begin).as("docs/architecture.md has no line " + BEGIN).isNotNegative();
        assertThat(end).as("docs/architecture.md has no line " + END).isGreaterThan(begin);

        String documented = doc.substring(begin + BEGIN.length(), end).strip();

        assertThat(documented).as("the plan timings in docs/architecture.md disagree with Plan; the table should read:%n%s",
                table()).isEqualTo(table());
    }

    @Test
    void theProseGivesNoTimingOfItsOwn() throws IOException {
        String doc = Files.readString(DOC);
        int begin = doc.indexOf(BEGIN);
        int end = doc.indexOf(END);
        String prose = begin < 0 || end < begin ? doc : doc.substring(0, begin) + doc.substring(end + END.length());

        List<String> numbers = PROSE_TIMING.matcher(prose).results().map(MatchResult::group).toList();

        assertThat(numbers).as("docs/architecture.md gives Patroni timings outside its plan-timings table (refer to the table)")
                .isEmpty();
    }

    @Test
    void theProseCheckCatchesTheStaleSentences() {
        assertThat(PROSE_TIMING.matcher("the leader key expires after at most the TTL (10 s)").find()).isTrue();
        assertThat(PROSE_TIMING.matcher("`bootstrap.dcs` (ttl 10 s, loop 1 s, retry 4 s)").results().count()).isEqualTo(3);
        assertThat(PROSE_TIMING.matcher("a retry_timeout of 3 s").find()).isTrue();
        assertThat(PROSE_TIMING.matcher("the plan's ttl, then one loop_wait").find()).isFalse();
    }

    /** The Markdown table of every plan's Patroni timing and failover targets (docs/ha.md explains the values). */
    static String table() {
        List<String> rows = Arrays.stream(Plan.values()).map(ArchitectureDocTimingsTest::row).toList();
        return String.join("\n", "| Plan | Members | ttl | loop_wait | retry_timeout"
                        + " | Write outage target (kill-primary) | Write pause target (switchover) |",
                "|---|---|---|---|---|---|---|", String.join("\n", rows));
    }

    private static String row(Plan plan) {
        PatroniTiming t = plan.timing();
        String kill = plan.failoverTargets().map(f -> seconds(f.killPrimaryWriteUnavailability())).orElse("— (no drills)");
        String pause = plan.failoverTargets().map(f -> seconds(f.switchoverWritePause())).orElse("—");
        return "| `%s` | %d | %d s | %d s | %d s | %s | %s |".formatted(plan.id(), plan.members(), t.ttl(), t.loopWait(),
                t.retryTimeout(), kill, pause);
    }

    private static String seconds(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() / 1000.0 + " s";
    }
}
