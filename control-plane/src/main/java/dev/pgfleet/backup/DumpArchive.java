package dev.pgfleet.backup;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * A directory-format dump as one tar stream, for download. The stream is a function of the files' names and
 * contents only — sorted entries, fixed time stamp, owner and modes — so its SHA-256, recorded when the backup
 * is taken, is exactly the checksum of what a later download delivers.
 */
final class DumpArchive {
    /** Every entry's time stamp (a fixed one: the files' own times would make the checksum unstable). */
    static final FileTime TIMESTAMP = FileTime.from(Instant.parse("2000-01-01T00:00:00Z"));

    private DumpArchive() {
    }

    /** Size and SHA-256 of a dump: of the file itself, or of the tar stream a directory is downloaded as. I/O. */
    record Fingerprint(long sizeBytes, String sha256) {
    }

    static Fingerprint fingerprint(Path dump) throws IOException {
        MessageDigest digest = sha256();
        long[] size = {0};
        OutputStream sink = new OutputStream() {
            @Override
            public void write(int b) {
                digest.update((byte) b);
                size[0]++;
            }

            @Override
            public void write(byte[] b, int off, int len) {
                digest.update(b, off, len);
                size[0] += len;
            }
        };
        if (Files.isDirectory(dump)) {
            writeTar(dump, sink);
        } else {
            Files.copy(dump, sink);
        }
        return new Fingerprint(size[0], HexFormat.of().formatHex(digest.digest()));
    }

    /**
     * Writes {@code dir} as a tar whose top-level directory has the dump directory's name, so that extracting it
     * gives a directory pg_restore takes as is. Does not close {@code out}. I/O.
     */
    static void writeTar(Path dir, OutputStream out) throws IOException {
        String root = dir.getFileName().toString();
        List<Path> files;
        try (Stream<Path> walk = Files.walk(dir)) {
            files = walk.filter(p -> !p.equals(dir)).sorted().toList();
        }
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(new FilterOutputStream(out) {
            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                out.write(b, off, len);
            }

            @Override
            public void close() throws IOException {
                flush(); // the caller owns the stream
            }
        })) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
            tar.putArchiveEntry(entry(root + "/", 040700, 0));
            tar.closeArchiveEntry();
            for (Path p : files) {
                String name = root + "/" + dir.relativize(p).toString().replace('\\', '/');
                if (Files.isDirectory(p)) {
                    tar.putArchiveEntry(entry(name + "/", 040700, 0));
                } else if (Files.isRegularFile(p)) {
                    tar.putArchiveEntry(entry(name, 0100600, Files.size(p)));
                    Files.copy(p, tar);
                } else {
                    throw new IOException("unexpected entry in dump directory: " + p);
                }
                tar.closeArchiveEntry();
            }
            tar.finish();
        }
    }

    private static TarArchiveEntry entry(String name, int mode, long size) {
        TarArchiveEntry e = new TarArchiveEntry(name, true);
        e.setMode(mode);
        e.setSize(size);
        e.setLastModifiedTime(TIMESTAMP);
        e.setUserId(0);
        e.setGroupId(0);
        e.setUserName("");
        e.setGroupName("");
        return e;
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
