package dev.pgfleet.backup;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;

/** One backup of one database: its progress, its file's size and checksum, and whether a test restore proved it. */
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
    @Enumerated(EnumType.STRING)
    @Column(name = "trigger_kind")
    private Trigger trigger;
    @Enumerated(EnumType.STRING)
    private Status status;
    @Column(name = "status_reason")
    private String statusReason;
    private int attempts;
    @Column(name = "created_at")
    private Instant createdAt;
    @Column(name = "started_at")
    private Instant startedAt;
    @Column(name = "finished_at")
    private Instant finishedAt;
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

    Backup(UUID databaseId, Trigger trigger) {
        this.id = UUID.randomUUID();
        this.databaseId = databaseId;
        this.trigger = trigger;
        this.status = Status.PENDING;
        this.createdAt = Instant.now();
        this.format = FORMAT_CUSTOM;
        this.verification = Verification.NOT_VERIFIED;
    }

    void start(String sourceMember) {
        status = Status.RUNNING;
        attempts++;
        startedAt = Instant.now();
        finishedAt = null;
        statusReason = "Dumping from " + sourceMember;
        this.sourceMember = sourceMember;
    }

    /** {@code sizeBytes} and {@code sha256} are those of the download: the file, or a directory's tar stream. */
    void succeed(String fileName, String format, long sizeBytes, String sha256, String manifest) {
        status = Status.SUCCEEDED;
        finishedAt = Instant.now();
        statusReason = null;
        this.fileName = fileName;
        this.format = format;
        this.sizeBytes = sizeBytes;
        this.sha256 = sha256;
        this.manifest = manifest;
    }

    /** A backup that never started (the tenant's storage quota was reached): FAILED, with the reason. */
    void refuse(String reason) {
        status = Status.FAILED;
        finishedAt = Instant.now();
        statusReason = reason;
    }

    /** A PENDING backup waiting for its turn, and why. */
    void waiting(String reason) {
        if (status == Status.PENDING) {
            statusReason = reason;
        }
    }

    /** A failed attempt: back to PENDING for a retry, or FAILED for good. Never looks like a success. */
    void fail(String reason, boolean willRetry) {
        status = willRetry ? Status.PENDING : Status.FAILED;
        finishedAt = Instant.now();
        statusReason = willRetry ? "Attempt " + attempts + " failed, retrying: " + reason : reason;
        fileName = null;
        sizeBytes = null;
        sha256 = null;
    }

    void verificationStarted() {
        verification = Verification.PENDING;
        verificationReason = null;
    }

    void verified(boolean passed, String reason, Duration took) {
        verification = passed ? Verification.PASSED : Verification.FAILED;
        verificationReason = reason;
        verifiedAt = Instant.now();
        verificationMillis = took.toMillis();
    }

    Duration duration() {
        return startedAt == null || finishedAt == null ? null : Duration.between(startedAt, finishedAt);
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

    Status getStatus() {
        return status;
    }

    String getStatusReason() {
        return statusReason;
    }

    int getAttempts() {
        return attempts;
    }

    Instant getCreatedAt() {
        return createdAt;
    }

    Instant getStartedAt() {
        return startedAt;
    }

    Instant getFinishedAt() {
        return finishedAt;
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
