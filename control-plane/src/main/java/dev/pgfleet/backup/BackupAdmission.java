package dev.pgfleet.backup;

import dev.pgfleet.database.Database;
import dev.pgfleet.database.DatabaseEvents;
import dev.pgfleet.database.DatabaseRepository;
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
 * One backup per database at a time is the job's own rule (one JobDetail per database, never run concurrently, and
 * the partial unique index on pending/running backups). Per tenant, at most {@code pgfleet.backup.max-running-per-tenant}
 * backup jobs execute at once — a job is the dump and the verification after it — counted from Quartz's own record of
 * executing jobs (QRTZ_FIRED_TRIGGERS), which spans every replica and forgets a dead replica's jobs. A job over the
 * bound waits its turn: it leaves its backup PENDING with the reason and fires again {@link #TURN_WAIT} later, freeing
 * its worker meanwhile. Because each job is recorded as executing before it counts, two jobs starting together can
 * both wait, never both run past the bound.
 */
@Component
class BackupAdmission {
    static final Duration TURN_WAIT = Duration.ofSeconds(10);

    private final JdbcTemplate jdbc;
    private final Scheduler scheduler;
    private final BackupProperties settings;
    private final BackupQuota quota;
    private final BackupLedger ledger;
    private final DatabaseRepository databases;
    private final DatabaseEvents events;

    BackupAdmission(JdbcTemplate jdbc, Scheduler scheduler, BackupProperties settings, BackupQuota quota, BackupLedger ledger,
                    DatabaseRepository databases, DatabaseEvents events) {
        this.jdbc = jdbc;
        this.scheduler = scheduler;
        this.settings = settings;
        this.quota = quota;
        this.ledger = ledger;
        this.databases = databases;
        this.events = events;
    }

    /**
     * For the cron trigger: a new SCHEDULED backup, or empty when one of this database is already pending or running,
     * or when the tenant's storage quota is reached — then a FAILED backup with that reason, and an event, record it.
     */
    Optional<UUID> scheduledBackup(UUID databaseId) {
        Database db = databases.findById(databaseId).orElse(null);
        if (db == null) {
            return Optional.empty();
        }
        BackupQuota.Usage usage = quota.usageOf(db.getTenantId());
        if (usage.reached()) {
            String reason = "Not taken: " + BackupQuota.refusal(usage);
            ledger.recordRefused(databaseId, Backup.Trigger.SCHEDULED, reason);
            events.warningOnce(databaseId, "BackupQuotaReached", "Scheduled backup " + reason.substring(0, 1).toLowerCase() + reason.substring(1));
            return Optional.empty();
        }
        return ledger.createIfIdle(databaseId, Backup.Trigger.SCHEDULED).map(Backup::getId);
    }

    /**
     * Called by an executing backup job: why it must wait for its turn, or empty when it may run. Counts the tenant's
     * executing backup jobs, this one included.
     */
    Optional<String> mustWait(UUID databaseId) {
        Database db = databases.findById(databaseId).orElse(null);
        if (db == null) {
            return Optional.empty();
        }
        long executing = executingJobsOf(db.getTenantId());
        if (executing <= settings.maxRunningPerTenant()) {
            return Optional.empty();
        }
        return Optional.of("Waiting for its turn: at most " + settings.maxRunningPerTenant() + " backups (with their verification)"
                + " run at once per tenant, and " + (executing - 1) + " are running.");
    }

    /** When a waiting backup tries again: a little spread, so that waiting jobs do not all retry at the same instant. */
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
                + " where f.sched_name = ? and f.job_group = ? and f.state = 'EXECUTING' and d.tenant_id = ?",
                Long.class, schedulerName, BackupSchedules.GROUP, tenantId);
        return n == null ? 0 : n;
    }
}
