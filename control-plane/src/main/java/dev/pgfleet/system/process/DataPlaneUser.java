package dev.pgfleet.system.process;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.util.List;
import java.util.Set;

/**
 * An unprivileged OS user that processes run as: the data plane's (PostgreSQL, Patroni, etcd, PgBouncer run as
 * it; PostgreSQL refuses to run as root), or the embedded metadata store's, which is a different one so that a
 * tenant who reached a shell on the data plane still cannot read the control plane's state. When the control
 * plane is not root, processes run as its own user and nothing is handed over.
 *
 * <p>Files: the control plane (root) lays out directories it owns; only the <em>leaves</em> a process must write
 * (a data directory, a log directory) are handed to the user, so the user can never swap an ancestor of a path
 * root later writes through. Root writes files only into directories it owns, through a handle opened with
 * create-new and no-follow semantics, and renames them into place.
 */
public final class DataPlaneUser {
    private static final Set<PosixFilePermission> READ_FOR_GROUP = PosixFilePermissions.fromString("rw-r-----");

    private final String name;
    private final boolean switchUser;

    private DataPlaneUser(String name, boolean switchUser) {
        this.name = name;
        this.switchUser = switchUser;
    }

    /** Resolves the user for this process: {@code unprivilegedUser} when running as root, else ourselves. */
    public static DataPlaneUser forCurrentProcess(String unprivilegedUser) {
        if (!runningAsRoot()) {
            return new DataPlaneUser(System.getProperty("user.name"), false);
        }
        if (!exists(unprivilegedUser)) {
            throw new IllegalStateException("The control plane runs as root, so data-plane processes must run as an"
                    + " unprivileged user, but user '" + unprivilegedUser + "' does not exist (set pgfleet.local.os-user)");
        }
        return new DataPlaneUser(unprivilegedUser, true);
    }

