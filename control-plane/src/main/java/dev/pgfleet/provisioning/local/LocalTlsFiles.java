package dev.pgfleet.provisioning.local;

import dev.pgfleet.blueprint.TlsFiles;
import dev.pgfleet.blueprint.TlsMaterial;
import dev.pgfleet.system.process.DataPlaneUser;
import java.nio.file.Path;

/**
 * A database's TLS identity as files for one data-plane process (the pooler, a member): {@code tls/} inside that
 * process's directory, which the control plane owns. Written with DataPlaneUser's symlink-safe writer: owner the
 * control plane, group the data-plane user's, mode 0640, so the process can read its key but never replace it.
 * PostgreSQL accepts a key owned by root with group read (and one of its own user's with 0600, when the control plane
 * is not root).
 */
final class LocalTlsFiles {
    private LocalTlsFiles() {
    }

    /** Where the process in {@code processDir} finds its files. Pure. */
    static TlsFiles at(Path processDir) {
        Path tls = processDir.resolve("tls");
        return new TlsFiles(tls.resolve("ca.crt").toString(), tls.resolve("server.crt").toString(), tls.resolve("server.key").toString());
    }

    /** Writes {@code material}'s CA, certificate and key under {@code processDir}; returns whether any file changed. I/O. */
    static boolean write(DataPlaneUser user, Path processDir, TlsMaterial material) {
        TlsFiles files = at(processDir);
        user.createControlledDirectories(processDir.resolve("tls"));
        // The key before the certificate: a reload between the two writes then fails to load the pair and keeps the
        // old one (PostgreSQL and PgBouncer both keep their previous TLS context on a failed reload) until the next.
        boolean changed = user.writeOwnedFile(Path.of(files.keyFile()), material.privateKeyPem());
        changed |= user.writeOwnedFile(Path.of(files.certificateFile()), material.certificatePem());
        changed |= user.writeOwnedFile(Path.of(files.caFile()), material.caCertificatePem());
        return changed;
    }
}
