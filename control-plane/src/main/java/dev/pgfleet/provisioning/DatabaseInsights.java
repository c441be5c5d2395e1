package dev.pgfleet.provisioning;

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
 */
@Component
public class DatabaseInsights {
    /** HNSW and IVFFlat indexes with their size and scans: what tells a tenant whether an index is used at all. */
    static final String VECTOR_INDEXES_SQL = """
            select s.schemaname, s.indexrelname, s.relname, am.amname,
                   coalesce(opc.opcname, ''), pg_relation_size(s.indexrelid), s.idx_scan
              from pg_stat_user_indexes s
              join pg_class c on c.oid = s.indexrelid
              join pg_am am on am.oid = c.relam
              join pg_index i on i.indexrelid = s.indexrelid
              left join pg_opclass opc on opc.oid = i.indclass[0]
             where am.amname in ('hnsw', 'ivfflat')
             order by pg_relation_size(s.indexrelid) desc, s.indexrelname""";

    private final DataPlaneRuntime runtime;
    private final DesiredClusters desiredClusters;

    DatabaseInsights(DataPlaneRuntime runtime, DesiredClusters desiredClusters) {
        this.runtime = runtime;
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
            try (Connection c = SuperuserConnections.open(runtime.memberEndpoint(db, leader.get()), db.getName(),
                    desired.secrets().superuserPassword(), "pgfleet-insights", Duration.ofSeconds(10))) {
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
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("select pg_database_size(current_database())")) {
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
