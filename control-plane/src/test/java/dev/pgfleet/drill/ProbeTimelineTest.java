package dev.pgfleet.drill;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ProbeTimelineTest {
    private static final long MS = 1_000_000;

    private static ProbeTimeline.Ack ack(long seq, long atMillis) {
        return new ProbeTimeline.Ack(seq, atMillis * MS);
    }

    @Test
    void theOutageRunsFromTheLastAckBeforeTheFaultToTheFirstAfter() {
        ProbeTimeline t = new ProbeTimeline(List.of(ack(1, 0), ack(2, 10), ack(3, 20), ack(5, 7_520), ack(6, 7_530)), 3);

        assertThat(t.unavailability(25 * MS)).hasValue(Duration.ofMillis(7_500));
        assertThat(t.failures()).isEqualTo(3);
        assertThat(t.acknowledged()).isEqualTo(5);
        assertThat(t.firstAckAfter(25 * MS)).hasValue(ack(5, 7_520));
    }

    @Test
    void aPauseThatStartsAfterTheFaultIsStillTheLongestGap() {
        // A switchover: writes go on for a moment after the request, then wait at the paused pooler.
        ProbeTimeline t = new ProbeTimeline(List.of(ack(1, 0), ack(2, 10), ack(3, 300), ack(4, 1_900), ack(5, 1_910)), 0);

        assertThat(t.unavailability(5 * MS)).hasValue(Duration.ofMillis(1_600));
    }

    @Test
    void noWriteAfterTheFaultMeansNoFigure() {
        ProbeTimeline t = new ProbeTimeline(List.of(ack(1, 0), ack(2, 10)), 40);

        assertThat(t.unavailability(20 * MS)).isEmpty();
        assertThat(t.firstAckAfter(20 * MS)).isEmpty();
    }

    @Test
    void missingWritesAreAcknowledgedOnesNotReadBack() {
        ProbeTimeline t = new ProbeTimeline(List.of(ack(1, 0), ack(2, 10), ack(4, 30)), 1);

        // seq 3 failed (never acknowledged): whether it is there or not does not matter.
        assertThat(t.missing(Set.of(1L, 2L, 3L, 4L))).isEmpty();
        assertThat(t.missing(Set.of(1L, 4L))).containsExactly(2L);
    }
}
