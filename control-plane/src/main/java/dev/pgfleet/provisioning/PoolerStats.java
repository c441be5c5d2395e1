package dev.pgfleet.provisioning;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What a database's PgBouncer reports about its pool, summed over the database's poolers (one locally, one per
 * pooler pod on Kubernetes) and over the pool's users.
 *
 * @param clientActive      client connections linked to a server connection or idle between transactions (cl_active)
 * @param clientWaiting     client connections waiting for a server connection (cl_waiting): more than a few means
 *                          the pool is too small for the load
 * @param serverActive      server connections running a transaction for a client (sv_active)
 * @param serverIdle        server connections ready for the next transaction (sv_idle)
 * @param longestWaitMicros how long the oldest waiting client has waited so far (maxwait), 0 when none waits
 * @param averageWaitMicros average time clients waited for a server in the last stats period (avg_wait_time);
 *                          across several poolers the highest one, the figure a tenant has to act on
 * @param transactionsPerSecond transactions per second in the last stats period (avg_xact_count), summed
 * @param poolers           how many poolers answered
 */
public record PoolerStats(long clientActive, long clientWaiting, long serverActive, long serverIdle, long longestWaitMicros,
                          long averageWaitMicros, long transactionsPerSecond, int poolers) {

    public static final PoolerStats NONE = new PoolerStats(0, 0, 0, 0, 0, 0, 0, 0);

    /**
     * Pure: one pooler's figures for {@code database} from the admin console's SHOW POOLS and SHOW STATS, each as
     * psql prints them unaligned with their header row ({@code psql -A -P footer=off}). Lines before the header
     * (a notice psql printed) are skipped; a missing column is an error, not a zero.
     */
    public static PoolerStats parse(String showPools, String showStats, String database) {
        long clientActive = 0;
        long clientWaiting = 0;
        long serverActive = 0;
        long serverIdle = 0;
        long longestWait = 0;
        for (Map<String, String> row : rowsOf(showPools, database)) {
            clientActive += number(row, "cl_active");
            clientWaiting += number(row, "cl_waiting");
            serverActive += number(row, "sv_active");
            serverIdle += number(row, "sv_idle");
            longestWait = Math.max(longestWait, number(row, "maxwait") * 1_000_000 + number(row, "maxwait_us"));
        }
        List<Map<String, String>> stats = rowsOf(showStats, database);
        long averageWait = stats.isEmpty() ? 0 : number(stats.get(0), "avg_wait_time");
        long tps = stats.isEmpty() ? 0 : number(stats.get(0), "avg_xact_count");
        return new PoolerStats(clientActive, clientWaiting, serverActive, serverIdle, longestWait, averageWait, tps, 1);
    }

    /** Pure: the figures of two poolers of one database together. */
    public PoolerStats plus(PoolerStats other) {
        return new PoolerStats(clientActive + other.clientActive, clientWaiting + other.clientWaiting, serverActive + other.serverActive,
                serverIdle + other.serverIdle, Math.max(longestWaitMicros, other.longestWaitMicros),
                Math.max(averageWaitMicros, other.averageWaitMicros), transactionsPerSecond + other.transactionsPerSecond,
                poolers + other.poolers);
    }

    private static List<Map<String, String>> rowsOf(String output, String database) {
        String[] lines = output.split("\\R");
        int header = 0;
        while (header < lines.length && !lines[header].startsWith("database|")) {
            header++;
        }
        if (header == lines.length) {
            throw new IllegalArgumentException("no header row in the pooler's answer: " + firstLine(output));
        }
        String[] columns = lines[header].split("\\|", -1);
        List<Map<String, String>> rows = new ArrayList<>();
        for (int i = header + 1; i < lines.length; i++) {
            String[] cells = lines[i].split("\\|", -1);
            if (cells.length != columns.length || !cells[0].equals(database)) {
                continue;
            }
            Map<String, String> row = new HashMap<>();
            for (int c = 0; c < columns.length; c++) {
                row.put(columns[c], cells[c]);
            }
            rows.add(row);
        }
        return rows;
    }

    private static long number(Map<String, String> row, String column) {
        String value = Optional.ofNullable(row.get(column))
                .orElseThrow(() -> new IllegalArgumentException("the pooler's answer has no column " + column));
        try {
            return Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("column " + column + " is not a number: " + value);
        }
    }

    private static String firstLine(String output) {
        String line = output.lines().findFirst().orElse("(empty)");
        return line.length() > 200 ? line.substring(0, 200) : line;
    }
}
