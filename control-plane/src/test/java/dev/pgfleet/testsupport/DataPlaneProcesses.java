package dev.pgfleet.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Finds and stops the processes a test's control plane started, by the PIDs in its pid files (never by
 * name): what {@code ./pgfleet down} does, for a test's home.
 */
public final class DataPlaneProcesses {
    private DataPlaneProcesses() {
    }

    /** A live process recorded in a pid file whose command line still contains the marker. */
    public static Optional<ProcessHandle> find(Path pidFile, String marker) {
        try {
            if (!Files.isRegularFile(pidFile)) {
                return Optional.empty();
            }
            String first = Files.readAllLines(pidFile).stream().findFirst().orElse("").strip();
            if (!first.matches("\\d+")) {
                return Optional.empty();
            }
            long pid = Long.parseLong(first);
            Path cmdline = Path.of("/proc", Long.toString(pid), "cmdline");
            if (!Files.exists(cmdline) || !new String(Files.readAllBytes(cmdline)).replace('\0', ' ').contains(marker)) {
                return Optional.empty();
            }
            return ProcessHandle.of(pid).filter(ProcessHandle::isAlive);
        } catch (IOException e) {
            return Optional.empty();
        }
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

    /** Stops every process recorded under {@code home}: poolers, Patroni, leftover postmasters, etcd, metadata store. */
    public static void stopAll(Path home) {
        List<ProcessHandle> all = new ArrayList<>();
        for (Path dir : dirs(home.resolve("databases"), "pooler")) {
            pgbouncer(dir).ifPresent(all::add);
        }
        for (Path dir : dirs(home.resolve("databases"), "read-only")) {
            pgbouncer(dir).ifPresent(all::add);
            haproxy(dir).ifPresent(all::add);
        }
        for (Path member : dirs(home.resolve("databases"), "members")) {
            patroni(member).ifPresent(all::add);
        }
        terminate(all);
        all.clear();
        for (Path member : dirs(home.resolve("databases"), "members")) {
            postmaster(member).ifPresent(all::add);
        }
        postmasterOf(home.resolve("metadata").resolve("pgdata")).ifPresent(all::add);
        etcd(home).ifPresent(all::add);
        terminate(all);
    }

    private static void terminate(List<ProcessHandle> processes) {
        processes.forEach(ProcessHandle::destroy);
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        for (ProcessHandle p : processes) {
            while (p.isAlive() && System.nanoTime() < deadline) {
                ControlPlane.sleep(50);
            }
            if (p.isAlive()) {
                p.destroyForcibly();
            }
        }
    }

    /** databases/<id>/pooler or databases/<id>/read-only, or each databases/<id>/members/<n>. */
    private static List<Path> dirs(Path databases, String kind) {
        List<Path> out = new ArrayList<>();
        if (!Files.isDirectory(databases)) {
            return out;
        }
        try (Stream<Path> dbs = Files.list(databases)) {
            for (Path db : dbs.toList()) {
                Path p = db.resolve(kind);
                if (kind.equals("pooler") || kind.equals("read-only")) {
                    // One process directory per database (members/ has one per member below it).
                    out.add(p);
                } else if (Files.isDirectory(p)) {
                    try (Stream<Path> members = Files.list(p)) {
                        out.addAll(members.toList());
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    public static void deleteRecursively(Path dir) {
        try {
            dev.pgfleet.system.process.Directories.deleteRecursively(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
