package dev.pgfleet.operation;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Keeps the operations history bounded: every hour, finished operations older than
 * {@link OperationProperties#historyRetention()} are deleted, a bounded batch per statement so that no delete holds many
 * rows locked at once. An operation a backup or restore row still names is kept whatever its age: that row's status is
 * its operation's, and deleting the operation would cascade to the backup. A drill keeps its own figures (its reference
 * is set to null). Replicas may prune at the same time: a DELETE of the same rows is harmless.
 */
@Component
class OperationRetention {
    static final int BATCH = 1_000;
    private static final Logger log = LoggerFactory.getLogger(OperationRetention.class);
    // Names the two feature tables whose rows reference their operation with "on delete cascade" (V13): the one place
    // this package knows them, so that pruning can never take a tenant's backup with it.
    private static final String PRUNE_BATCH = "delete from database_operations where id in ("
            + " select o.id from database_operations o"
            + " where o.state in ('SUCCEEDED', 'FAILED') and o.finished_at < now() - make_interval(secs => ?)"
            + " and not exists (select 1 from backups b where b.operation_id = o.id)"
            + " and not exists (select 1 from restores r where r.operation_id = o.id)"
            + " limit " + BATCH + ")";

    private final JdbcTemplate jdbc;
    private final OperationProperties settings;

    OperationRetention(JdbcTemplate jdbc, OperationProperties settings) {
        this.jdbc = jdbc;
        this.settings = settings;
    }

    @Scheduled(fixedDelay = 3_600_000, initialDelay = 600_000)
    void pruneOnSchedule() {
        try {
            int pruned = deleteExpiredOperations();
            if (pruned > 0) {
                log.info("removed {} finished operations older than {} from the history", pruned, settings.historyRetention());
            }
        } catch (RuntimeException e) {
            log.warn("could not prune the operations history: {}", e.toString());
        }
    }

    /** Deletes every finished operation past the retention that nothing references; returns how many. */
    int deleteExpiredOperations() {
        double seconds = settings.historyRetention().toSeconds();
        int total = 0;
        int deleted;
        do {
            deleted = jdbc.update(PRUNE_BATCH, seconds);
            total += deleted;
        } while (deleted == BATCH);
        return total;
    }
}
