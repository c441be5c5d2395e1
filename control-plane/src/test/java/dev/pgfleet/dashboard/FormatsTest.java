package dev.pgfleet.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class FormatsTest {
    private final Formats fmt = new Formats();

    @Test
    void sizes() {
        assertThat(fmt.bytes(null)).isEqualTo("—");
        assertThat(fmt.bytes(512L)).isEqualTo("512 B");
        assertThat(fmt.bytes(1536L)).isEqualTo("1.5 KiB");
        assertThat(fmt.bytes(860L << 20)).isEqualTo("860.0 MiB");
        assertThat(fmt.bytes(3L << 40)).isEqualTo("3.0 TiB");
    }

    @Test
    void durations() {
        assertThat(fmt.millis(250L)).isEqualTo("250 ms");
        assertThat(fmt.millis(1730L)).isEqualTo("1.73 s");
        assertThat(fmt.millis(65_000L)).isEqualTo("1 min 5 s");
        assertThat(fmt.micros(420L)).isEqualTo("420 µs");
        assertThat(fmt.micros(1_730_000L)).isEqualTo("1.73 s");
    }

    @Test
    void times() {
        Instant now = Instant.parse("2026-12-02T12:00:00Z");
        assertThat(fmt.time(Instant.parse("2026-12-02T09:16:15.8Z"))).isEqualTo("2026-12-02 09:16:15 UTC");
        assertThat(fmt.ago(null, now)).isEqualTo("never");
        assertThat(fmt.ago(now.minusSeconds(12), now)).isEqualTo("12 s ago");
        assertThat(fmt.ago(now.minusSeconds(300), now)).isEqualTo("5 min ago");
        assertThat(fmt.ago(now.minusSeconds(3 * 3600), now)).isEqualTo("3 h ago");
        assertThat(fmt.ago(now.minusSeconds(86_400), now)).isEqualTo("1 day ago");
        assertThat(fmt.ago(now.plusSeconds(5), now)).as("clock skew").isEqualTo("0 s ago");
    }
}
