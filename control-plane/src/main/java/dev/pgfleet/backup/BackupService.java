package dev.pgfleet.backup;

import dev.pgfleet.database.Database;
import dev.pgfleet.database.DatabaseChanged;
import dev.pgfleet.database.DatabaseDeleted;
import dev.pgfleet.database.DatabaseRepository;
import dev.pgfleet.database.DatabaseService;
import dev.pgfleet.database.DatabaseStatus;
import dev.pgfleet.operation.DatabaseOperation;
import dev.pgfleet.operation.DatabaseSchedules;
import dev.pgfleet.operation.OperationKind;
import dev.pgfleet.operation.Operations;
import dev.pgfleet.operation.Requester;
import dev.pgfleet.problem.Conflict;
import dev.pgfleet.problem.InvalidInput;
import dev.pgfleet.problem.NotFound;
import dev.pgfleet.problem.Unprocessable;
import dev.pgfleet.system.Pagination;
import dev.pgfleet.system.ScheduleRule;
import dev.pgfleet.security.TenantPrincipal;
import io.swagger.v3.oas.annotations.media.Schema;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.TimeZone;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.transaction.event.TransactionalEventListener;

/** The backup API's rules: policies, on-demand backups, download and deletion, all scoped to the caller's tenant. */
@Service
class BackupService {
    private static final Logger log = LoggerFactory.getLogger(BackupService.class);

    private final DatabaseService databaseService;
    private final DatabaseRepository databases;
    private final BackupPolicyRepository policies;
    private final BackupRepository backups;
    private final BackupLedger ledger;
    private final DatabaseSchedules schedules;
    private final Operations operations;
    private final BackupStore store;
    private final RestoreRepository restores;
    private final BackupProperties settings;
    private final BackupQuota quota;
    private final RestoreAdmission restoreAdmission;

    BackupService(DatabaseService databaseService, DatabaseRepository databases, BackupPolicyRepository policies,
                  BackupRepository backups, BackupLedger ledger, DatabaseSchedules schedules, Operations operations, BackupStore store,
                  RestoreRepository restores, BackupProperties settings, BackupQuota quota,
                  RestoreAdmission restoreAdmission) {
        this.databaseService = databaseService;
        this.databases = databases;
        this.policies = policies;
        this.backups = backups;
        this.ledger = ledger;
        this.schedules = schedules;
        this.operations = operations;
        this.store = store;
        this.restores = restores;
        this.settings = settings;
        this.quota = quota;
        this.restoreAdmission = restoreAdmission;
    }

