package dev.pgfleet.database;

/** Where a database is in its life, as the reconciler last saw it. */
public enum DatabaseStatus {
    /** Accepted and stored; the reconciler has not acted yet. */
    PENDING,
    /** Members, pooler and the tenant database are being created. */
    PROVISIONING,
    /** A leader accepts writes through the pooler and every member runs. */
    READY,
    /** Usable or recovering, but not every part is healthy (a member down, a failover under way). */
    DEGRADED,
    /** Could not be provisioned or recovered in time; the reason says why. Reconciliation goes on. */
    FAILED,
    /** Being removed: processes stopped, data and ports released, then the database disappears. */
    DELETING
}
