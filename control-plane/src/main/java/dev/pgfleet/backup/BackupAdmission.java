package dev.pgfleet.backup;

import dev.pgfleet.database.Database;
import dev.pgfleet.database.DatabaseEvents;
import dev.pgfleet.operation.DatabaseSchedules;
import dev.pgfleet.operation.OperationKind;
import dev.pgfleet.operation.Requester;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import org.quartz.Scheduler;
import org.quartz.SchedulerException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * Whether a backup may start, so that one tenant can neither fill the backup store nor occupy every Quartz worker.
 * One backup per database at a time is the operations lock's rule (BACKUP conflicts with BACKUP). Per tenant, at most
 * {@code pgfleet.backup.max-running-per-tenant} backup and verification jobs execute at once — a backup's job is its
 * dump and the verification run right after it — counted from Quartz's own record of executing jobs
 * (QRTZ_FIRED_TRIGGERS, job groups "backup" and "verification"), which spans every replica and forgets a dead
 * replica's jobs. A job over the bound waits its turn: its operation stays REQUESTED with the reason and fires again
 * {@link #TURN_WAIT} later, freeing its worker meanwhile. Because each job is recorded as executing before it counts,
 * two jobs starting together can both wait, never both run past the bound.
 */
@Component
class BackupAdmission {
    static final Duration TURN_WAIT = Duration.ofSeconds(10);

    private final JdbcTemplate jdbc;
    private final Scheduler scheduler;
    private final BackupProperties settings;
    private final BackupQuota quota;
    private final BackupLedger ledger;
    private final DatabaseEvents events;

    BackupAdmission(JdbcTemplate jdbc, Scheduler scheduler, BackupProperties settings, BackupQuota quota, BackupLedger ledger,
                    DatabaseEvents events) {
        this.jdbc = jdbc;
        this.scheduler = scheduler;
        this.settings = settings;
        this.quota = quota;
        this.ledger = ledger;
        this.events = events;
    }

    /**
     * For the cron trigger: a new SCHEDULED backup, or empty when the database's lock refuses one (a backup of it is
     * already waiting or running, or a restore of it), or when the tenant's storage quota is reached — then a FAILED
     * backup with that reason, and an event, record it.
     */
    Optional<Backup> scheduledBackup(Database db) {
        BackupQuota.Usage usage = quota.usageOf(db.getTenantId());
        if (usage.reached()) {
            String reason = "Not taken: " + BackupQuota.refusal(usage);
            ledger.recordRefused(db.getId(), db.getTenantId(), Backup.Trigger.SCHEDULED, Requester.schedule(), reason);
            events.warningOnce(db.getId(), "BackupQuotaReached", "Scheduled backup " + reason.substring(0, 1).toLowerCase()
                    + reason.substring(1));
            return Optional.empty();
        }
        return Optional.ofNullable(ledger.request(db.getId(), db.getTenantId(), Backup.Trigger.SCHEDULED, Requester.schedule()).backup());
    }

    /**
     * Called by an executing backup or verification job: why it must wait for its turn, or empty when it may run.
     * Counts the tenant's executing backup and verification jobs, this one included.
     */
    Optional<String> mustWait(UUID tenantId) {
        long executing = executingJobsOf(tenantId);
        if (executing <= settings.maxRunningPerTenant()) {
            return Optional.empty();
        }
        return Optional.of("Waiting for its turn: at most " + settings.maxRunningPerTenant() + " backups (with their verification)"
                + " run at once per tenant, and " + (executing - 1) + " are running.");
    }

    /** When a waiting job tries again: a little spread, so that waiting jobs do not all retry at the same instant. */
    static Duration nextTurn() {
        return TURN_WAIT.plusMillis(ThreadLocalRandom.current().nextLong(3000));
    }

    private long executingJobsOf(UUID tenantId) {
        String schedulerName;
        try {
            schedulerName = scheduler.getSchedulerName();
        } catch (SchedulerException e) {
            throw new IllegalStateException("the scheduler has no name: " + e.getMessage(), e);
        }
        Long n = jdbc.queryForObject("select count(*) from qrtz_fired_triggers f join databases d on f.job_name = d.id::text"
                + " where f.sched_name = ? and f.job_group in (?, ?) and f.state = 'EXECUTING' and d.tenant_id = ?",
                Long.class, schedulerName, DatabaseSchedules.group(OperationKind.BACKUP),
                DatabaseSchedules.group(OperationKind.VERIFICATION), tenantId);
        return n == null ? 0 : n;
    }
}
