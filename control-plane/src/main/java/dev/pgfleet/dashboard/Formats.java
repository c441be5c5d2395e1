package dev.pgfleet.dashboard;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import org.springframework.stereotype.Component;

/**
 * How the dashboard writes figures: sizes, durations and times. Pure; templates call it as {@code @fmt}.
 * Times are UTC, because a tenant's team may sit in several zones and the API speaks UTC too.
 */
@Component("fmt")
public class Formats {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'", Locale.ROOT)
            .withZone(ZoneOffset.UTC);
    private static final String[] UNITS = {"B", "KiB", "MiB", "GiB", "TiB"};

    /** 1536 → "1.5 KiB"; null → "—". */
    public String bytes(Long bytes) {
        if (bytes == null) {
            return "—";
        }
        double value = bytes;
        int unit = 0;
        while (value >= 1024 && unit < UNITS.length - 1) {
            value /= 1024;
            unit++;
        }
        return unit == 0 ? bytes + " B" : String.format(Locale.ROOT, "%.1f %s", value, UNITS[unit]);
    }

    /** 1730 → "1.73 s", 65000 → "1 min 5 s", 250 → "250 ms"; null → "—". */
    public String millis(Long millis) {
        if (millis == null) {
            return "—";
        }
        if (millis < 1000) {
            return millis + " ms";
        }
        if (millis < 60_000) {
            return String.format(Locale.ROOT, "%.2f s", millis / 1000.0);
        }
        Duration d = Duration.ofMillis(millis);
        return d.toMinutes() + " min " + d.toSecondsPart() + " s";
    }

    /** Microseconds (PgBouncer's unit) as {@link #millis}, keeping sub-millisecond waits visible. */
    public String micros(Long micros) {
        if (micros == null) {
            return "—";
        }
        return micros < 1000 ? micros + " µs" : millis(micros / 1000);
    }

    public String time(Instant at) {
        return at == null ? "—" : TIME.format(at);
    }

    /** "12 s ago", "5 min ago", "3 h ago", "2 days ago"; relative to {@code now}. */
    public String ago(Instant at, Instant now) {
        if (at == null) {
            return "never";
        }
        long s = Math.max(0, Duration.between(at, now).getSeconds());
        if (s < 60) {
            return s + " s ago";
        }
        if (s < 3600) {
            return s / 60 + " min ago";
        }
        if (s < 86_400) {
            return s / 3600 + " h ago";
        }
        long days = s / 86_400;
        return days + (days == 1 ? " day ago" : " days ago");
    }

    public String ago(Instant at) {
        return ago(at, Instant.now());
    }

    /** Replication lag in bytes as a size; a leader's (null) lag is "—". */
    public String lag(Long lagBytes) {
        return lagBytes == null ? "—" : bytes(lagBytes);
    }
}
