package dev.pgfleet.backup;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.UUID;

/** A backup being restored into a database (a new one, or the source with an explicit overwrite). */
@Entity
@Table(name = "restores")
class Restore {
    enum Status { WAITING, RESTORING, SUCCEEDED, FAILED }

    @Id
    private UUID id;
    @Column(name = "backup_id")
    private UUID backupId;
    @Column(name = "target_database_id")
    private UUID targetDatabaseId;
    private boolean overwrite;
    @Enumerated(EnumType.STRING)
    private Status status;
    @Column(name = "status_reason")
    private String statusReason;
    @Column(name = "created_at")
    private Instant createdAt;
    @Column(name = "finished_at")
    private Instant finishedAt;

    protected Restore() {
    }

    Restore(UUID backupId, UUID targetDatabaseId, boolean overwrite) {
        this.id = UUID.randomUUID();
        this.backupId = backupId;
        this.targetDatabaseId = targetDatabaseId;
        this.overwrite = overwrite;
        this.status = Status.WAITING;
        this.statusReason = "Waiting for the target database to be READY";
        this.createdAt = Instant.now();
    }

    void finish(boolean succeeded, String reason) {
        status = succeeded ? Status.SUCCEEDED : Status.FAILED;
        statusReason = reason;
        finishedAt = Instant.now();
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

    Status getStatus() {
        return status;
    }

    String getStatusReason() {
        return statusReason;
    }

    Instant getCreatedAt() {
        return createdAt;
    }

    Instant getFinishedAt() {
        return finishedAt;
    }
}
