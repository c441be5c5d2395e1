package dev.pgfleet.blueprint;

/**
 * How big the PgBouncer pool in front of a database is. Vector queries are CPU-bound, so the pool
 * follows the member's CPUs rather than the client count; clients beyond it wait in PgBouncer's queue.
 *
 * @param maxPreparedStatements PgBouncer's {@code max_prepared_statements}: how many protocol-level prepared
 *     statements each server connection keeps (an LRU cache; PgBouncer re-prepares an evicted one when a client
 *     uses it again), so that drivers at their default settings (pgjdbc, psycopg 3, asyncpg) work in transaction mode
 */
public record PoolerSizing(int defaultPoolSize, int reservePoolSize, int maxClientConn, int maxPreparedStatements) {
    /** What one statement cached on a server connection is assumed to cost the member (its plan and query text). */
    static final long PREPARED_STATEMENT_BYTES = 16L << 10;
    /**
     * At least the drivers' own per-connection statement caches (psycopg 3 and asyncpg keep 100), so one client's
     * working set always fits.
     */
    static final int MIN_PREPARED_STATEMENTS = 100;

    /**
     * Client connections PgBouncer accepts per CPU of the member. A waiting client costs PgBouncer one file
     * descriptor and a few kilobytes, so the cap is generous: an ha member (2 CPUs) takes 2,500, the 2,000 clients
     * of {@code ./pgfleet bench pooler} with a fifth to spare for the control plane's own console sessions and
     * drill probes.
     */
    static final int CLIENTS_PER_CPU = 1250;

    public static PoolerSizing forResources(Resources r) {
        int pool = 10 * r.cpus();
        int reserve = Math.max(2, pool / 4);
        return new PoolerSizing(pool, reserve, CLIENTS_PER_CPU * r.cpus(), preparedStatements(r, pool + reserve));
    }

    /**
     * A twentieth of the member's memory for the statements the pooled server connections keep prepared, at
     * {@link #PREPARED_STATEMENT_BYTES} each, rounded down to a hundred: 200 for dev (1 GiB, 12 connections),
     * 500 for ha (4 GiB, 25 connections). Statements are shared across clients by their text, so this bounds the
     * distinct statements an application uses, not its clients.
     */
    private static int preparedStatements(Resources r, int serverConnections) {
        long perConnection = r.memoryBytes() / 20 / serverConnections / PREPARED_STATEMENT_BYTES;
        return (int) Math.max(MIN_PREPARED_STATEMENTS, perConnection / 100 * 100);
    }

    /** The most server connections the pooler will ever open to the primary. */
    public int maxServerConnections() {
        return defaultPoolSize + reservePoolSize;
    }
}
