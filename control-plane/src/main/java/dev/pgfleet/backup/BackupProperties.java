package dev.pgfleet.backup;

import java.nio.file.Path;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * Where backups go and how large databases are dumped, bound from {@code pgfleet.backup.*}.
 *
 * @param directory            the backup store; empty means $PGFLEET_HOME/backups. On Kubernetes the chart mounts a
 *                             persistent volume here (PGFLEET_BACKUP_DIRECTORY), because a pod's home does not survive it
 * @param directoryFormatAbove databases larger than this (pg_database_size, in the backup's snapshot) are dumped in
 *                             directory format with {@code parallelJobs} workers; smaller ones as one custom-format file
 * @param parallelJobs         pg_dump/pg_restore workers for directory format; 0 means min(4, available processors)
 * @param minimumInterval      a backup policy's schedule may not fire twice within this (default 1 h)
 * @param maxRetentionCount    the most backups a policy may keep (default 100); a policy with only retentionDays keeps at
 *                             most this many too
 * @param maxRetentionDays     the longest a policy may keep backups (default 365 days)
 * @param tenantQuotaBytes     a tenant's backup storage: the sum of its recorded backup sizes (the bytes a download
 *                             returns) across its databases; once it is reached no new backup starts (default 100 GiB;
 *                             a tenant's own {@code backup_quota_bytes}, set by the admin, replaces it)
 * @param maxRunningPerTenant  backup jobs (dump plus verification) that run at once for one tenant (default 2); more wait
 *                             their turn
 */
@ConfigurationProperties("pgfleet.backup")
public record BackupProperties(
        String directory,
        @DefaultValue("4GB") DataSize directoryFormatAbove,
        @DefaultValue("0") int parallelJobs,
        @DefaultValue("1h") Duration minimumInterval,
        @DefaultValue("100") int maxRetentionCount,
        @DefaultValue("365") int maxRetentionDays,
        @DefaultValue("100GB") DataSize tenantQuotaBytes,
        @DefaultValue("2") int maxRunningPerTenant) {

    public BackupProperties {
        if (parallelJobs < 0) {
            throw new IllegalArgumentException("pgfleet.backup.parallel-jobs must be 0 (automatic) or more, not " + parallelJobs);
        }
        if (directoryFormatAbove.isNegative()) {
            throw new IllegalArgumentException("pgfleet.backup.directory-format-above must not be negative");
        }
        if (minimumInterval.isNegative()) {
            throw new IllegalArgumentException("pgfleet.backup.minimum-interval must not be negative");
        }
        if (maxRetentionCount < 1 || maxRetentionDays < 1) {
            throw new IllegalArgumentException("pgfleet.backup.max-retention-count and max-retention-days must be at least 1");
        }
        if (tenantQuotaBytes.isNegative()) {
            throw new IllegalArgumentException("pgfleet.backup.tenant-quota-bytes must not be negative");
        }
        if (maxRunningPerTenant < 1) {
            throw new IllegalArgumentException("pgfleet.backup.max-running-per-tenant must be at least 1, not " + maxRunningPerTenant);
        }
    }

    Path resolvedDirectory(Path home) {
        return directory == null || directory.isBlank() ? home.resolve("backups") : Path.of(directory).toAbsolutePath().normalize();
    }

    int resolvedParallelJobs() {
        return parallelJobs > 0 ? parallelJobs : Math.min(4, Runtime.getRuntime().availableProcessors());
    }

    /** Pure: the format of a dump of a database of {@code sizeBytes}. */
    String formatFor(long sizeBytes) {
        return sizeBytes > directoryFormatAbove.toBytes() ? Backup.FORMAT_DIRECTORY : Backup.FORMAT_CUSTOM;
    }
}
