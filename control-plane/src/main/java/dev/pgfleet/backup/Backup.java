package dev.pgfleet.backup;

import dev.pgfleet.operation.DatabaseOperation;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.FetchType;
import jakarta.persistence.Id;
import jakarta.persistence.JoinColumn;
import jakarta.persistence.ManyToOne;
import jakarta.persistence.Table;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;

/**
 * One backup of one database: what it produced (its file's name, format, size and checksum, the manifest of what was
 * dumped, where it was dumped from) and whether a test restore proved it. Its lifecycle is its operation's
 * ({@link DatabaseOperation} of kind BACKUP): the one truth for pending/running/succeeded/failed, the reason, the attempts
 * and the timings; {@link #getStatus()} and the others only read it. The file fields are set in the very transaction that
 * marks the operation SUCCEEDED ({@link BackupLedger#succeed}), so a backup has a file exactly when it succeeded.
 */
@Entity
@Table(name = "backups")
class Backup {
    enum Trigger { SCHEDULED, ON_DEMAND }

    enum Status { PENDING, RUNNING, SUCCEEDED, FAILED }

    enum Verification { NOT_VERIFIED, PENDING, PASSED, FAILED }

    static final String FORMAT_CUSTOM = "custom";
    static final String FORMAT_DIRECTORY = "directory";

    @Id
    private UUID id;
    @Column(name = "database_id")
    private UUID databaseId;
    @ManyToOne(fetch = FetchType.EAGER, optional = false)
    @JoinColumn(name = "operation_id")
    private DatabaseOperation operation;
    @Enumerated(EnumType.STRING)
    @Column(name = "trigger_kind")
    private Trigger trigger;
    @Column(name = "created_at")
    private Instant createdAt;
    @Column(name = "size_bytes")
    private Long sizeBytes;
    private String format;
    private String sha256;
    @Column(name = "source_member")
    private String sourceMember;
    @Column(name = "file_name")
    private String fileName;
    private String manifest;
    @Enumerated(EnumType.STRING)
    private Verification verification;
    @Column(name = "verification_reason")
    private String verificationReason;
    @Column(name = "verified_at")
    private Instant verifiedAt;
    @Column(name = "verification_millis")
    private Long verificationMillis;

    protected Backup() {
    }

    /** {@code id} is the one its operation names as its subject. */
    Backup(UUID id, DatabaseOperation operation, Trigger trigger) {
        this.id = id;
        this.databaseId = operation.getDatabaseId();
        this.operation = operation;
        this.trigger = trigger;
        this.createdAt = operation.getRequestedAt();
        this.format = FORMAT_CUSTOM;
        this.verification = Verification.NOT_VERIFIED;
    }

    void dumpingFrom(String sourceMember) {
        this.sourceMember = sourceMember;
    }

    /** {@code sizeBytes} and {@code sha256} are those of the download: the file, or a directory's tar stream. */
    void stored(String fileName, String format, long sizeBytes, String sha256, String manifest) {
        this.fileName = fileName;
        this.format = format;
        this.sizeBytes = sizeBytes;
        this.sha256 = sha256;
        this.manifest = manifest;
    }

    /** A verification was asked for; {@link #verified} records its result. */
    void verificationRequested() {
        verification = Verification.PENDING;
        verificationReason = null;
    }

    void verified(boolean passed, String reason, Duration took) {
        verification = passed ? Verification.PASSED : Verification.FAILED;
        verificationReason = reason;
        verifiedAt = Instant.now();
        verificationMillis = took.toMillis();
    }

    /** A verification that was never run (another one held the lock): back to not verified, with why. */
    void notVerified(String reason) {
        verification = Verification.NOT_VERIFIED;
        verificationReason = reason;
    }

    Duration duration() {
        return operation.getStartedAt() == null || operation.getFinishedAt() == null ? null
                : Duration.between(operation.getStartedAt(), operation.getFinishedAt());
    }

    /** The operation's state in the backup API's words (REQUESTED is PENDING: waiting to run, or to be retried). */
    Status getStatus() {
        return switch (operation.getState()) {
            case REQUESTED -> Status.PENDING;
            case RUNNING -> Status.RUNNING;
            case SUCCEEDED -> Status.SUCCEEDED;
            case FAILED -> Status.FAILED;
        };
    }

    String getStatusReason() {
        return operation.getReason();
    }

    int getAttempts() {
        return operation.getAttempts();
    }

    Instant getStartedAt() {
        return operation.getStartedAt();
    }

    Instant getFinishedAt() {
        return operation.getFinishedAt();
    }

    DatabaseOperation getOperation() {
        return operation;
    }

    UUID getOperationId() {
        return operation.getId();
    }

    UUID getId() {
        return id;
    }

    UUID getDatabaseId() {
        return databaseId;
    }

    Trigger getTrigger() {
        return trigger;
    }

    Instant getCreatedAt() {
        return createdAt;
    }

    Long getSizeBytes() {
        return sizeBytes;
    }

    String getFormat() {
        return format;
    }

    String getSha256() {
        return sha256;
    }

    String getSourceMember() {
        return sourceMember;
    }

    String getFileName() {
        return fileName;
    }

    String getManifest() {
        return manifest;
    }

    Verification getVerification() {
        return verification;
    }

    String getVerificationReason() {
        return verificationReason;
    }

    Instant getVerifiedAt() {
        return verifiedAt;
    }

    Long getVerificationMillis() {
        return verificationMillis;
    }
}