    /**
     * Restores a successful backup into a new database of the same plan and version (provisioned first), or
     * over the source database — only when the request says {@code "overwrite": true}. One restore at a time into
     * a database (the operations lock: a restore conflicts with every operation on its target but a verification, so it
     * is refused with the operation in the way) and a bounded number per tenant ({@link RestoreAdmission}). The restore
     * is a RESTORE operation on the target, run by {@link RestoreHandler} once the target is READY.
     */
    @Transactional
    Restore requestRestore(TenantPrincipal caller, UUID databaseId, RestoreRequest request) {
        Database source = databaseService.get(caller, databaseId);
        if (request.backupId() == null) {
            throw new InvalidInput("Missing backup", "Field 'backupId' is required.", "backupId");
        }
        Backup backup = backups.findByIdAndDatabaseId(request.backupId(), source.getId())
                .orElseThrow(() -> new NotFound("Backup " + request.backupId()));
        if (backup.getStatus() != Backup.Status.SUCCEEDED) {
            throw new Conflict("Backup not restorable", "Backup " + backup.getId() + " is " + backup.getStatus() + ".");
        }
        boolean overwrite = Boolean.TRUE.equals(request.overwrite());
        if (request.newDatabaseName() != null && overwrite) {
            throw new InvalidInput("Ambiguous restore",
                    "Give either 'newDatabaseName' (restore into a new database) or 'overwrite': true (restore over this one), not both.");
        }
        UUID targetId;
        if (request.newDatabaseName() != null) {
            // Before the new database is created, and (locking the tenant's row) before the new database's row is locked.
            restoreAdmission.require(caller.tenantId(), false);
            targetId = databaseService.create(caller, new dev.pgfleet.database.CreateDatabaseRequest(request.newDatabaseName(),
                    source.getPlan(), source.getPostgresVersion())).getId();
        } else if (overwrite) {
            if (source.isDeletionRequested()) {
                throw new Conflict("Database is being deleted", "A database being deleted cannot be restored into.");
            }
            // Only a READY database is restored over: a restore waiting for its target holds the database's RESTORE lock
            // (blocking backups, drills, switchovers) and a tenant restore slot; only a new target is worth waiting for.
            if (source.getStatus() != DatabaseStatus.READY) {
                throw new Conflict("Database not ready", "The database is " + source.getStatus()
                        + "; a restore over its contents can start only while it is READY. Try again once it is.");
            }
            targetId = source.getId();
            // The tenant's row before the database's (operations.request below): the lock order of the drill path
            // (DrillAdmission), so that a restore and a drill of one tenant cannot deadlock.
            restoreAdmission.lockTenant(caller.tenantId());
        } else {
            throw new InvalidInput("Where to restore?", "Give 'newDatabaseName' to restore into a new database;"
                    + " restoring over this database's current contents needs an explicit \"overwrite\": true.");
        }
        UUID restoreId = UUID.randomUUID();
        var operation = operations.request(targetId, caller.tenantId(), OperationKind.RESTORE, requester(caller), restoreId,
                Restore.WAITING_FOR_TARGET).orRefuse();
        if (overwrite) {
            // Counted after the database's lock (the tenant's row is locked already, above), so that a restore into a busy
            // database is refused naming what runs there.
            restoreAdmission.require(caller.tenantId(), true);
        }
        Restore restore = restores.save(new Restore(restoreId, backup.getId(), operation, overwrite));
        afterCommit(() -> schedules.runSoon(OperationKind.RESTORE, targetId, operation.getId(), Duration.ZERO));
        return restore;
    }

    @Transactional(readOnly = true)
    List<Restore> restoresInto(TenantPrincipal caller, UUID databaseId) {
        return restores.findByTargetDatabaseIdOrderByCreatedAtDesc(databaseService.get(caller, databaseId).getId());
    }

    /** One page of the restores into the database, newest first (the API's list). */
    @Transactional(readOnly = true)
    Pagination.Page<Restore> restoresPage(TenantPrincipal caller, UUID databaseId, Pagination.PageRequest request) {
        Pagination.Cursor before = request.afterOr(Pagination.Cursor.AFTER_ALL);
        return Pagination.Page.of(restores.findPage(databaseService.get(caller, databaseId).getId(), before.createdAt(), before.id(),
                request.probe()), request, r -> new Pagination.Cursor(r.getCreatedAt(), r.getId()));
    }

    @Transactional(readOnly = true)
    BackupPolicy policy(TenantPrincipal caller, UUID databaseId) {
        Database db = databaseService.get(caller, databaseId);
        return policies.findById(db.getId()).orElse(BackupPolicy.defaults(db.getId()));
    }

