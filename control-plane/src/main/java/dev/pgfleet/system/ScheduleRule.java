package dev.pgfleet.system;

import dev.pgfleet.problem.InvalidInput;
import dev.pgfleet.problem.Unprocessable;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Optional;
import java.util.TimeZone;
import org.quartz.CronExpression;

/**
 * The edge rule for a tenant's schedule (backup and drill policies): a Quartz cron expression (400 otherwise)
 * that fires at all (422) and never twice within the minimum interval (422). Each refusal names the field.
 * Pure: the time and the zone are passed in (the zone is the one Quartz schedules in, the JVM's).
 */
public final class ScheduleRule {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'", Locale.ROOT)
            .withZone(ZoneOffset.UTC);

    private ScheduleRule() {
    }

    /**
     * @param field   the request field holding the expression
     * @param example a valid expression for the message, with what it means, e.g. "'0 0 3 * * ?' for daily at 03:00"
     * @param what    what the schedule runs, for the message ("backups", "drills")
     */
    public static void require(String cron, Duration minimum, String field, String example, String what, TimeZone zone, Instant now) {
        if (cron == null || !CronExpression.isValidExpression(cron)) {
            throw new InvalidInput("Invalid schedule", "'" + cron + "' is not a Quartz cron"
                    + " expression (seconds minutes hours day-of-month month day-of-week), e.g. " + example + ".", field);
        }
        CronIntervals.Check check = CronIntervals.check(cron, zone, minimum, now);
        if (!check.firesAtAll()) {
            throw new Unprocessable("Schedule never fires",
                    "'" + cron + "' has no firing time from now on; give a schedule that runs " + what + ", e.g. " + example + ".", field);
        }
        Optional<CronIntervals.Gap> gap = check.tooShort();
        if (gap.isPresent()) {
            throw new Unprocessable("Schedule too frequent",
                    "'" + cron + "' runs " + what + " " + CronIntervals.describe(gap.get().length()) + " apart (at "
                            + TIME.format(gap.get().earlier()) + " and " + TIME.format(gap.get().later()) + "); " + what
                            + " may run at most once every " + CronIntervals.describe(minimum) + ".", field);
        }
    }
}
