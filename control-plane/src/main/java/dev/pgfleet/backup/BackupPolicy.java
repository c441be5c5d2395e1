package dev.pgfleet.backup;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.UUID;

/** When a database is backed up, how many backups are kept, and whether each is verified by a test restore. */
@Entity
@Table(name = "backup_policies")
class BackupPolicy {
    /** Daily at 03:00 (Quartz cron: seconds minutes hours day-of-month month day-of-week). */
    static final String DEFAULT_CRON = "0 0 3 * * ?";
    static final int DEFAULT_RETENTION_COUNT = 7;

    @Id
    @Column(name = "database_id")
    private UUID databaseId;
    private String cron;
    private boolean enabled;
    @Column(name = "retention_count")
    private Integer retentionCount;
    @Column(name = "retention_days")
    private Integer retentionDays;
    @Column(name = "verify_after_backup")
    private boolean verifyAfterBackup;
    @Column(name = "updated_at")
    private Instant updatedAt;

    protected BackupPolicy() {
    }

    BackupPolicy(UUID databaseId, String cron, boolean enabled, Integer retentionCount, Integer retentionDays, boolean verifyAfterBackup) {
        this.databaseId = databaseId;
        update(cron, enabled, retentionCount, retentionDays, verifyAfterBackup);
    }

    static BackupPolicy defaults(UUID databaseId) {
        return new BackupPolicy(databaseId, DEFAULT_CRON, true, DEFAULT_RETENTION_COUNT, null, true);
    }

    void update(String cron, boolean enabled, Integer retentionCount, Integer retentionDays, boolean verifyAfterBackup) {
        this.cron = cron;
        this.enabled = enabled;
        this.retentionCount = retentionCount;
        this.retentionDays = retentionDays;
        this.verifyAfterBackup = verifyAfterBackup;
        this.updatedAt = Instant.now();
    }

    UUID getDatabaseId() {
        return databaseId;
    }

    String getCron() {
        return cron;
    }

    boolean isEnabled() {
        return enabled;
    }

    Integer getRetentionCount() {
        return retentionCount;
    }

    Integer getRetentionDays() {
        return retentionDays;
    }

    boolean isVerifyAfterBackup() {
        return verifyAfterBackup;
    }

    Instant getUpdatedAt() {
        return updatedAt;
    }
}
