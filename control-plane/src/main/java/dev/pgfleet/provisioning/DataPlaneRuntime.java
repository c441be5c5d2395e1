package dev.pgfleet.provisioning;

import dev.pgfleet.database.RuntimeInfo;

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

    /** Where the current leader accepts superuser connections (for creating the tenant database). */
    RuntimeInfo.Endpoint leaderEndpoint(DesiredCluster desired, String leader);

    ClusterObservation observeCluster(DesiredCluster desired);

    /** Stops every process, removes all data and DCS state of the cluster. Idempotent. */
    void deleteCluster(DesiredCluster desired);

    /** Stops watching and supervising (the data plane itself keeps running). */
    default void forget(DesiredCluster desired) {
    }
}
