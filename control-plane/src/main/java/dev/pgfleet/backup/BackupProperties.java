package dev.pgfleet.backup;

import java.nio.file.Path;
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
 */
@ConfigurationProperties("pgfleet.backup")
public record BackupProperties(
        String directory,
        @DefaultValue("4GB") DataSize directoryFormatAbove,
        @DefaultValue("0") int parallelJobs) {

    public BackupProperties {
        if (parallelJobs < 0) {
            throw new IllegalArgumentException("pgfleet.backup.parallel-jobs must be 0 (automatic) or more, not " + parallelJobs);
        }
        if (directoryFormatAbove.isNegative()) {
            throw new IllegalArgumentException("pgfleet.backup.directory-format-above must not be negative");
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
