package dev.pgfleet.provisioning;

import java.time.Instant;
import java.util.List;

/**
 * A point-in-time look into a running database: its pool, its size and its vector indexes. Each part is fetched
 * on its own; a part that could not be fetched is null (indexes: empty) and says why in {@code problems}.
 *
 * @param sizeBytes    pg_database_size of the tenant's database on the leader
 * @param vectorIndexes the database's HNSW and IVFFlat indexes, largest first
 */
public record DatabaseInsight(Instant fetchedAt, PoolerStats pooler, Long sizeBytes, List<VectorIndex> vectorIndexes,
                              List<String> problems) {

    /**
     * @param method  the index access method: hnsw or ivfflat
     * @param scans   index scans since the statistics were last reset (pg_stat_user_indexes.idx_scan), on the leader
     */
    public record VectorIndex(String schema, String name, String table, String method, String operatorClass, long sizeBytes,
                              long scans) {
    }
}
