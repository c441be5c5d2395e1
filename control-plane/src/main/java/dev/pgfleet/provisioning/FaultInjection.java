package dev.pgfleet.provisioning;

/**
 * The runtime's fault-injection role, for failover drills only. A drill breaks the leader, watches the cluster elect
 * another and must never leave a pooler paused, hence {@link PoolerControl} (and through it {@link ClusterObserver}).
 */
public interface FaultInjection extends PoolerControl {

    /**
     * An abrupt failure of {@code member}: no shutdown, no hand-over; it answers nobody and its leader key lapses.
     * Locally its Patroni and PostgreSQL are SIGKILLed (and stay down until the reconciler restarts them). On
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