    /** Whether this JVM runs as root (and so can, and must, run processes as other users). */
    public static boolean runningAsRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    /** Whether an OS user of that name exists. */
    public static boolean exists(String user) {
        try {
            FileSystems.getDefault().getUserPrincipalLookupService().lookupPrincipalByName(user);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    public String name() {
        return name;
    }

    /** Whether processes switch to this user (the control plane is root), rather than running as the control plane. */
    public boolean switchesUser() {
        return switchUser;
    }

    /** The command prefix that drops privileges, given as an argument list (never a shell string). */
    List<String> privilegeDropPrefix() {
        if (!switchUser) {
            return List.of();
        }
        return List.of("setpriv", "--reuid=" + name, "--regid=" + name, "--init-groups", "--");
    }

    /**
     * Creates {@code dir} and any missing ancestors as the control plane's own directories (0755): traversable by
     * the user, writable only by the control plane. An existing path on the way that is a link or not a
     * directory is refused.
     */
    public Path createControlledDirectories(Path dir) {
        try {
            Path absolute = dir.toAbsolutePath();
            for (int i = 1; i <= absolute.getNameCount(); i++) {
                Path p = absolute.getRoot().resolve(absolute.subpath(0, i));
                if (Files.isSymbolicLink(p)) {
                    throw new IOException(p + " is a symbolic link; refusing to use it");
                }
                if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
                    Files.createDirectory(p, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
                } else if (!Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                    throw new IOException(p + " is not a directory");
                } else if (switchUser) {
                    // Only as root does another user (the data plane's) write in our trees; a container running as
                    // one user (a Kubernetes verification Job, whose emptyDir is 0777) has nobody to fear here.
                    requireNobodyElseCanReplaceEntries(p);
                }
            }
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + dir, e);
        }
    }

    /**
     * Creates a directory the user owns (0700) inside a directory the control plane owns: the only kind of path
     * handed over. An existing leaf is kept as it is if it is a directory of the user's (never a link).
     */
    public Path createOwnedLeaf(Path dir) {
        try {
            Path parent = dir.toAbsolutePath().getParent();
            createControlledDirectories(parent);
            if (Files.isSymbolicLink(dir)) {
                throw new IOException(dir + " is a symbolic link; refusing to use it");
            }
            if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
                Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
                // Safe by path: the parent is ours, so nobody can have replaced the entry since it was created.
                handOver(dir);
            } else if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
                throw new IOException(dir + " is not a directory");
            }
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + dir, e);
        }
    }

    /**
     * Writes a file that the user may read and nobody else (owner: the control plane, group: the user's, mode
     * 0640), into a directory the control plane owns; returns whether the content changed. Written through the
     * handle that created it (create-new, no-follow) under a temporary name, then renamed over the old one.
     */
    public boolean writeOwnedFile(Path file, String content) {
        try {
            requireControlled(file.toAbsolutePath().getParent());
            byte[] bytes = content.getBytes(StandardCharsets.UTF_8);
            if (Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS) && readNoFollow(file).equals(content)) {
                return false;
            }
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            Files.deleteIfExists(tmp);
            try (SeekableByteChannel out = Files.newByteChannel(tmp, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
                    LinkOption.NOFOLLOW_LINKS), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))) {
                ByteBuffer buffer = ByteBuffer.wrap(bytes);
                while (buffer.hasRemaining()) {
                    out.write(buffer);
                }
            }
            if (switchUser) {
                PosixFileAttributeView view = Files.getFileAttributeView(tmp, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
                view.setGroup(group());
                view.setPermissions(READ_FOR_GROUP);
            }
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return true;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    /**
     * Fails unless only root or the control plane's own user can rename or replace entries of {@code dir}: owned by
     * one of them, and not writable by group or others unless sticky (like /tmp, where others cannot touch our
     * entries). A directory from an earlier pgfleet that handed it to the data-plane user is refused here, with what
     * to do, instead of being written through.
     */
    private static void requireNobodyElseCanReplaceEntries(Path dir) throws IOException {
        int mode = (Integer) Files.getAttribute(dir, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        int uid = (Integer) Files.getAttribute(dir, "unix:uid", LinkOption.NOFOLLOW_LINKS);
        int myUid = (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        boolean sticky = (mode & 01000) != 0;
        boolean othersMayWrite = (mode & 0022) != 0;
        if ((uid != 0 && uid != myUid) || (othersMayWrite && !sticky)) {
            throw new IOException(dir + " can be changed by another user (owner uid " + uid + ", mode "
                    + Integer.toOctalString(mode & 07777) + "); pgfleet only writes through directories that only it controls."
                    + " A home made by an earlier pgfleet version: take backups with that version and restore them into a"
                    + " fresh home (docs/security.md)");
        }
    }

    /** Fails unless {@code dir} is a real directory (not a link) owned by the control plane's own user. */
    public void requireControlled(Path dir) throws IOException {
        PosixFileAttributes attributes = Files.readAttributes(dir, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        String me = System.getProperty("user.name");
        if (!attributes.isDirectory() || !attributes.owner().getName().equals(me)) {
            throw new IOException(dir + " is not a directory owned by " + me + "; refusing to write into it");
        }
    }

    private static String readNoFollow(Path file) throws IOException {
        try (SeekableByteChannel in = Files.newByteChannel(file, Set.of(StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS))) {
            return new String(java.nio.channels.Channels.newInputStream(in).readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /**
     * Gives a path to the user (a no-op when we are that user). Callers make sure the path sits in a directory the
     * control plane owns, so that it cannot have been swapped; links are never followed.
     */
    public void handOver(Path path) throws IOException {
        if (!switchUser) {
            return;
        }
        UserPrincipalLookupService lookup = path.getFileSystem().getUserPrincipalLookupService();
        UserPrincipal user = lookup.lookupPrincipalByName(name);
        PosixFileAttributeView view = Files.getFileAttributeView(path, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
        view.setOwner(user);
        view.setGroup(group());
    }

    /** Makes a control-plane file readable by the user's group only (root:user 0640), for files the user must read. */
    public void shareReadOnly(Path file) throws IOException {
        if (!switchUser) {
            return;
        }
        PosixFileAttributeView view = Files.getFileAttributeView(file, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
        view.setGroup(group());
        view.setPermissions(Files.isDirectory(file, LinkOption.NOFOLLOW_LINKS)
                ? PosixFilePermissions.fromString("rwxr-x---") : READ_FOR_GROUP);
    }

    private GroupPrincipal group() throws IOException {
        return FileSystems.getDefault().getUserPrincipalLookupService().lookupPrincipalByGroupName(name);
    }

    /**
     * Fails with a clear message when the user cannot reach {@code dir} (for example a home under /root, or a
     * private temporary directory).
     */
    public void requireReachable(Path dir) {
        if (!switchUser) {
            return;
        }
        for (Path p = dir.toAbsolutePath().getParent(); p != null; p = p.getParent()) {
            try {
                Set<PosixFilePermission> perms = Files.getPosixFilePermissions(p);
                if (!perms.contains(PosixFilePermission.OTHERS_EXECUTE)) {
                    throw new IllegalStateException("Processes run as '" + name + "', who cannot enter " + p
                            + " (mode " + PosixFilePermissions.toString(perms) + "); choose a PGFLEET_HOME outside it,"
                            + " e.g. /var/lib/pgfleet");
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
