package dev.pgfleet.backup;

import dev.pgfleet.operation.DatabaseOperation;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.FetchType;
import jakarta.persistence.Id;
import jakarta.persistence.JoinColumn;
import jakarta.persistence.ManyToOne;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.UUID;

/**
 * A backup being restored into a database (a new one, or the source with an explicit overwrite): which backup goes
 * where. Its lifecycle is its operation's (kind RESTORE, on the target database), the one truth; {@link #getStatus()}
 * reads it in the restore API's words.
 */
@Entity
@Table(name = "restores")
class Restore {
    enum Status { WAITING, RESTORING, SUCCEEDED, FAILED }

    static final String WAITING_FOR_TARGET = "Waiting for the target database to be READY";

    @Id
    private UUID id;
    @Column(name = "backup_id")
    private UUID backupId;
    @Column(name = "target_database_id")
    private UUID targetDatabaseId;
    @ManyToOne(fetch = FetchType.EAGER, optional = false)
    @JoinColumn(name = "operation_id")
    private DatabaseOperation operation;
    private boolean overwrite;
    @Column(name = "created_at")
    private Instant createdAt;

    protected Restore() {
    }

    /** {@code id} is the one its operation names as its subject. */
    Restore(UUID id, UUID backupId, DatabaseOperation operation, boolean overwrite) {
        this.id = id;
        this.backupId = backupId;
        this.targetDatabaseId = operation.getDatabaseId();
        this.operation = operation;
        this.overwrite = overwrite;
        this.createdAt = operation.getRequestedAt();
    }

    UUID getId() {
        return id;
    }

    UUID getBackupId() {
        return backupId;
    }

    UUID getTargetDatabaseId() {
        return targetDatabaseId;
    }

    boolean isOverwrite() {
        return overwrite;
    }

    UUID getOperationId() {
        return operation.getId();
    }

    DatabaseOperation getOperation() {
        return operation;
    }

    Status getStatus() {
        return switch (operation.getState()) {
            case REQUESTED -> Status.WAITING;
            case RUNNING -> Status.RESTORING;
            case SUCCEEDED -> Status.SUCCEEDED;
            case FAILED -> Status.FAILED;
        };
    }

    String getStatusReason() {
        return operation.getReason();
    }

    Instant getCreatedAt() {
        return createdAt;
    }

    Instant getFinishedAt() {
        return operation.getFinishedAt();
    }
}
