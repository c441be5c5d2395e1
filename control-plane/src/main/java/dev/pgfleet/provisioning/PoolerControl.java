package dev.pgfleet.provisioning;

import java.time.Duration;

/**
 * The runtime's pooler-control role, for a planned leader change (switchover) and for cleaning up after one: hold
 * transactions at the pooler, point it at a leader, let them go. It extends {@link ClusterObserver} because every
 * caller steers the pooler around a leader change it is watching. Each call does I/O and returns when done.
 */
public interface PoolerControl extends ClusterObserver {

    /**
     * PgBouncer PAUSE on every pooler of the database: new transactions wait at the pooler, and this returns
     * once the running ones have finished and server connections are closed. If that takes longer than
     * {@code timeout} the pooler is resumed and this throws: nothing is left paused.
     */
    void pausePooler(DesiredCluster desired, Duration timeout);

    /** PgBouncer RESUME: waiting transactions go on. Resuming a pooler that is not paused is not an error. */
    void resumePooler(DesiredCluster desired);

    /** Returns once new server connections of the pooler go to {@code leader}, pointing it there if needed. */
    void pointPoolerAt(DesiredCluster desired, String leader, Duration timeout);
}
