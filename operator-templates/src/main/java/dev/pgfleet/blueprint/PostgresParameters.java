package dev.pgfleet.blueprint;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * PostgreSQL parameters for a member of a given size, tuned for vector workloads.
 *
 * <p>Two groups, because Patroni treats them differently: {@link #clusterWide} must be identical on
 * every member (Patroni takes them from the DCS, so they go to {@code bootstrap.dcs}); {@link #tuned}
 * are per member and follow the member's resources.
 */
public final class PostgresParameters {
    static final int MAX_CONNECTIONS = 100;

    private PostgresParameters() {
    }

    /** Parameters Patroni requires to match across members; only applied at bootstrap via bootstrap.dcs. */
    public static SortedMap<String, String> clusterWide(Plan plan) {
        SortedMap<String, String> p = new TreeMap<>();
        p.put("max_connections", Integer.toString(MAX_CONNECTIONS));
        p.put("max_locks_per_transaction", "64");
        p.put("max_worker_processes", "8");
        p.put("max_prepared_transactions", "0");
        p.put("wal_level", "replica");
        // pg_rewind lets a failed leader rejoin as a replica without a full copy.
        p.put("wal_log_hints", "on");
        p.put("track_commit_timestamp", "off");
        p.put("max_wal_senders", "10");
        p.put("max_replication_slots", "10");
        p.put("hot_standby", "on");
        return p;
    }

    /** Memory and parallelism sized to one member; HNSW builds are the reason for the generous maintenance memory. */
    public static SortedMap<String, String> tuned(Resources r) {
        long mem = r.memoryMiB();
        long sharedBuffers = mem / 4;
        long effectiveCache = mem * 3 / 4;
        // An HNSW build is fast only while the graph fits in maintenance_work_mem; give it a fifth of memory.
        long maintenance = clamp(mem / 5, 64, 8192);
        // What is left after shared buffers, spread over the connections that may sort or hash at once.
        long work = clamp((mem - sharedBuffers) / (MAX_CONNECTIONS * 3L / 2), 4, 256);
        int cpus = r.cpus();

        SortedMap<String, String> p = new TreeMap<>();
        p.put("shared_buffers", sharedBuffers + "MB");
        p.put("effective_cache_size", effectiveCache + "MB");
        p.put("maintenance_work_mem", maintenance + "MB");
        p.put("work_mem", work + "MB");
        // pgvector builds HNSW indexes with parallel maintenance workers (plus the leader process).
        p.put("max_parallel_maintenance_workers", Integer.toString(Math.max(1, cpus - 1)));
        p.put("max_parallel_workers", Integer.toString(cpus));
        p.put("max_parallel_workers_per_gather", Integer.toString(Math.max(1, cpus / 2)));
        // NVMe: random reads cost about as much as sequential ones, and many can be in flight.
        p.put("random_page_cost", "1.1");
        p.put("effective_io_concurrency", "200");
        p.put("wal_compression", "on");
        p.put("checkpoint_completion_target", "0.9");
        p.put("max_wal_size", "2GB");
        p.put("min_wal_size", "256MB");
        p.put("password_encryption", "scram-sha-256");
        p.put("log_min_duration_statement", "1000");
        return p;
    }

    static Map<String, Object> asYamlMap(Map<String, String> parameters) {
        Map<String, Object> out = new LinkedHashMap<>();
        parameters.forEach(out::put);
        return out;
    }

    private static long clamp(long value, long min, long max) {
        return Math.max(min, Math.min(max, value));
    }
}
