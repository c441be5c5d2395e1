package dev.pgfleet.backup;

import dev.pgfleet.database.Database;
import dev.pgfleet.database.DatabaseMember;
import java.util.Comparator;
import java.util.Optional;

/** Pure: which member a backup is taken from. A healthy replica spares the leader; else the leader itself. */
final class DumpSource {
    private DumpSource() {
    }

    static Optional<DatabaseMember> choose(Database database) {
        return database.getMembers().stream()
                .filter(DumpSource::healthy)
                .min(Comparator.comparingInt(DumpSource::preference).thenComparingInt(DatabaseMember::getOrdinal));
    }

    private static boolean healthy(DatabaseMember m) {
        return "running".equals(m.getState()) || "streaming".equals(m.getState());
    }

    /** Replicas first (the asynchronous one before the synchronous standby, which acknowledges commits), then the leader. */
    private static int preference(DatabaseMember m) {
        return switch (String.valueOf(m.getRole())) {
            case "replica" -> 0;
            case "sync_standby" -> 1;
            case "leader" -> 2;
            default -> 3;
        };
    }
}
