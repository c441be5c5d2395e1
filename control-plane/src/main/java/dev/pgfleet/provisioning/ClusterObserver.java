package dev.pgfleet.provisioning;

/**
 * The runtime's read-only role: what the members and the pooler of a database are doing now. Used by whoever must
 * watch a cluster (the reconciler, drills, switchovers) without being allowed to change it.
 */
public interface ClusterObserver {

    /** Members (process, role, state, lag), the leader and the pooler's target as the data plane reports them. I/O. */
    ClusterObservation observeCluster(DesiredCluster desired);

    /** host:port of {@code member}'s Patroni REST API. Pure: no I/O. */
    String patroniAddress(DesiredCluster desired, String member);
}
