package dev.pgfleet.operation;

import static dev.pgfleet.operation.OperationKind.BACKUP;
import static dev.pgfleet.operation.OperationKind.DRILL;
import static dev.pgfleet.operation.OperationKind.POINT_IN_TIME_RESTORE;
import static dev.pgfleet.operation.OperationKind.RESIZE;
import static dev.pgfleet.operation.OperationKind.RESTORE;
import static dev.pgfleet.operation.OperationKind.ROLLING_RESTART;
import static dev.pgfleet.operation.OperationKind.SWITCHOVER;
import static dev.pgfleet.operation.OperationKind.VERIFICATION;

import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/**
 * The per-database lock's rules: which kinds of operation may not be active (REQUESTED or RUNNING) on one database at the
 * same time. Symmetric by construction. Pure.
 * <ul>
 *   <li>Anything that replaces the database's contents (restore, point-in-time restore) runs alone, except a
 *       verification, which works on a dump in a scratch instance and never touches the database.</li>
 *   <li>Anything that moves the leader or restarts members (switchover, drill, resize, rolling restart) excludes the
 *       others of its group: two of them at once would measure or undo each other.</li>
 *   <li>One backup at a time, and one verification at a time (each holds a worker and disk for the dump).</li>
 *   <li>A backup may run during a switchover or drill: pg_dump reads from a replica and retries if its member goes away,
 *       and refusing it would let a tenant's drill schedule starve its backups.</li>
 * </ul>
 */
public final class OperationConflicts {
    private static final Set<OperationKind> REPLACES_CONTENTS = EnumSet.of(RESTORE, POINT_IN_TIME_RESTORE);
    private static final Set<OperationKind> MOVES_MEMBERS = EnumSet.of(SWITCHOVER, DRILL, RESIZE, ROLLING_RESTART);
    private static final Map<OperationKind, Set<OperationKind>> TABLE = table();

    private OperationConflicts() {
    }

    /** True when {@code wanted} may not become active while {@code active} is. */
    public static boolean conflicts(OperationKind wanted, OperationKind active) {
        return TABLE.get(wanted).contains(active);
    }

    private static Map<OperationKind, Set<OperationKind>> table() {
        Map<OperationKind, Set<OperationKind>> t = new EnumMap<>(OperationKind.class);
        for (OperationKind k : OperationKind.values()) {
            t.put(k, EnumSet.noneOf(OperationKind.class));
        }
        for (OperationKind restore : REPLACES_CONTENTS) {
            for (OperationKind other : OperationKind.values()) {
                if (other != VERIFICATION) {
                    both(t, restore, other);
                }
            }
        }
        for (OperationKind a : MOVES_MEMBERS) {
            for (OperationKind b : MOVES_MEMBERS) {
                both(t, a, b);
            }
        }
        both(t, BACKUP, BACKUP);
        both(t, VERIFICATION, VERIFICATION);
        both(t, BACKUP, RESIZE); // a resize replaces the members a dump reads from
        return t;
    }

    private static void both(Map<OperationKind, Set<OperationKind>> t, OperationKind a, OperationKind b) {
        t.get(a).add(b);
        t.get(b).add(a);
    }
}
