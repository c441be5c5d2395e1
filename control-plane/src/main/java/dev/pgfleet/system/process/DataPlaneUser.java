package dev.pgfleet.system.process;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.util.List;
import java.util.Set;

/**
 * The OS user that data-plane processes (PostgreSQL, Patroni, etcd, PgBouncer) run as. PostgreSQL refuses
 * to run as root, so when the control plane is root they run as an unprivileged user and the files they
 * use are handed to that user; otherwise they run as the control plane's own user.
 */
public final class DataPlaneUser {
    private final String name;
    private final boolean switchUser;

    private DataPlaneUser(String name, boolean switchUser) {
        this.name = name;
        this.switchUser = switchUser;
    }

    /** Resolves the user for this process: {@code unprivilegedUser} when running as root, else ourselves. */
    public static DataPlaneUser forCurrentProcess(String unprivilegedUser) {
        String me = System.getProperty("user.name");
        if (!"root".equals(me)) {
            return new DataPlaneUser(me, false);
        }
        try {
            FileSystems.getDefault().getUserPrincipalLookupService().lookupPrincipalByName(unprivilegedUser);
        } catch (IOException e) {
            throw new IllegalStateException("The control plane runs as root, so data-plane processes must run as an"
                    + " unprivileged user, but user '" + unprivilegedUser + "' does not exist (set pgfleet.local.os-user)", e);
        }
        return new DataPlaneUser(unprivilegedUser, true);
    }

    public String name() {
        return name;
    }

    /** The command prefix that drops privileges, given as an argument list (never a shell string). */
    List<String> privilegeDropPrefix() {
        if (!switchUser) {
            return List.of();
        }
        return List.of("setpriv", "--reuid=" + name, "--regid=" + name, "--init-groups", "--");
    }

    /** Creates the directories (owner-only access) and hands the missing ones to the data-plane user. */
    public Path createOwnedDirectories(Path dir) {
        try {
            Path existing = dir;
            while (existing != null && !Files.exists(existing)) {
                existing = existing.getParent();
            }
            Files.createDirectories(dir);
            for (Path p = dir; p != null && !p.equals(existing); p = p.getParent()) {
                Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwx------"));
                handOver(p);
            }
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + dir, e);
        }
    }

    /** Writes a file only the data-plane user can read; returns whether the content changed. */
    public boolean writeOwnedFile(Path file, String content) {
        try {
            if (Files.exists(file) && Files.readString(file).equals(content)) {
                return false;
            }
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            Files.deleteIfExists(tmp);
            Files.createFile(tmp, PosixFilePermissions.asFileAttribute(Set.of(
                    PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE)));
            Files.writeString(tmp, content);
            handOver(tmp);
            Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            return true;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    /** Gives a path to the data-plane user (a no-op when we are that user). */
    public void handOver(Path path) throws IOException {
        if (!switchUser) {
            return;
        }
        UserPrincipalLookupService lookup = path.getFileSystem().getUserPrincipalLookupService();
        UserPrincipal user = lookup.lookupPrincipalByName(name);
        GroupPrincipal group = lookup.lookupPrincipalByGroupName(name);
        PosixFileAttributeView view = Files.getFileAttributeView(path, PosixFileAttributeView.class,
                java.nio.file.LinkOption.NOFOLLOW_LINKS);
        view.setOwner(user);
        view.setGroup(group);
    }

    /**
     * Fails with a clear message when the data-plane user cannot reach {@code dir} (for example a home
     * under /root, or a private temporary directory).
     */
    public void requireReachable(Path dir) {
        if (!switchUser) {
            return;
        }
        for (Path p = dir.toAbsolutePath().getParent(); p != null; p = p.getParent()) {
            try {
                Set<PosixFilePermission> perms = Files.getPosixFilePermissions(p);
                if (!perms.contains(PosixFilePermission.OTHERS_EXECUTE)) {
                    throw new IllegalStateException("Data-plane processes run as '" + name + "', who cannot enter " + p
                            + " (mode " + PosixFilePermissions.toString(perms) + "); choose a PGFLEET_HOME outside it,"
                            + " e.g. /var/lib/pgfleet");
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