    /** Validates the whole policy first, stores it, and reschedules at once. */
    @Transactional
    BackupPolicy updatePolicy(TenantPrincipal caller, UUID databaseId, PolicyRequest request) {
        Database db = databaseService.get(caller, databaseId);
        ScheduleRule.require(request.cron(), settings.minimumInterval(), "cron", "'0 0 3 * * ?' for daily at 03:00", "backups",
                TimeZone.getDefault(), Instant.now());
        if (request.enabled() == null || request.verifyAfterBackup() == null) {
            throw new InvalidInput("Missing field", "Fields 'enabled' and 'verifyAfterBackup' are required.");
        }
        if (request.retentionCount() == null && request.retentionDays() == null) {
            throw new InvalidInput("Missing retention",
                    "Give 'retentionCount' (backups to keep) and/or 'retentionDays' (how long to keep them).", "retentionCount");
        }
        if ((request.retentionCount() != null && request.retentionCount() < 1) || (request.retentionDays() != null && request.retentionDays() < 1)) {
            throw new InvalidInput("Invalid retention", "Retention count and days must be at least 1.",
                    request.retentionCount() != null && request.retentionCount() < 1 ? "retentionCount" : "retentionDays");
        }
        if (request.retentionCount() != null && request.retentionCount() > settings.maxRetentionCount()) {
            throw new Unprocessable("Retention too long", "At most " + settings.maxRetentionCount()
                    + " backups are kept per database, not " + request.retentionCount() + ".", "retentionCount");
        }
        if (request.retentionDays() != null && request.retentionDays() > settings.maxRetentionDays()) {
            throw new Unprocessable("Retention too long", "Backups are kept at most "
                    + settings.maxRetentionDays() + " days, not " + request.retentionDays() + ".", "retentionDays");
        }
        BackupPolicy policy = policies.findById(db.getId()).orElse(BackupPolicy.defaults(db.getId()));
        policy.update(request.cron(), request.enabled(), request.retentionCount(), request.retentionDays(), request.verifyAfterBackup());
        policies.save(policy);
        applySchedule(policy);
        return policy;
    }

    /**
     * Starts a backup (202) of a READY database: a BACKUP operation, run by {@link BackupHandler} at once. Refused (409)
     * while the database's lock says no (a backup or a restore of it is waiting or running: the refusal names it), or when
     * the tenant's stored backups have reached its quota; beyond the tenant's running backups it waits its turn.
     */
    Backup requestBackup(TenantPrincipal caller, UUID databaseId) {
        Database db = databaseService.get(caller, databaseId);
        if (db.isDeletionRequested()) {
            throw new Conflict("Database is being deleted", "A database that is being deleted is not backed up.");
        }
        if (db.getStatus() != DatabaseStatus.READY && db.getStatus() != DatabaseStatus.DEGRADED) {
            throw new Conflict("Database not ready",
                    "The database is " + db.getStatus() + "; a backup can be taken once it is READY.");
        }
        quota.requireRoom(db.getTenantId());
        Backup backup = ledger.request(db.getId(), db.getTenantId(), Backup.Trigger.ON_DEMAND, requester(caller)).orRefuse();
        schedules.runSoon(OperationKind.BACKUP, db.getId(), backup.getOperationId(), Duration.ZERO);
        return backup;
    }

    @Transactional(readOnly = true)
    List<Backup> list(TenantPrincipal caller, UUID databaseId) {
        return backups.findByDatabaseIdOrderByCreatedAtDesc(databaseService.get(caller, databaseId).getId());
    }

    /** One page of the database's backups, newest first (the API's list). */
    @Transactional(readOnly = true)
    Pagination.Page<Backup> page(TenantPrincipal caller, UUID databaseId, Pagination.PageRequest request) {
        Pagination.Cursor before = request.afterOr(Pagination.Cursor.AFTER_ALL);
        return Pagination.Page.of(backups.findPage(databaseService.get(caller, databaseId).getId(), before.createdAt(), before.id(),
                request.probe()), request, b -> new Pagination.Cursor(b.getCreatedAt(), b.getId()));
    }

    @Transactional(readOnly = true)
    Backup get(TenantPrincipal caller, UUID databaseId, UUID backupId) {
        Database db = databaseService.get(caller, databaseId);
        return backups.findByIdAndDatabaseId(backupId, db.getId()).orElseThrow(() -> new NotFound("Backup " + backupId));
    }

    /** The dump of a successful backup: a file, or a directory-format dump's directory. */
    java.nio.file.Path dump(Backup backup) {
        if (backup.getStatus() != Backup.Status.SUCCEEDED) {
            throw new Conflict("No file", "Backup " + backup.getId() + " is " + backup.getStatus() + "; only a"
                    + " successful backup can be downloaded.");
        }
        return store.path(backup.getDatabaseId(), backup.getFileName());
    }

