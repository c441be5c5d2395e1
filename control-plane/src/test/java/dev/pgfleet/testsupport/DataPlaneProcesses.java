package dev.pgfleet.testsupport;

import dev.pgfleet.system.process.LocalHomeShutdown;
import dev.pgfleet.system.process.PidFileProcess;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Finds and stops the processes a test's control plane started, by the PIDs in its pid files (never by
 * name): what {@code ./pgfleet down} does, for a test's home.
 */
public final class DataPlaneProcesses {
    private DataPlaneProcesses() {
    }

    /** A live process recorded in a pid file whose command line still contains the marker: {@link PidFileProcess#findRunning}. */
    public static Optional<ProcessHandle> find(Path pidFile, String marker) {
        return PidFileProcess.findRunning(pidFile, marker);
    }

    public static Optional<ProcessHandle> patroni(Path memberDir) {
        return find(memberDir.resolve("patroni.pid"), memberDir.resolve("patroni.yml").toString());
    }

    public static Optional<ProcessHandle> postmaster(Path memberDir) {
        return postmasterOf(memberDir.resolve("data").resolve("pgdata"));
    }

    public static Optional<ProcessHandle> postmasterOf(Path pgdata) {
        return find(pgdata.resolve("postmaster.pid"), pgdata.toString());
    }

    public static Optional<ProcessHandle> pgbouncer(Path poolerDir) {
        return find(poolerDir.resolve("pgbouncer.pid"), poolerDir.resolve("pgbouncer.ini").toString());
    }

    /** The read-only endpoint's proxy (its directory also holds a PgBouncer: {@link #pgbouncer}). */
    public static Optional<ProcessHandle> haproxy(Path readOnlyDir) {
        return find(readOnlyDir.resolve("haproxy.pid"), readOnlyDir.resolve("haproxy.cfg").toString());
    }

    public static Optional<ProcessHandle> etcd(Path home) {
        return find(home.resolve("etcd").resolve("etcd.pid"), home.resolve("etcd").resolve("data").toString());
    }

    /**
     * Stops every process recorded under {@code home} (control plane, poolers, Patroni, leftover postmasters, scratch
     * instances, etcd, metadata store) and removes its scratch instances: what {@code ./pgfleet down} does
     * ({@link LocalHomeShutdown}).
     */
    public static void stopAll(Path home) {
        LocalHomeShutdown.stopEverything(home);
    }

    public static void deleteRecursively(Path dir) {
        try {
            dev.pgfleet.system.process.Directories.deleteRecursively(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
