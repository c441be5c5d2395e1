package dev.pgfleet.provisioning;

import dev.pgfleet.database.RuntimeInfo;
import java.time.Duration;
import java.util.List;

/**
 * The runtime port: how the reconciler makes a database's data plane real. Every {@code ensure…} method is
 * one idempotent, non-blocking step: it starts or fixes what is missing and returns, never waiting for
 * slow work (the reconciler comes back). LocalRuntime and KubernetesRuntime are the adapters.
 */
public interface DataPlaneRuntime extends RuntimeInfo {

    /** Shared infrastructure (the DCS) and every member of the cluster are running with current configuration. */
    void ensureMembers(DesiredCluster desired);

    /** The pooler runs and sends connections to the current leader. */
    void ensurePooler(DesiredCluster desired);

    /**
     * Every host name and IP address a client or a peer uses to reach the database's endpoints (pooler, members,
     * Services): the subject alternative names of its server certificate, so {@code sslmode=verify-full} holds
     * whichever of them a connection string or a member names. Pure: no I/O.
     */
    List<String> serverCertificateNames(DesiredCluster desired);

    /** Where the current leader accepts superuser connections (for creating the tenant database). */
    RuntimeInfo.Endpoint leaderEndpoint(DesiredCluster desired, String leader);

    ClusterObservation observeCluster(DesiredCluster desired);

    /** SHOW POOLS and SHOW STATS of every pooler of the database, summed (I/O; throws when no pooler answers). */
    PoolerStats fetchPoolerStats(DesiredCluster desired);

    /** Stops every process, removes all data and DCS state of the cluster. Idempotent. */
    void deleteCluster(DesiredCluster desired);

    /** Stops watching and supervising (the data plane itself keeps running). */
    default void forget(DesiredCluster desired) {
    }

    // ---- switchover and failover drills (each call does I/O and returns when done) ----------------------

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

    /** host:port of {@code member}'s Patroni REST API. */
    String patroniAddress(DesiredCluster desired, String member);

    /**
     * An abrupt failure of {@code member}, for drills: no shutdown, no hand-over; it answers nobody and its leader key
     * lapses. Locally its Patroni and PostgreSQL are SIGKILLed (and stay down until the reconciler restarts them). On
     * Kubernetes they are frozen inside the pod (pods/exec, SIGSTOP): the kubelet would restart a killed container
     * within Patroni's ttl, and the member would simply resume as the leader. Always followed by
     * {@link #endAbruptFailure}, once the drill has seen a new leader or given up.
     */
    void killMemberAbruptly(DesiredCluster desired, String member);

    /**
     * Ends what {@link #killMemberAbruptly} began, so the member can come back (as a replica). Locally there is
     * nothing left to end; on Kubernetes the frozen processes are SIGKILLed and the container restarts in its pod.
     */
    default void endAbruptFailure(DesiredCluster desired, String member) {
    }
}