    void delete(TenantPrincipal caller, UUID databaseId, UUID backupId) throws IOException {
        Backup backup = get(caller, databaseId, backupId);
        if (backup.getStatus() == Backup.Status.RUNNING || backup.getStatus() == Backup.Status.PENDING) {
            throw new Conflict("Backup in progress", "Backup " + backupId + " is still " + backup.getStatus() + ".");
        }
        requireUnused(backup);
        store.delete(databaseId, backup.getFileName());
        ledger.delete(backupId);
    }

    /** Refuses (409, naming the operation) while the backup is being verified or restored from: its file is in use. */
    private void requireUnused(Backup backup) {
        for (DatabaseOperation op : operations.active(backup.getDatabaseId())) {
            if (op.getKind() == OperationKind.VERIFICATION && backup.getId().equals(op.getSubjectId())) {
                throw inUse(backup, op, "being verified");
            }
        }
        for (Restore r : restores.findByBackupId(backup.getId())) {
            DatabaseOperation op = r.getOperation();
            if (op.getState().isActive()) {
                throw inUse(backup, op, "being restored into database " + op.getDatabaseId());
            }
        }
    }

    private static Conflict inUse(Backup backup, DatabaseOperation op, String what) {
        return new Conflict("Backup in use", "Backup " + backup.getId() + " is " + what + " (operation " + op.getId() + ", "
                + op.getKind().apiName() + ", " + op.getState() + "); delete it once that operation has finished.");
    }

    /** A new database gets its backup schedule (the default policy until the tenant changes it). */
    @TransactionalEventListener
    void onDatabaseChanged(DatabaseChanged event) {
        databases.findById(event.databaseId()).ifPresent(db -> {
            if (db.isDeletionRequested()) {
                schedules.applyCron(OperationKind.BACKUP, db.getId(), BackupPolicy.DEFAULT_CRON, false);
            } else {
                applySchedule(policies.findById(db.getId()).orElse(BackupPolicy.defaults(db.getId())));
            }
        });
    }

    /** A deleted database's backups go with it (their rows cascade; the files are removed here). */
    @EventListener
    void onDatabaseDeleted(DatabaseDeleted event) {
        try {
            schedules.forgetDatabase(event.databaseId());
            store.deleteAll(event.databaseId());
        } catch (IOException | RuntimeException e) {
            log.warn("could not remove the backups of deleted database {}: {}", event.databaseId(), e.toString());
        }
    }

    /** Re-applies every database's schedule at start (idempotent; repairs a job store edited by hand). */
    @EventListener(ApplicationReadyEvent.class)
    void scheduleAll() {
        for (Database db : databases.findAll()) {
            if (!db.isDeletionRequested()) {
                applySchedule(policies.findById(db.getId()).orElse(BackupPolicy.defaults(db.getId())));
            }
        }
    }

    private void applySchedule(BackupPolicy policy) {
        schedules.applyCron(OperationKind.BACKUP, policy.getDatabaseId(), policy.getCron(), policy.isEnabled());
    }

    private static Requester requester(TenantPrincipal caller) {
        return caller.userId() == null ? Requester.controlPlane() : Requester.user(caller.userId());
    }

    /** After the caller's transaction commits (at once without one): a trigger must not fire before its operation exists. */
    private static void afterCommit(Runnable action) {
        if (org.springframework.transaction.support.TransactionSynchronizationManager.isSynchronizationActive()) {
            org.springframework.transaction.support.TransactionSynchronizationManager.registerSynchronization(
                    new org.springframework.transaction.support.TransactionSynchronization() {
                        @Override
                        public void afterCommit() {
                            action.run();
                        }
                    });
        } else {
            action.run();
        }
    }

    record RestoreRequest(UUID backupId, String newDatabaseName, Boolean overwrite) {
    }

    @Schema(name = "BackupPolicyRequest")
    record PolicyRequest(String cron, Boolean enabled, Integer retentionCount, Integer retentionDays, Boolean verifyAfterBackup) {
    }
}
