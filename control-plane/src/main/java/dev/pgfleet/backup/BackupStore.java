package dev.pgfleet.backup;

import dev.pgfleet.system.PgfleetProperties;
import dev.pgfleet.system.process.Directories;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.UUID;
import org.springframework.stereotype.Component;

/**
 * Where dump files live: $PGFLEET_HOME/backups/&lt;database id&gt;/&lt;backup id&gt;.dump, readable by the control plane
 * only. A dump is written under a temporary name and renamed into place only once complete, so a file with
 * the final name is always a whole dump.
 */
@Component
class BackupStore {
    private final Path root;

    BackupStore(PgfleetProperties properties) {
        this.root = properties.resolvedHome().resolve("backups");
    }

    /** The temporary file a dump is written to (its directory created, owner-only). */
    Path partialFile(UUID databaseId, UUID backupId) {
        Path dir = root.resolve(databaseId.toString());
        try {
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            Path partial = dir.resolve("." + backupId + ".dump.partial");
            Files.deleteIfExists(partial);
            return partial;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare the backup directory " + dir, e);
        }
    }

    /** Moves a complete dump to its final name; returns that name. */
    String commit(Path partial, UUID databaseId, UUID backupId) throws IOException {
        String name = backupId + ".dump";
        Files.move(partial, root.resolve(databaseId.toString()).resolve(name), StandardCopyOption.ATOMIC_MOVE);
        return name;
    }

    Path file(UUID databaseId, String fileName) {
        return root.resolve(databaseId.toString()).resolve(fileName);
    }

    void delete(UUID databaseId, String fileName) throws IOException {
        if (fileName != null) {
            Files.deleteIfExists(file(databaseId, fileName));
        }
    }

    void deleteAll(UUID databaseId) throws IOException {
        Directories.deleteRecursively(root.resolve(databaseId.toString()));
    }

    static String sha256(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            byte[] buffer = new byte[1 << 16];
            for (int n; (n = in.read(buffer)) > 0; ) {
                digest.update(buffer, 0, n);
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
