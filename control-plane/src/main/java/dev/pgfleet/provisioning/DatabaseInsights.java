package dev.pgfleet.provisioning;

import dev.pgfleet.database.RuntimeInfo;
import dev.pgfleet.database.Database;
import dev.pgfleet.database.DatabaseMember;
import dev.pgfleet.database.DatabaseStatus;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.springframework.stereotype.Component;

/**
 * Fetches what a tenant wants to see of a running database besides its members: the pooler's figures (SHOW POOLS,
 * SHOW STATS), the database's size and its vector indexes. Read-only and cheap: a few catalog queries on the
 * leader and two admin-console commands, so the dashboard may poll it.
 *
 * <p>The queries run as the monitoring role (pg_monitor, no superuser) in a session whose search_path is pinned at
 * connect time ({@link DatabaseSessions}); every function and operator is also written schema-qualified, so a tenant's
 * {@code public.pg_relation_size(oid)} or {@code operator = (name, name)} is never what runs.
 */
@Component
public class DatabaseInsights {
    /** HNSW and IVFFlat indexes with their size and scans: what tells a tenant whether an index is used at all. */
    static final String VECTOR_INDEXES_SQL = """
            select s.schemaname, s.indexrelname, s.relname, am.amname,
                   coalesce(opc.opcname, ''), pg_catalog.pg_relation_size(s.indexrelid), s.idx_scan
              from pg_catalog.pg_stat_user_indexes s
              join pg_catalog.pg_class c on c.oid operator(pg_catalog.=) s.indexrelid
              join pg_catalog.pg_am am on am.oid operator(pg_catalog.=) c.relam
              join pg_catalog.pg_index i on i.indexrelid operator(pg_catalog.=) s.indexrelid
              left join pg_catalog.pg_opclass opc on opc.oid operator(pg_catalog.=) i.indclass[0]
             where am.amname operator(pg_catalog.=) any (array['hnsw', 'ivfflat']::pg_catalog.name[])
             order by 6 desc, 2""";

    static final String SIZE_SQL = "select pg_catalog.pg_database_size(pg_catalog.current_database())";

    private final ClusterInsights runtime;
    private final RuntimeInfo endpoints;
    private final DesiredClusters desiredClusters;

    DatabaseInsights(ClusterInsights runtime, RuntimeInfo endpoints, DesiredClusters desiredClusters) {
        this.runtime = runtime;
        this.endpoints = endpoints;
        this.desiredClusters = desiredClusters;
    }

    /** I/O. Never throws for a part that cannot be fetched: that part is left out and named in the problems. */
    public DatabaseInsight fetchInsight(Database db) {
        List<String> problems = new ArrayList<>();
        if (db.getStatus() == DatabaseStatus.PENDING || db.getStatus() == DatabaseStatus.PROVISIONING
                || db.getStatus() == DatabaseStatus.DELETING || db.getPoolerPort() == null) {
            problems.add("The database is " + db.getStatus().name().toLowerCase() + "; figures appear once it runs.");
            return new DatabaseInsight(Instant.now(), null, null, List.of(), problems);
        }
        DesiredCluster desired = desiredClusters.of(db);
        PoolerStats pooler = null;
        try {
            pooler = runtime.fetchPoolerStats(desired);
        } catch (RuntimeException e) {
            problems.add("The pooler did not answer: " + e.getMessage());
        }
        Long size = null;
        List<DatabaseInsight.VectorIndex> indexes = List.of();
        Optional<DatabaseMember> leader = db.lastObservedLeader();
        if (leader.isEmpty()) {
            problems.add("There is no leader right now, so size and indexes are unknown.");
        } else {
            Optional<String> monitorPassword = desiredClusters.monitorPassword(db);
            if (monitorPassword.isEmpty()) {
                problems.add("The monitoring role is being created; size and indexes appear shortly.");
                return new DatabaseInsight(Instant.now(), pooler, null, List.of(), problems);
            }
            try (Connection c = DatabaseSessions.open(endpoints.memberEndpoint(db, leader.get()), db.getName(),
                    TenantDatabaseInitializer.MONITOR_ROLE, monitorPassword.get(), "pgfleet-insights", Duration.ofSeconds(10))) {
                c.setReadOnly(true);
                size = fetchSize(c);
                indexes = fetchVectorIndexes(c);
            } catch (SQLException e) {
                problems.add("The leader did not answer: " + e.getMessage());
            }
        }
        return new DatabaseInsight(Instant.now(), pooler, size, indexes, problems);
    }

    private static long fetchSize(Connection c) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(SIZE_SQL)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static List<DatabaseInsight.VectorIndex> fetchVectorIndexes(Connection c) throws SQLException {
        List<DatabaseInsight.VectorIndex> indexes = new ArrayList<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(VECTOR_INDEXES_SQL)) {
            while (rs.next()) {
                indexes.add(new DatabaseInsight.VectorIndex(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
                        rs.getString(5), rs.getLong(6), rs.getLong(7)));
            }
        }
        return indexes;
    }
}
