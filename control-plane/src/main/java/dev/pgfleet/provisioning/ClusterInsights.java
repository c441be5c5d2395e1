package dev.pgfleet.provisioning;

/** The runtime's insights role: figures the dashboard shows about a running database. */
public interface ClusterInsights {

    /** SHOW POOLS and SHOW STATS of every pooler of the database, summed (I/O; throws when no pooler answers). */
    PoolerStats fetchPoolerStats(DesiredCluster desired);
}
