package dev.pgfleet.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pgfleet.problem.InvalidInput;
import dev.pgfleet.problem.Unprocessable;
import java.time.Duration;
import java.time.Instant;
import java.util.TimeZone;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CronIntervalsTest {
    private static final TimeZone UTC = TimeZone.getTimeZone("UTC");
    private static final Instant NOW = Instant.parse("2026-11-22T12:34:56Z");
    private static final Duration HOUR = Duration.ofHours(1);
    private static final Duration DAY = Duration.ofHours(24);

    /** The first gap below the limit, as "PT5M", or "ok" when the schedule keeps the limit; in UTC. */
    private static String gapBelow(String cron, Duration minimum) {
        return gapBelow(cron, minimum, UTC, NOW);
    }

    private static String gapBelow(String cron, Duration minimum, TimeZone zone, Instant from) {
        CronIntervals.Check check = CronIntervals.check(cron, zone, minimum, from);
        assertThat(check.firesAtAll()).as(cron + " fires").isTrue();
        return check.tooShort().map(g -> g.length().toString()).orElse("ok");
    }

    @ParameterizedTest(name = "{0} against {1}: {2}")
    @CsvSource(delimiter = '|', textBlock = """
            0 0 3 * * ?              | PT1H  | ok
            0 0 * * * ?              | PT1H  | ok
            0 0/5 * * * ?            | PT1H  | PT5M
            0/10 * * * * ?           | PT1H  | PT10S
            0 0 0,1 * * ?            | PT1H  | ok
            0 0 0,1 * * ?            | PT2H  | PT1H
            0 30 0 * * ?             | PT24H | ok
            0 0 * ? * MON-FRI        | PT1H  | ok
            0 0 * ? * MON-FRI        | PT24H | PT1H
            0 0 4 ? * SUN            | PT24H | ok
            0 0 4 ? * SUN            | PT168H | ok
            0 0 4 ? * SUN,MON        | PT48H | PT24H
            0 0 0,23 1,L * ?         | PT2H  | PT1H
            0 0 23 L * ?             | PT24H | ok
            0 0 0 LW * ?             | PT24H | ok
            0 0 0 ? * 6#3            | PT168H | ok
            0 0 0 1 * ?              | PT720H | PT672H
            """)
    void findsTheFirstGapBelowTheLimit(String cron, Duration minimum, String expected) {
        assertThat(gapBelow(cron.strip(), minimum)).isEqualTo(expected);
    }

    @Test
    void anIrregularScheduleIsCaughtWhereverTheShortGapFallsInTheYear() {
        // The 1st and the 29th of February and March at 00:00 and 23:00: an hour apart only across 29 February to
        // 1 March, which exists in leap years alone (2028 here); every other gap is 23 hours or more.
        String leapOnly = "0 0 0,23 1,29 2,3 ?";
        CronIntervals.Check check = CronIntervals.check(leapOnly, UTC, Duration.ofHours(23), NOW);

        assertThat(check.tooShort()).isPresent();
        assertThat(check.tooShort().get().earlier()).isEqualTo(Instant.parse("2028-02-29T23:00:00Z"));
        assertThat(check.tooShort().get().length()).isEqualTo(HOUR);
    }

    @Test
    void aDaylightSavingChangeShortensTheNightWhereQuartzSchedules() {
        // 01:00 and 03:00 local are two hours apart on every day but the spring change (Europe/Berlin, 29 March 2026),
        // when 02:00 does not exist and they are one hour apart.
        TimeZone berlin = TimeZone.getTimeZone("Europe/Berlin");
        Instant january = Instant.parse("2026-01-10T00:00:00Z");

        assertThat(gapBelow("0 0 1,3 * * ?", Duration.ofHours(2), berlin, january)).isEqualTo("PT1H");
        assertThat(gapBelow("0 0 1,3 * * ?", Duration.ofHours(2), UTC, january)).isEqualTo("ok");
    }

    @Test
    void aScheduleWithNoFutureFiringIsReported() {
        assertThat(CronIntervals.check("0 0 0 30 2 ?", UTC, DAY, NOW).firesAtAll()).isFalse();
        assertThat(CronIntervals.check("0 0 0 1 1 ? 2020", UTC, DAY, NOW).firesAtAll()).isFalse();
        // One firing only: no gap, nothing too frequent.
        CronIntervals.Check once = CronIntervals.check("0 0 3 1 1 ? 2030", UTC, DAY, NOW);
        assertThat(once.firesAtAll()).isTrue();
        assertThat(once.tooShort()).isEmpty();
    }

    @Test
    void theHorizonStartsAtTheFirstFiringSoAScheduleYearsAheadIsStillChecked() {
        assertThat(gapBelow("0 0 0,1 1 1 ? 2040", Duration.ofHours(2))).isEqualTo("PT1H");
    }

    @Test
    void durationsAreWrittenAsPeopleWriteThem() {
        assertThat(CronIntervals.describe(HOUR)).isEqualTo("1 hour");
        assertThat(CronIntervals.describe(DAY)).isEqualTo("24 hours");
        assertThat(CronIntervals.describe(Duration.ofMinutes(90))).isEqualTo("90 minutes");
        assertThat(CronIntervals.describe(Duration.ofSeconds(10))).isEqualTo("10 seconds");
        assertThat(CronIntervals.describe(Duration.ofMinutes(1))).isEqualTo("1 minute");
    }

    @Test
    void theEdgeRuleRefusesWithTheFieldAndTheLimit() {
        assertThatThrownBy(() -> ScheduleRule.require("every day", HOUR, "cron", "'0 0 3 * * ?'", "backups", UTC, NOW))
                .isInstanceOfSatisfying(InvalidInput.class, e -> {
                    assertThat(e.field()).isEqualTo("cron");
                });
        assertThatThrownBy(() -> ScheduleRule.require("0 0/5 * * * ?", HOUR, "cron", "'0 0 3 * * ?'", "backups", UTC, NOW))
                .isInstanceOfSatisfying(Unprocessable.class, e -> {
                    assertThat(e.field()).isEqualTo("cron");
                    assertThat(e.getMessage()).contains("5 minutes apart").contains("at most once every 1 hour")
                            .contains("2026-11-22 12:35:00 UTC");
                });
        assertThatThrownBy(() -> ScheduleRule.require("0 0 0 30 2 ?", HOUR, "cron", "'0 0 3 * * ?'", "backups", UTC, NOW))
                .isInstanceOfSatisfying(Unprocessable.class, e -> {
                    assertThat(e.getMessage()).contains("no firing time");
                });
        ScheduleRule.require("0 0 3 * * ?", HOUR, "cron", "'0 0 3 * * ?'", "backups", UTC, NOW); // passes
    }
}
