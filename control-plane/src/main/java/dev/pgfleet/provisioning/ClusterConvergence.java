package dev.pgfleet.provisioning;

import dev.pgfleet.database.RuntimeInfo;
import java.util.List;

/**
 * The runtime's converge role, used by the reconciler alone: make a database's data plane match its desired state,
 * or remove it. Every {@code ensure…} method is one idempotent, non-blocking step: it starts or fixes what is missing
 * and returns, never waiting for slow work (the reconciler comes back).
 */
public interface ClusterConvergence extends ClusterObserver {

    /** Shared infrastructure (the DCS) and every member of the cluster are running with current configuration. */
    void ensureMembers(DesiredCluster desired);

    /** The pooler runs and sends connections to the current leader. */
    void ensurePooler(DesiredCluster desired);

    /** Stops every process, removes all data and DCS state of the cluster. Idempotent. */
    void deleteCluster(DesiredCluster desired);

    /**
     * Every host name and IP address a client or a peer uses to reach the database's endpoints (pooler, members,
     * Services): the subject alternative names of its server certificate, so {@code sslmode=verify-full} holds
     * whichever of them a connection string or a member names. Pure: no I/O.
     */
    List<String> serverCertificateNames(DesiredCluster desired);

    /** Where the current leader accepts superuser connections (for creating the tenant database). Pure: no I/O. */
    RuntimeInfo.Endpoint leaderEndpoint(DesiredCluster desired, String leader);
}
