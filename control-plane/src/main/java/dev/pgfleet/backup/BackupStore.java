package dev.pgfleet.backup;

import dev.pgfleet.system.PgfleetProperties;
import dev.pgfleet.system.process.Directories;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.UUID;
import org.springframework.stereotype.Component;

/**
 * Where dumps live: &lt;store&gt;/&lt;database id&gt;/&lt;backup id&gt;.dump (custom format, one file) or
 * &lt;backup id&gt;.dir (directory format), readable by the control plane only. The store is
 * $PGFLEET_HOME/backups unless pgfleet.backup.directory names another (on Kubernetes: a persistent volume).
 * A dump is written under a temporary name and renamed into place only once complete, so a final name always
 * holds a whole dump.
 */
@Component
class BackupStore {
    private final Path root;

    BackupStore(PgfleetProperties properties, BackupProperties backup) {
        this.root = backup.resolvedDirectory(properties.resolvedHome());
    }

    Path root() {
        return root;
    }

    /**
     * The temporary path a dump of {@code format} is written to (nothing there yet; its directory created,
     * owner-only). pg_dump creates a directory-format dump's directory itself.
     */
    Path partialPath(UUID databaseId, UUID backupId, String format) {
        Path dir = root.resolve(databaseId.toString());
        try {
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            Path partial = dir.resolve("." + finalName(backupId, format) + ".partial");
            Directories.deleteRecursively(partial);
            return partial;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare the backup directory " + dir, e);
        }
    }

    /** Moves a complete dump to its final name; returns that name. */
    String commit(Path partial, UUID databaseId, UUID backupId, String format) throws IOException {
        String name = finalName(backupId, format);
        Files.move(partial, root.resolve(databaseId.toString()).resolve(name), StandardCopyOption.ATOMIC_MOVE);
        return name;
    }

    /** A dump file, or a directory-format dump's directory. */
    Path path(UUID databaseId, String fileName) {
        return root.resolve(databaseId.toString()).resolve(fileName);
    }

    /** Whether the dump is a directory (directory format) rather than one file. I/O. */
    boolean isDirectory(UUID databaseId, String fileName) {
        return Files.isDirectory(path(databaseId, fileName), LinkOption.NOFOLLOW_LINKS);
    }

    void delete(UUID databaseId, String fileName) throws IOException {
        if (fileName != null) {
            Directories.deleteRecursively(path(databaseId, fileName));
        }
    }

    void deleteAll(UUID databaseId) throws IOException {
        Directories.deleteRecursively(root.resolve(databaseId.toString()));
    }

    static String finalName(UUID backupId, String format) {
        return backupId + (Backup.FORMAT_DIRECTORY.equals(format) ? ".dir" : ".dump");
    }
}
