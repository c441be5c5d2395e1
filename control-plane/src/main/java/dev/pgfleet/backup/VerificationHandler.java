package dev.pgfleet.backup;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pgfleet.database.Database;
import dev.pgfleet.database.DatabaseEvents;
import dev.pgfleet.database.DatabaseRepository;
import dev.pgfleet.operation.DatabaseOperation;
import dev.pgfleet.operation.DatabaseSchedules;
import dev.pgfleet.operation.FailureReasons;
import dev.pgfleet.operation.OperationHandler;
import dev.pgfleet.operation.OperationKind;
import dev.pgfleet.operation.OperationState;
import dev.pgfleet.operation.Operations;
import dev.pgfleet.operation.Requester;
import java.io.IOException;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Runs verifications, the operations of kind VERIFICATION (subject: the backup): restores the dump into a scratch
 * instance (where depends on the runtime: {@link DumpVerification}) and records on the backup whether it matched what
 * was dumped. Requested after each successful backup when the policy says so, and run at once in the backup's job
 * ({@link #verifyNow}); one left REQUESTED by a restart runs from its own trigger, waiting its tenant's turn like a
 * backup. There is no API to ask for a verification by itself.
 */
@Component
class VerificationHandler implements OperationHandler {
    static final String INTERRUPTED = "Interrupted: the control plane running it stopped; its scratch instance was removed."
            + " Not retried by itself (a verification that takes its control plane down would do it again); the next backup"
            + " is verified as usual.";
    private static final Logger log = LoggerFactory.getLogger(VerificationHandler.class);

    private final Operations operations;
    private final BackupLedger ledger;
    private final BackupAdmission admission;
    private final DatabaseSchedules schedules;
    private final DatabaseRepository databases;
    private final DumpVerification verification;
    private final BackupStore store;
    private final ObjectMapper json;
    private final DatabaseEvents events;

    VerificationHandler(Operations operations, BackupLedger ledger, BackupAdmission admission, DatabaseSchedules schedules,
                        DatabaseRepository databases, DumpVerification verification, BackupStore store, ObjectMapper json,
                        DatabaseEvents events) {
        this.operations = operations;
        this.ledger = ledger;
        this.admission = admission;
        this.schedules = schedules;
        this.databases = databases;
        this.verification = verification;
        this.store = store;
        this.json = json;
        this.events = events;
    }

    @Override
    public OperationKind kind() {
        return OperationKind.VERIFICATION;
    }

    /**
     * Requests the verification of a backup and runs it in the caller's thread (the backup's job, whose turn it uses).
     * When another verification of the database holds the lock, the backup stays not verified, with why.
     */
    void verifyNow(Database db, UUID backupId, Requester by) {
        Backup backup = ledger.find(backupId).orElse(null);
        if (backup == null) {
            return;
        }
        Operations.Result result = ledger.requestVerification(backup, db.getTenantId(), by);
        if (result instanceof Operations.Result.Refused refused) {
            ledger.notVerified(backupId, "Not verified: " + refused.conflict().describe());
            return;
        }
        verify(db, ((Operations.Result.Requested) result).operation().getId(), backupId);
    }

    /** A verification left REQUESTED (by a restart) runs from its own trigger, in its tenant's turn. */
    @Override
    public void run(UUID databaseId, UUID operationId) {
        DatabaseOperation op = operations.find(operationId).orElse(null);
        if (op == null || op.getState() != OperationState.REQUESTED) {
            return;
        }
        Database db = databases.findById(databaseId).orElse(null);
        if (db == null || db.isDeletionRequested()) {
            operations.fail(operationId, "The database is being deleted.");
            return;
        }
        Optional<String> wait = admission.mustWait(db.getTenantId());
        if (wait.isPresent()) {
            operations.progress(operationId, wait.get());
            schedules.runSoon(OperationKind.VERIFICATION, databaseId, operationId, BackupAdmission.nextTurn());
            return;
        }
        verify(db, operationId, op.getSubjectId());
    }

    /** Claims the operation, restores and checks the dump, and records the result on the backup and the operation. */
    void verify(Database db, UUID operationId, UUID backupId) {
        if (!operations.start(operationId, "Restoring backup " + backupId + " into a scratch instance")) {
            return;
        }
        try {
            Backup b = ledger.find(backupId).orElse(null);
            if (b == null || b.getStatus() != Backup.Status.SUCCEEDED) {
                operations.fail(operationId, "Backup " + backupId + " no longer exists.");
                return;
            }
            VerificationResult result;
            try {
                DumpManifest manifest = json.readValue(b.getManifest(), DumpManifest.class);
                result = verification.verify(db, b, store.path(db.getId(), b.getFileName()), manifest);
            } catch (IOException | RuntimeException e) {
                result = new VerificationResult(false, "Verification could not run: " + FailureReasons.describe(e), Duration.ZERO);
            }
            record(db.getId(), backupId, operationId, result);
        } catch (RuntimeException e) {
            log.warn("verification {} of backup {} failed", operationId, backupId, e);
            failIfActive(operationId, FailureReasons.describe(e));
        }
    }

    /** The scratch instance the cut verification left is removed; the verification FAILED, with why (see {@link #INTERRUPTED}). */
    @Override
    public void recoverInterrupted(DatabaseOperation op) {
        Backup backup = ledger.of(op).orElse(null);
        Database db = databases.findById(op.getDatabaseId()).orElse(null);
        if (backup == null || db == null) {
            operations.fail(op.getId(), INTERRUPTED);
            return;
        }
        try {
            verification.cleanUpInterrupted(db, backup);
        } catch (RuntimeException e) {
            log.warn("could not clean up the interrupted verification of backup {}: {}", backup.getId(), e.toString());
        }
        record(db.getId(), backup.getId(), op.getId(), new VerificationResult(false, INTERRUPTED, Duration.ZERO));
    }

    @Override
    public void resumeRequested(DatabaseOperation op) {
        schedules.runSoon(OperationKind.VERIFICATION, op.getDatabaseId(), op.getId(), Duration.ZERO);
    }

    private void record(UUID databaseId, UUID backupId, UUID operationId, VerificationResult result) {
        ledger.verified(backupId, operationId, result.passed(), result.reason(), result.took());
        String message = "Backup " + backupId + (result.passed() ? " verified: " : " FAILED verification: ") + result.reason();
        if (result.passed()) {
            events.normal(databaseId, "BackupVerified", message);
        } else {
            events.warningOnce(databaseId, "BackupVerificationFailed", message);
        }
    }

    private void failIfActive(UUID operationId, String reason) {
        if (operations.find(operationId).map(o -> o.getState().isActive()).orElse(false)) {
            operations.fail(operationId, reason);
        }
    }
}
