package dev.pgfleet.backup;

import dev.pgfleet.operation.DatabaseSchedules;
import dev.pgfleet.operation.OperationKind;
import dev.pgfleet.operation.Operations;
import dev.pgfleet.problem.Conflict;
import java.util.Optional;
import java.util.UUID;
import org.quartz.Scheduler;
import org.quartz.SchedulerException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;

/**
 * Whether a tenant may ask for one more restore now: at most {@code pgfleet.backup.max-running-per-tenant} restores
 * waiting or restoring per tenant (active RESTORE operations); more are refused (409) rather than queued, since a
 * restore replaces or creates a database and a tenant should decide again once the earlier ones are done. One restore at
 * a time into a database is the operations lock's rule. Runs inside the request's transaction, after locking the
 * tenant's row, so that two requests of one tenant are admitted one after the other (FOR NO KEY UPDATE: a database
 * insert's foreign-key check on the tenant is not blocked by it).
 *
 * <p>Restores run on the shared Quartz workers and pg_restore may take hours, so a second bound applies when a restore
 * is about to start: at most a quarter of the worker pool ({@link #maxExecuting}, at least one) executes restores at
 * once, cluster-wide, counted from Quartz's record of executing jobs (QRTZ_FIRED_TRIGGERS, job group "restore") as
 * {@link BackupAdmission} counts backups. A restore over it waits its turn (REQUESTED, with the reason), freeing its
 * worker meanwhile. Backups, verifications and drills thus always keep most workers.
 */
@Component
class RestoreAdmission {
    private final JdbcTemplate jdbc;
    private final Operations operations;
    private final BackupProperties settings;
    private final Scheduler scheduler;

    RestoreAdmission(JdbcTemplate jdbc, Operations operations, BackupProperties settings, Scheduler scheduler) {
        this.jdbc = jdbc;
        this.operations = operations;
        this.settings = settings;
        this.scheduler = scheduler;
    }

    /**
     * Locks the tenant's row (until the transaction ends). A restore request takes it BEFORE the operations lock on the
     * database row, as a drill request does (DrillAdmission): two requests taking the two locks in opposite orders
     * could deadlock.
     */
    @Transactional(propagation = Propagation.MANDATORY)
    void lockTenant(UUID tenantId) {
        jdbc.query("select id from tenants where id = ? for no key update", rs -> null, tenantId);
    }

    /**
     * Throws a 409 when one more restore for the tenant is not allowed. {@code alreadyRequested}: the caller's restore
     * operation is requested already (in this transaction) and is not counted.
     */
    @Transactional(propagation = Propagation.MANDATORY)
    void require(UUID tenantId, boolean alreadyRequested) {
        lockTenant(tenantId);
        long active = operations.activeOfTenant(tenantId, OperationKind.RESTORE) - (alreadyRequested ? 1 : 0);
        if (active >= settings.maxRunningPerTenant()) {
            throw new Conflict("Too many restores", "At most " + settings.maxRunningPerTenant()
                    + " restores may be waiting or running at once per tenant, and " + active + " are; wait for one to finish.");
        }
    }

    /**
     * Called by a restore about to start: why it must wait for its turn, or empty when it may run. Counts the executing
     * restore jobs of every replica, this one included.
     */
    Optional<String> mustWait() {
        int bound = maxExecuting();
        long executing = executingRestores();
        if (executing <= bound) {
            return Optional.empty();
        }
        return Optional.of("Waiting for its turn: at most " + bound + " restores run at once (a quarter of the control"
                + " plane's job workers), and " + (executing - 1) + " are running.");
    }

    /** A quarter of the Quartz worker pool, at least one: the rest stays for backups, verifications and drills. */
    int maxExecuting() {
        try {
            return maxExecuting(scheduler.getMetaData().getThreadPoolSize());
        } catch (SchedulerException e) {
            throw new IllegalStateException("the scheduler has no metadata: " + e.getMessage(), e);
        }
    }

    /** Pure: the bound for a pool of {@code workers}. */
    static int maxExecuting(int workers) {
        return Math.max(1, workers / 4);
    }

    private long executingRestores() {
        String schedulerName;
        try {
            schedulerName = scheduler.getSchedulerName();
        } catch (SchedulerException e) {
            throw new IllegalStateException("the scheduler has no name: " + e.getMessage(), e);
        }
        Long n = jdbc.queryForObject("select count(*) from qrtz_fired_triggers where sched_name = ? and job_group = ?"
                + " and state = 'EXECUTING'", Long.class, schedulerName, DatabaseSchedules.group(OperationKind.RESTORE));
        return n == null ? 0 : n;
    }
}
