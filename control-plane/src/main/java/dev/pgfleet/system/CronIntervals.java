package dev.pgfleet.system;

import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.Optional;
import java.util.TimeZone;
import org.quartz.CronExpression;

/**
 * Pure: how close together a Quartz cron expression fires. Cron can be irregular ({@code 0 0 0,1 * * ?} fires an
 * hour apart once a day, {@code 0 0 * ? * MON-FRI} skips weekends, {@code L}, {@code W} and {@code #} follow the
 * calendar, a zone's daylight-saving change shortens one night), so the rule walks the real firing times, in the
 * zone Quartz will use, from the first firing over {@link #HORIZON} (four years and a day: every month end, both
 * daylight-saving changes and one 29 February), looking at no more than {@link #MAX_FIRINGS} of them, and stops at
 * the first gap below the limit. At the default limits a schedule that passes has fewer firings than that cap
 * over the whole horizon; with a far smaller limit the cap shortens the horizon.
 */
public final class CronIntervals {
    public static final Duration HORIZON = Duration.ofDays(4 * 365 + 2);
    public static final int MAX_FIRINGS = 50_000;

    private CronIntervals() {
    }

    /** Two consecutive firings. */
    public record Gap(Instant earlier, Instant later) {
        public Duration length() {
            return Duration.between(earlier, later);
        }
    }

    /**
     * What the walk found: whether the schedule fires at all after {@code from}, and the first gap shorter than
     * the limit (empty when there is none within the horizon).
     */
    public record Check(boolean firesAtAll, Optional<Gap> tooShort) {
    }

    /** The firings of {@code cron} (a valid Quartz expression) after {@code from}, in {@code zone}, against {@code minimum}. */
    public static Check check(String cron, TimeZone zone, Duration minimum, Instant from) {
        CronExpression expression;
        try {
            expression = new CronExpression(cron);
        } catch (java.text.ParseException e) {
            throw new IllegalArgumentException("not a Quartz cron expression: " + cron, e);
        }
        expression.setTimeZone(zone);
        Date first = expression.getNextValidTimeAfter(Date.from(from));
        if (first == null) {
            return new Check(false, Optional.empty());
        }
        Instant end = first.toInstant().plus(HORIZON);
        Date previous = first;
        for (int firings = 1; firings < MAX_FIRINGS; firings++) {
            Date next = expression.getNextValidTimeAfter(previous);
            if (next == null || next.toInstant().isAfter(end)) {
                break;
            }
            Gap gap = new Gap(previous.toInstant(), next.toInstant());
            if (gap.length().compareTo(minimum) < 0) {
                return new Check(true, Optional.of(gap));
            }
            previous = next;
        }
        return new Check(true, Optional.empty());
    }

    /** "1 hour", "24 hours", "90 minutes", "5 minutes", "10 seconds": a limit or a gap as a person writes it. */
    public static String describe(Duration d) {
        if (d.isZero()) {
            return "0 seconds";
        }
        if (d.toSeconds() % 3600 == 0) {
            return plural(d.toHours(), "hour");
        }
        if (d.toSeconds() % 60 == 0) {
            return plural(d.toMinutes(), "minute");
        }
        if (d.toMillis() % 1000 == 0) {
            return plural(d.toSeconds(), "second");
        }
        return plural(d.toMillis(), "millisecond");
    }

    private static String plural(long n, String unit) {
        return n + " " + unit + (n == 1 ? "" : "s");
    }
}
