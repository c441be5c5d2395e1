package dev.pgfleet.backup;

import dev.pgfleet.database.DatabaseRepository;
import dev.pgfleet.operation.DatabaseOperation;
import dev.pgfleet.operation.OperationKind;
import dev.pgfleet.operation.Operations;
import dev.pgfleet.operation.Requester;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;

/**
 * The short transactions around a backup's life; the slow work (pg_dump, verification) happens between them. Each one
 * writes the backup row and its operation ({@link Operations}, joining the transaction) together, so the row's product
 * and the operation's state never disagree.
 */
@Component
class BackupLedger {
    static final String WAITING = "Waiting to run";

    private final BackupRepository backups;
    private final DatabaseRepository databases;
    private final Operations operations;

    BackupLedger(BackupRepository backups, DatabaseRepository databases, Operations operations) {
        this.backups = backups;
        this.databases = databases;
        this.operations = operations;
    }

    @Transactional(readOnly = true)
    Optional<Backup> find(UUID id) {
        return backups.findById(id);
    }

    /**
     * A new backup and its BACKUP operation (REQUESTED), or the refusal when the database's lock says no (a backup of it
     * is already waiting or running, or a restore of it is).
     */
    @Transactional
    Requested request(UUID databaseId, UUID tenantId, Backup.Trigger trigger, Requester by) {
        UUID id = UUID.randomUUID();
        Operations.Result result = operations.request(databaseId, tenantId, OperationKind.BACKUP, by, id, WAITING);
        if (result instanceof Operations.Result.Requested r) {
            return new Requested(backups.saveAndFlush(new Backup(id, r.operation(), trigger)), result);
        }
        return new Requested(null, result);
    }

    /** What {@link #request} did: the backup, or (null and) the refusal in {@code result}. */
    record Requested(Backup backup, Operations.Result result) {
        /** The backup, or the conflict as a refusal (409 naming the operation in the way). */
        Backup orRefuse() {
            result.orRefuse();
            return backup;
        }
    }

    /**
     * A backup that was not taken (the tenant's storage quota), recorded as FAILED with the reason so that the history
     * shows it; nothing is recorded when the lock refuses (a backup of the database is active already).
     */
    @Transactional
    Optional<Backup> recordRefused(UUID databaseId, UUID tenantId, Backup.Trigger trigger, Requester by, String reason) {
        Backup b = request(databaseId, tenantId, trigger, by).backup();
        if (b == null) {
            return Optional.empty();
        }
        operations.fail(b.getOperationId(), reason);
        return Optional.of(b);
    }

    @Transactional
    void dumpingFrom(UUID id, String member) {
        backups.findById(id).ifPresent(b -> b.dumpingFrom(member));
    }

    /** The dump is stored: its file on the row and the operation SUCCEEDED, in one transaction. */
    @Transactional
    void succeed(UUID id, String fileName, String format, long size, String sha256, String manifest, String reason) {
        Backup b = backups.findById(id).orElseThrow();
        b.stored(fileName, format, size, sha256, manifest);
        operations.succeed(b.getOperationId(), reason);
    }

    /**
     * A VERIFICATION operation of the backup (its subject), and the backup's verification PENDING, together; or the
     * refusal (another verification of the database is active).
     */
    @Transactional
    Operations.Result requestVerification(Backup backup, UUID tenantId, Requester by) {
        Operations.Result result = operations.request(backup.getDatabaseId(), tenantId, OperationKind.VERIFICATION, by, backup.getId(),
                WAITING);
        if (result instanceof Operations.Result.Requested) {
            backups.findById(backup.getId()).ifPresent(Backup::verificationRequested);
        }
        return result;
    }

    @Transactional
    void notVerified(UUID id, String reason) {
        backups.findById(id).ifPresent(b -> b.notVerified(reason));
    }

    /** The verification's result on the backup and its VERIFICATION operation finished, in one transaction. */
    @Transactional
    void verified(UUID id, UUID verificationId, boolean passed, String reason, Duration took) {
        backups.findById(id).ifPresent(b -> {
            b.verified(passed, reason, took);
            if (passed) {
                databases.findById(b.getDatabaseId()).ifPresent(d -> d.recordVerifiedBackup(b.getVerifiedAt()));
            }
        });
        if (passed) {
            operations.succeed(verificationId, reason);
        } else {
            operations.fail(verificationId, reason);
        }
    }

    @Transactional(readOnly = true)
    List<Backup> newestFirst(UUID databaseId) {
        return backups.findByDatabaseIdOrderByCreatedAtDesc(databaseId);
    }

    @Transactional
    void delete(UUID id) {
        backups.deleteById(id);
    }

    /** The backup an operation works on (a BACKUP produces it, a VERIFICATION checks it). */
    @Transactional(readOnly = true)
    Optional<Backup> of(DatabaseOperation op) {
        return op.getSubjectId() == null ? Optional.empty() : backups.findById(op.getSubjectId());
    }
}
