package dev.pgfleet.backup;

import dev.pgfleet.database.Database;
import dev.pgfleet.database.DatabaseEvents;
import dev.pgfleet.database.DatabaseMember;
import dev.pgfleet.database.DatabaseRepository;
import dev.pgfleet.operation.DatabaseOperation;
import dev.pgfleet.operation.DatabaseSchedules;
import dev.pgfleet.operation.FailureReasons;
import dev.pgfleet.operation.OperationHandler;
import dev.pgfleet.operation.OperationKind;
import dev.pgfleet.operation.OperationState;
import dev.pgfleet.operation.Operations;
import dev.pgfleet.operation.Requester;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Runs backups, the operations of kind BACKUP (called from {@link DatabaseSchedules}' Quartz job and from recovery).
 * The policy's cron fires {@link #onSchedule}: the quota is checked and a backup requested and run at once. A run waits
 * its tenant's turn ({@link BackupAdmission}), dumps ({@link BackupRunner}), and on success has the backup verified
 * within the same job — so the tenant's slot covers the dump and its verification — and applies retention. A failed
 * attempt is retried {@link #MAX_ATTEMPTS} times in all, with a growing delay.
 */
@Component
class BackupHandler implements OperationHandler {
    static final int MAX_ATTEMPTS = 3;
    static final String INTERRUPTED = "interrupted: the control plane running it stopped";
    private static final Logger log = LoggerFactory.getLogger(BackupHandler.class);

    private final Operations operations;
    private final BackupLedger ledger;
    private final BackupAdmission admission;
    private final BackupRunner runner;
    private final VerificationHandler verifications;
    private final DatabaseSchedules schedules;
    private final DatabaseRepository databases;
    private final BackupPolicyRepository policies;
    private final DatabaseEvents events;

    BackupHandler(Operations operations, BackupLedger ledger, BackupAdmission admission, BackupRunner runner,
                  VerificationHandler verifications, DatabaseSchedules schedules, DatabaseRepository databases,
                  BackupPolicyRepository policies, DatabaseEvents events) {
        this.operations = operations;
        this.ledger = ledger;
        this.admission = admission;
        this.runner = runner;
        this.verifications = verifications;
        this.schedules = schedules;
        this.databases = databases;
        this.policies = policies;
        this.events = events;
    }

    @Override
    public OperationKind kind() {
        return OperationKind.BACKUP;
    }

    /** The policy's cron fired: a scheduled backup unless over quota or one is already active, run now. */
    @Override
    public void onSchedule(UUID databaseId) {
        Database db = databases.findById(databaseId).orElse(null);
        if (db == null || db.isDeletionRequested()) {
            return;
        }
        admission.scheduledBackup(db).ifPresent(b -> run(databaseId, b.getOperationId()));
    }

    @Override
    public void run(UUID databaseId, UUID operationId) {
        DatabaseOperation op = operations.find(operationId).orElse(null);
        if (op == null || op.getState() != OperationState.REQUESTED) {
            return; // another run has it, or it finished meanwhile
        }
        Backup backup = ledger.of(op).orElse(null);
        Database db = databases.findById(databaseId).orElse(null);
        if (backup == null || db == null || db.isDeletionRequested()) {
            operations.fail(operationId, backup == null ? "Its backup was deleted before it ran."
                    : "The database is being deleted; no backup was taken.");
            return;
        }
        Optional<String> wait = admission.mustWait(db.getTenantId());
        if (wait.isPresent()) {
            operations.progress(operationId, wait.get());
            schedules.runSoon(OperationKind.BACKUP, databaseId, operationId, BackupAdmission.nextTurn());
            return;
        }
        Optional<DatabaseMember> source = DumpSource.choose(db);
        if (!operations.start(operationId, source.map(m -> "Dumping from " + m.getName()).orElse("Looking for a member to dump from"))) {
            return;
        }
        int attempt = op.getAttempts() + 1;
        try {
            if (source.isEmpty()) {
                attemptFailed(db, backup, attempt, "No healthy member to take the backup from");
                return;
            }
            ledger.dumpingFrom(backup.getId(), source.get().getName());
            runner.dump(backup.getId(), db, source.get());
        } catch (Exception e) {
            runner.deletePartials(db.getId(), backup.getId());
            attemptFailed(db, backup, attempt, FailureReasons.describe(e));
            return;
        }
        afterSuccess(db, backup.getId());
    }

    /** The dump was cut with its control plane: what it wrote is incomplete; that attempt failed, and the next one runs now. */
    @Override
    public void recoverInterrupted(DatabaseOperation op) {
        runner.deletePartials(op.getDatabaseId(), op.getSubjectId());
        Database db = databases.findById(op.getDatabaseId()).orElse(null);
        Backup backup = ledger.of(op).orElse(null);
        if (db == null || backup == null) {
            operations.fail(op.getId(), "Interrupted: the control plane running it stopped.");
            return;
        }
        attemptFailed(db, backup, op.getAttempts(), INTERRUPTED, Duration.ZERO);
    }

    /** A waiting backup whose trigger may have been lost (a restart): armed again; a second run finds it claimed. */
    @Override
    public void resumeRequested(DatabaseOperation op) {
        schedules.runSoon(OperationKind.BACKUP, op.getDatabaseId(), op.getId(), Duration.ZERO);
    }

    /** How long before the next attempt: 30 s, 60 s, 120 s … at most 8 minutes. Pure. */
    static Duration retryDelay(int attempts) {
        return Duration.ofSeconds(30L << Math.max(0, Math.min(attempts - 1, 4)));
    }

    private void attemptFailed(Database db, Backup backup, int attempt, String reason) {
        attemptFailed(db, backup, attempt, reason, retryDelay(attempt));
    }

    /** A failed attempt: tried again after {@code delay} while attempts remain, else FAILED for good. Never looks like a success. */
    private void attemptFailed(Database db, Backup backup, int attempt, String reason, Duration delay) {
        boolean retry = attempt < MAX_ATTEMPTS;
        if (retry) {
            operations.retryLater(backup.getOperationId(), "Attempt " + attempt + " failed, retrying: " + reason);
            schedules.runSoon(OperationKind.BACKUP, db.getId(), backup.getOperationId(), delay);
        } else {
            operations.fail(backup.getOperationId(), reason);
        }
        events.warningOnce(db.getId(), "BackupFailed", "Backup " + backup.getId() + (retry ? " failed, will retry: " : " failed: ") + reason);
    }

    /** Per policy: the verification (in this job, holding the tenant's slot), then retention. The backup itself stays SUCCEEDED. */
    private void afterSuccess(Database db, UUID backupId) {
        try {
            BackupPolicy policy = policies.findById(db.getId()).orElse(BackupPolicy.defaults(db.getId()));
            if (policy.isVerifyAfterBackup()) {
                verifications.verifyNow(db, backupId, Requester.controlPlane());
            }
            runner.applyRetention(db.getId(), policy);
        } catch (RuntimeException e) {
            log.warn("after backup {} of {}: {}", backupId, db.getId(), FailureReasons.describe(e), e);
        }
    }
}
