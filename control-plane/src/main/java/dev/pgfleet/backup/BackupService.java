package dev.pgfleet.backup;

import dev.pgfleet.database.Database;
import dev.pgfleet.database.DatabaseChanged;
import dev.pgfleet.database.DatabaseDeleted;
import dev.pgfleet.database.DatabaseRepository;
import dev.pgfleet.database.DatabaseService;
import dev.pgfleet.database.DatabaseStatus;
import dev.pgfleet.system.Pagination;
import dev.pgfleet.system.ApiException;
import dev.pgfleet.system.ScheduleRule;
import dev.pgfleet.security.TenantPrincipal;
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
import org.springframework.http.HttpStatus;
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
    private final BackupSchedules schedules;
    private final BackupStore store;
    private final RestoreRepository restores;
    private final BackupProperties settings;
    private final BackupQuota quota;
    private final RestoreAdmission restoreAdmission;

    BackupService(DatabaseService databaseService, DatabaseRepository databases, BackupPolicyRepository policies,
                  BackupRepository backups, BackupLedger ledger, BackupSchedules schedules, BackupStore store,
                  RestoreRepository restores, BackupProperties settings, BackupQuota quota,
                  RestoreAdmission restoreAdmission) {
        this.databaseService = databaseService;
        this.databases = databases;
        this.policies = policies;
        this.backups = backups;
        this.ledger = ledger;
        this.schedules = schedules;
        this.store = store;
        this.restores = restores;
        this.settings = settings;
        this.quota = quota;
        this.restoreAdmission = restoreAdmission;
    }

    /**
     * Restores a successful backup into a new database of the same plan and version (provisioned first), or
     * over the source database — only when the request says {@code "overwrite": true}. One restore at a time into
     * a database and a bounded number per tenant ({@link RestoreAdmission}).
     */
    @Transactional
    Restore requestRestore(TenantPrincipal caller, UUID databaseId, RestoreRequest request) {
        Database source = databaseService.get(caller, databaseId);
        if (request.backupId() == null) {
            throw new ApiException(HttpStatus.BAD_REQUEST, "Missing backup", "Field 'backupId' is required.");
        }
        Backup backup = backups.findByIdAndDatabaseId(request.backupId(), source.getId())
                .orElseThrow(() -> ApiException.notFound("Backup " + request.backupId()));
        if (backup.getStatus() != Backup.Status.SUCCEEDED) {
            throw new ApiException(HttpStatus.CONFLICT, "Backup not restorable", "Backup " + backup.getId() + " is " + backup.getStatus() + ".");
        }
        boolean overwrite = Boolean.TRUE.equals(request.overwrite());
        if (request.newDatabaseName() != null && overwrite) {
            throw new ApiException(HttpStatus.BAD_REQUEST, "Ambiguous restore",
                    "Give either 'newDatabaseName' (restore into a new database) or 'overwrite': true (restore over this one), not both.");
        }
        if (request.newDatabaseName() != null || overwrite) {
            restoreAdmission.require(caller.tenantId(), overwrite ? source.getId() : null);
        }
        Restore restore;
        if (request.newDatabaseName() != null) {
            Database target = databaseService.create(caller, new dev.pgfleet.database.CreateDatabaseRequest(request.newDatabaseName(),
                    source.getPlan(), source.getPostgresVersion()));
            restore = new Restore(backup.getId(), target.getId(), false);
        } else if (overwrite) {
            if (source.isDeletionRequested()) {
                throw new ApiException(HttpStatus.CONFLICT, "Database is being deleted", "A database being deleted cannot be restored into.");
            }
            restore = new Restore(backup.getId(), source.getId(), true);
        } else {
            throw new ApiException(HttpStatus.BAD_REQUEST, "Where to restore?", "Give 'newDatabaseName' to restore into a new database;"
                    + " restoring over this database's current contents needs an explicit \"overwrite\": true.");
        }
        return restores.save(restore);
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
            throw new ApiException(HttpStatus.BAD_REQUEST, "Missing field", "Fields 'enabled' and 'verifyAfterBackup' are required.");
        }
        if (request.retentionCount() == null && request.retentionDays() == null) {
            throw new ApiException(HttpStatus.BAD_REQUEST, "Missing retention",
                    "Give 'retentionCount' (backups to keep) and/or 'retentionDays' (how long to keep them).", "retentionCount");
        }
        if ((request.retentionCount() != null && request.retentionCount() < 1) || (request.retentionDays() != null && request.retentionDays() < 1)) {
            throw new ApiException(HttpStatus.BAD_REQUEST, "Invalid retention", "Retention count and days must be at least 1.",
                    request.retentionCount() != null && request.retentionCount() < 1 ? "retentionCount" : "retentionDays");
        }
        if (request.retentionCount() != null && request.retentionCount() > settings.maxRetentionCount()) {
            throw new ApiException(HttpStatus.UNPROCESSABLE_ENTITY, "Retention too long", "At most " + settings.maxRetentionCount()
                    + " backups are kept per database, not " + request.retentionCount() + ".", "retentionCount");
        }
        if (request.retentionDays() != null && request.retentionDays() > settings.maxRetentionDays()) {
            throw new ApiException(HttpStatus.UNPROCESSABLE_ENTITY, "Retention too long", "Backups are kept at most "
                    + settings.maxRetentionDays() + " days, not " + request.retentionDays() + ".", "retentionDays");
        }
        BackupPolicy policy = policies.findById(db.getId()).orElse(BackupPolicy.defaults(db.getId()));
        policy.update(request.cron(), request.enabled(), request.retentionCount(), request.retentionDays(), request.verifyAfterBackup());
        policies.save(policy);
        schedules.applyPolicy(policy);
        return policy;
    }

    /**
     * Starts a backup (202) of a READY database: refused (409) while one of it is pending or running, or when the
     * tenant's stored backups have reached its quota; beyond the tenant's running backups it waits its turn.
     */
    Backup requestBackup(TenantPrincipal caller, UUID databaseId) {
        Database db = databaseService.get(caller, databaseId);
        if (db.isDeletionRequested()) {
            throw new ApiException(HttpStatus.CONFLICT, "Database is being deleted", "A database that is being deleted is not backed up.");
        }
        if (db.getStatus() != DatabaseStatus.READY && db.getStatus() != DatabaseStatus.DEGRADED) {
            throw new ApiException(HttpStatus.CONFLICT, "Database not ready",
                    "The database is " + db.getStatus() + "; a backup can be taken once it is READY.");
        }
        quota.requireRoom(db.getTenantId());
        Backup backup = ledger.createIfIdle(db.getId(), Backup.Trigger.ON_DEMAND).orElseThrow(() -> new ApiException(
                HttpStatus.CONFLICT, "Backup in progress", "A backup of this database is already pending or running; wait for it."));
        schedules.runLater(db.getId(), backup.getId(), Duration.ZERO);
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
        return backups.findByIdAndDatabaseId(backupId, db.getId()).orElseThrow(() -> ApiException.notFound("Backup " + backupId));
    }

    /** The dump of a successful backup: a file, or a directory-format dump's directory. */
    java.nio.file.Path dump(Backup backup) {
        if (backup.getStatus() != Backup.Status.SUCCEEDED) {
            throw new ApiException(HttpStatus.CONFLICT, "No file", "Backup " + backup.getId() + " is " + backup.getStatus() + "; only a"
                    + " successful backup can be downloaded.");
        }
        return store.path(backup.getDatabaseId(), backup.getFileName());
    }

    void delete(TenantPrincipal caller, UUID databaseId, UUID backupId) throws IOException {
        Backup backup = get(caller, databaseId, backupId);
        if (backup.getStatus() == Backup.Status.RUNNING || backup.getStatus() == Backup.Status.PENDING) {
            throw new ApiException(HttpStatus.CONFLICT, "Backup in progress", "Backup " + backupId + " is still " + backup.getStatus() + ".");
        }
        store.delete(databaseId, backup.getFileName());
        ledger.delete(backupId);
    }

    /** A new database gets its backup schedule (the default policy until the tenant changes it). */
    @TransactionalEventListener
    void onDatabaseChanged(DatabaseChanged event) {
        databases.findById(event.databaseId()).ifPresent(db -> {
            if (db.isDeletionRequested()) {
                schedules.forget(db.getId());
            } else {
                schedules.applyPolicy(policies.findById(db.getId()).orElse(BackupPolicy.defaults(db.getId())));
            }
        });
    }

    /** A deleted database's backups go with it (their rows cascade; the files are removed here). */
    @EventListener
    void onDatabaseDeleted(DatabaseDeleted event) {
        try {
            schedules.forget(event.databaseId());
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
                schedules.applyPolicy(policies.findById(db.getId()).orElse(BackupPolicy.defaults(db.getId())));
            }
        }
    }

    record RestoreRequest(UUID backupId, String newDatabaseName, Boolean overwrite) {
    }

    record PolicyRequest(String cron, Boolean enabled, Integer retentionCount, Integer retentionDays, Boolean verifyAfterBackup) {
    }
}
