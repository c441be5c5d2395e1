package dev.pgfleet.drill;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Pure: what a drill's write probe saw — each acknowledged write (sequence number, when its commit returned) and
 * each failed attempt — and the figures derived from it. Times are System.nanoTime() values.
 */
final class ProbeTimeline {
    record Ack(long seq, long atNanos) {
    }

    private final List<Ack> acks;
    private final long failures;

    ProbeTimeline(List<Ack> acks, long failures) {
        this.acks = List.copyOf(acks);
        this.failures = failures;
    }

    long acknowledged() {
        return acks.size();
    }

    long failures() {
        return failures;
    }

    /** The first write acknowledged after {@code nanos}. */
    Optional<Ack> firstAckAfter(long nanos) {
        return acks.stream().filter(a -> a.atNanos() > nanos).findFirst();
    }

    /**
     * How long writes were unavailable around a fault at {@code faultNanos}: from the last acknowledged write
     * before it to the first acknowledged write after it — or, where the pooler held writes a little after the fault
     * (a switchover pauses first), the longest gap between consecutive acknowledgements from the fault on.
     * Empty when no write was acknowledged after the fault.
     */
    Optional<Duration> unavailability(long faultNanos) {
        Ack before = null;
        long longest = -1;
        for (Ack a : acks) {
            if (a.atNanos() <= faultNanos) {
                before = a;
                continue;
            }
            long from = before == null ? faultNanos : before.atNanos();
            longest = Math.max(longest, a.atNanos() - from);
            before = a;
        }
        return longest < 0 ? Optional.empty() : Optional.of(Duration.ofNanos(longest));
    }

    /** Acknowledged sequence numbers missing from {@code present} (what was read back afterwards). */
    List<Long> missing(Set<Long> present) {
        List<Long> missing = new ArrayList<>();
        for (Ack a : acks) {
            if (!present.contains(a.seq())) {
                missing.add(a.seq());
            }
        }
        return missing;
    }

    Collection<Ack> acks() {
        return acks;
    }
}
