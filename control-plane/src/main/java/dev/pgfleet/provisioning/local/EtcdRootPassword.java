package dev.pgfleet.provisioning.local;

import dev.pgfleet.database.Passwords;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * The password of the local etcd's {@code root} user: a file only the control plane's OS user can read
 * ({@code $PGFLEET_HOME/etcd-root.password}, 0600), created on first need, next to master.key.
 *
 * <p>A file rather than a value derived from the master key or a row in the metadata store: the master key stays
 * inside SecretCipher, which only encrypts; the metadata store is not needed to reach etcd; and the file has the
 * same protection as master.key (the data-plane user, who owns etcd's own directory, cannot read it). It is
 * created new and read without following links, so a link planted at its path is refused, never followed.
 */
final class EtcdRootPassword {
    private EtcdRootPassword() {
    }

    static String readOrCreate(Path file) {
        try {
            if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
                try {
                    create(file, Passwords.generate());
                } catch (FileAlreadyExistsException raced) {
                    // another thread created it first: read theirs
                }
            }
            if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
                throw new IllegalStateException(file + " is not a regular file; refusing to use it as etcd's root password");
            }
            try (SeekableByteChannel in = Files.newByteChannel(file, Set.of(StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS))) {
                ByteBuffer buffer = ByteBuffer.allocate(256);
                while (in.read(buffer) > 0 && buffer.hasRemaining()) {
                    // read all of it (the file is one short line)
                }
                String password = new String(buffer.array(), 0, buffer.position(), StandardCharsets.UTF_8).strip();
                if (password.isEmpty()) {
                    throw new IllegalStateException(file + " is empty; restore etcd's root password there");
                }
                return password;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read or create etcd's root password " + file, e);
        }
    }

    private static void create(Path file, String password) throws IOException {
        try (SeekableByteChannel out = Files.newByteChannel(file,
                Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))) {
            out.write(ByteBuffer.wrap((password + "\n").getBytes(StandardCharsets.UTF_8)));
        }
    }
}
