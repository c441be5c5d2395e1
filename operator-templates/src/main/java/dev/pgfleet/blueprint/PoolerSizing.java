package dev.pgfleet.blueprint;

/**
 * How big the PgBouncer pool in front of a database is. Vector queries are CPU-bound, so the pool
 * follows the member's CPUs rather than the client count; clients beyond it wait in PgBouncer's queue.
 */
public record PoolerSizing(int defaultPoolSize, int reservePoolSize, int maxClientConn) {

    public static PoolerSizing forResources(Resources r) {
        int pool = 10 * r.cpus();
        return new PoolerSizing(pool, Math.max(2, pool / 4), 500 * r.cpus());
    }

    /** The most server connections the pooler will ever open to the primary. */
    public int maxServerConnections() {
        return defaultPoolSize + reservePoolSize;
    }
}
