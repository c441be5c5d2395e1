package dev.pgfleet.drill;

import dev.pgfleet.blueprint.FailoverTargets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Pure: a drill's figures against its plan's targets. */
final class DrillVerdict {
    private DrillVerdict() {
    }

    /** Each target the figures miss, as a sentence; empty when the drill passed. */
    static List<String> misses(Drill.Kind kind, FailoverTargets targets, DrillFigures f, String oldLeader) {
        List<String> misses = new ArrayList<>();
        Duration limit = limit(kind, targets);
        if (f.writeUnavailable() == null) {
            misses.add("No write was acknowledged after the fault");
        } else if (f.writeUnavailable().compareTo(limit) > 0) {
            misses.add("Writes were unavailable for " + seconds(f.writeUnavailable()) + ", above the target of " + seconds(limit));
        }
        if (f.lostWrites() != null && f.lostWrites() > targets.lostAcknowledgedWrites()) {
            misses.add(f.lostWrites() + " acknowledged writes are missing");
        }
        if (kind == Drill.Kind.SWITCHOVER && f.failedTransactions() != null && f.failedTransactions() > targets.failedSwitchoverTransactions()) {
            misses.add(f.failedTransactions() + " client transactions failed during the switchover");
        }
        if (f.newLeader() == null || f.newLeader().equals(oldLeader)) {
            misses.add("No other member became the leader");
        }
        if (f.rejoin() == null) {
            misses.add(oldLeader + " did not rejoin as a healthy replica within " + targets.oldLeaderRejoin().toSeconds() + " s");
        }
        return misses;
    }

    /** e.g. "Writes unavailable 0.84 s (target 2.00 s); 0 failed transactions; 0 of 1,234 acknowledged writes lost; new leader b; a rejoined after 5.20 s." */
    static String summary(Drill.Kind kind, FailoverTargets targets, DrillFigures f, String oldLeader) {
        return String.format(Locale.ROOT, "Writes unavailable %s (target %s); %d failed transactions; %d of %,d acknowledged writes lost;"
                        + " new leader %s; %s %s.",
                f.writeUnavailable() == null ? "until the end" : seconds(f.writeUnavailable()), seconds(limit(kind, targets)),
                f.failedTransactions(), f.lostWrites(), f.acknowledgedWrites(), f.newLeader(), oldLeader,
                f.rejoin() == null ? "did not rejoin" : "rejoined as a replica after " + seconds(f.rejoin()));
    }

    static Duration limit(Drill.Kind kind, FailoverTargets targets) {
        return kind == Drill.Kind.SWITCHOVER ? targets.switchoverWritePause() : targets.killPrimaryWriteUnavailability();
    }

    static String seconds(Duration d) {
        return String.format(Locale.ROOT, "%.2f s", d.toMillis() / 1000.0);
    }
}
