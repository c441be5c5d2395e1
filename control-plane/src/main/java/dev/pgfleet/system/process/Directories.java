package dev.pgfleet.system.process;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * Removing a directory tree (a database's data, a scratch instance, a failed initialisation).
 *
 * <p>The control plane runs as root and the trees it removes belong, below some level, to the data-plane user,
 * who can rename and replace entries there while a delete runs. A delete by path name (walk, then unlink each
 * path) follows a directory that was swapped for a symbolic link half-way and deletes outside the tree. This one
 * works through a {@link SecureDirectoryStream} (openat/unlinkat relative to an open directory, never following
 * a link): a swapped entry is at worst removed as the link it now is.
 */
public final class Directories {
    private Directories() {
    }

    /** Deletes {@code dir} and everything below it; a missing directory is fine; a link is removed, never followed. */
    public static void deleteRecursively(Path dir) throws IOException {
        Path absolute = dir.toAbsolutePath();
        Path parent = absolute.getParent();
        if (parent == null) {
            throw new IOException("refusing to delete " + dir);
        }
        if (!Files.exists(absolute, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        if (!Files.isDirectory(absolute, LinkOption.NOFOLLOW_LINKS)) {
            Files.deleteIfExists(absolute);
            return;
        }
        try (DirectoryStream<Path> parentStream = Files.newDirectoryStream(parent)) {
            if (!(parentStream instanceof SecureDirectoryStream<Path> secureParent)) {
                throw new IOException("this platform has no secure directory streams; refusing to delete " + dir);
            }
            deleteEntry(secureParent, absolute.getFileName());
        }
    }

    /** Deletes one entry of an open directory: a directory with its contents, anything else as itself. */
    private static void deleteEntry(SecureDirectoryStream<Path> parent, Path name) throws IOException {
        BasicFileAttributes attributes;
        try {
            attributes = parent.getFileAttributeView(name, BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
                    .readAttributes();
        } catch (NoSuchFileException gone) {
            return;
        }
        if (attributes.isDirectory()) {
            try (SecureDirectoryStream<Path> child = parent.newDirectoryStream(name, LinkOption.NOFOLLOW_LINKS)) {
                for (Path entry : child) {
                    deleteEntry(child, entry.getFileName());
                }
            } catch (NoSuchFileException gone) {
                return;
            }
            try {
                parent.deleteDirectory(name);
            } catch (NoSuchFileException gone) {
                // removed meanwhile (a process that was still shutting down)
            }
        } else {
            try {
                parent.deleteFile(name);
            } catch (NoSuchFileException gone) {
                // removed meanwhile
            }
        }
    }
}
