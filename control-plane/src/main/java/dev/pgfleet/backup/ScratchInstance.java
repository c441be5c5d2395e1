package dev.pgfleet.backup;

import dev.pgfleet.blueprint.Names;
import dev.pgfleet.database.RuntimeInfo;
import dev.pgfleet.provisioning.DatabaseSessions;
import dev.pgfleet.system.process.Directories;
import dev.pgfleet.system.process.LocalProcesses;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.LongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A throw-away PostgreSQL instance in a directory of its own: loopback TCP only on a free port, a generated
 * superuser password, durability off. {@link #close()} stops it (immediate) and deletes the directory.
 *
 * <p>A tenant's dump is restored into it by an unprivileged role ({@value #RESTORER}) that owns the restored
 * objects, so tenant code in the dump (CHECK constraints, index expressions, defaults, triggers, materialized
 * views) runs with that role's rights only. The superuser only creates that role, the empty database and the
 * extensions, before any tenant object exists.
 *
 * <p>Files: the directory is the control plane's; the dump copy, the password file and the restore list are the
 * control plane's files the data-plane user may read (root:user 0640); only pgdata/ and log/ are handed over.
 */
final class ScratchInstance implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ScratchInstance.class);

    static final String SUPERUSER = "pgfleet_verify";
    /** Restores tenant dumps and owns what it restores; no superuser, no CREATEROLE, no server-file or program access. */
    static final String RESTORER = "pgfleet_restore";
    /**
     * The instance's settings, given on postgres's command line (pg_ctl -o) rather than written into postgresql.conf:
     * pgdata belongs to the data-plane user, and root writes nothing there (a FIFO or link planted there would block
     * or redirect the write). Fixed values only, plus the port we chose: nothing here comes from a tenant.
     */
    private static final String SETTINGS = "-c listen_addresses=127.0.0.1 -c unix_socket_directories='' -c max_connections=10"
            + " -c shared_buffers=32MB -c maintenance_work_mem=64MB -c fsync=off -c synchronous_commit=off"
            + " -c full_page_writes=off -c wal_level=minimal -c max_wal_senders=0 -c autovacuum=off";

    private final LocalProcesses processes;
    private final Path binDir;
    private final Path dir;
    private final Path pgdata;
    private final String password = HexFormat.of().formatHex(BackupVerifier.randomBytes(24));
    private final String restorerPassword = HexFormat.of().formatHex(BackupVerifier.randomBytes(24));
    private int port;

    private ScratchInstance(LocalProcesses processes, Path binDir, Path dir) {
        this.processes = processes;
        this.binDir = binDir;
        this.dir = dir;
        this.pgdata = dir.resolve("pgdata");
    }

    /**
     * Creates {@code dir} (the control plane's) with {@code copies} (file name to source) and the password file in
     * it, readable by the data-plane user but not writable, and the two leaves the instance writes.
     */
    static ScratchInstance prepare(LocalProcesses processes, Path binDir, Path dir, Map<String, Path> copies) {
        ScratchInstance instance = new ScratchInstance(processes, binDir, dir);
        try {
            Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
            try {
                List<Path> files = new ArrayList<>();
                for (Map.Entry<String, Path> copy : copies.entrySet()) {
                    files.addAll(copyTree(copy.getValue(), dir.resolve(copy.getKey())));
                }
                for (Path file : files) {
                    processes.user().shareReadOnly(file);
                }
                processes.user().writeOwnedFile(instance.pwfile(), instance.password + "\n");
                processes.user().createOwnedLeaf(instance.pgdata);
                processes.user().createOwnedLeaf(dir.resolve("log"));
            } catch (IOException | RuntimeException e) {
                instance.close();
                throw e;
            }
            return instance;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare scratch directory " + dir, e);
        }
    }

    /** An instance some earlier process prepared in {@code dir} (it may run): for {@link #close()}, which removes it. */
    static ScratchInstance existing(LocalProcesses processes, Path binDir, Path dir) {
        return new ScratchInstance(processes, binDir, dir);
    }

    /**
     * Copies a file, or a directory of plain files and directories (a directory-format dump), without following
     * links; returns what it created, parents before children.
     */
    private static List<Path> copyTree(Path source, Path target) throws IOException {
        List<Path> created = new ArrayList<>();
        if (!Files.isDirectory(source, LinkOption.NOFOLLOW_LINKS)) {
            created.add(Files.copy(source, target, LinkOption.NOFOLLOW_LINKS));
            return created;
        }
        List<Path> entries;
        try (java.util.stream.Stream<Path> walk = Files.walk(source)) {
            entries = walk.sorted().toList();
        }
        for (Path p : entries) {
            Path to = target.resolve(source.relativize(p).toString());
            if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                created.add(Files.createDirectory(to));
            } else if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                created.add(Files.copy(p, to));
            } else {
                throw new IOException("not a plain file: " + p);
            }
        }
        return created;
    }

    /** initdb, then pg_ctl start -w on a free loopback port. */
    void start() throws IOException {
        try {
            processes.runToCompletion(List.of(binDir.resolve("initdb").toString(), "-D", pgdata.toString(), "-U", SUPERUSER,
                    "--pwfile=" + pwfile(), "--auth=scram-sha-256", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"),
                    dir, Duration.ofMinutes(2));
        } finally {
            Files.deleteIfExists(pwfile());
        }
        port = freePort();
        processes.runToCompletion(List.of(binDir.resolve("pg_ctl").toString(), "start", "-w", "-t", "60", "-D",
                pgdata.toString(), "-o", SETTINGS + " -c port=" + port,
                "-l", dir.resolve("log").resolve("postgresql.log").toString()), dir, Duration.ofSeconds(90));
    }

    /**
     * As the superuser, before any tenant object exists: the unprivileged {@value #RESTORER} role, an empty
     * {@code database} it owns, and {@code extensions} (those installed here; the dump's own extension entries
     * are skipped, as a non-superuser could not create most of them). I/O.
     */
    void createRestoreTarget(String database, List<String> extensions) throws SQLException {
        try (Connection c = connect("postgres", SUPERUSER, password); Statement s = c.createStatement()) {
            s.execute("CREATE ROLE " + RESTORER + " LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS"
                    + " PASSWORD " + Names.quoteLiteral(restorerPassword));
            if (!"postgres".equals(database)) {
                s.execute("CREATE DATABASE " + Names.quoteIdentifier(database) + " OWNER " + RESTORER + " TEMPLATE template0");
            } else {
                s.execute("ALTER DATABASE postgres OWNER TO " + RESTORER);
            }
        }
        try (Connection c = connect(database, SUPERUSER, password); Statement s = c.createStatement()) {
            Set<String> available = new HashSet<>();
            try (ResultSet rs = s.executeQuery("select name from pg_catalog.pg_available_extensions")) {
                while (rs.next()) {
                    available.add(rs.getString(1));
                }
            }
            for (String extension : extensions) {
                if (available.contains(extension)) {
                    s.execute("CREATE EXTENSION IF NOT EXISTS " + Names.quoteIdentifier(extension) + " WITH SCHEMA public");
                }
            }
        }
    }

    Path dir() {
        return dir;
    }

    int port() {
        return port;
    }

    long postmasterPid() {
        return LocalProcesses.readPid(pgdata.resolve("postmaster.pid")).orElse(0L);
    }

    /** A session as the restoring role, search_path pinned (it reads what tenant code restored). */
    Connection connectAsRestorer(String database) throws SQLException {
        return connect(database, RESTORER, restorerPassword);
    }

    String restorerPassword() {
        return restorerPassword;
    }

    /** For tests that build a source database in a scratch instance: a superuser session. */
    Connection connectAsSuperuser(String database) throws SQLException {
        return connect(database, SUPERUSER, password);
    }

    /** For tests that dump from a scratch instance. */
    String superuserPassword() {
        return password;
    }

    private Connection connect(String database, String user, String secret) throws SQLException {
        return DatabaseSessions.open(new RuntimeInfo.Endpoint("127.0.0.1", port), database, user, secret, "pgfleet-verify",
                Duration.ZERO);
    }

    /** Stops the instance if it runs (by pg_ctl, else by its PID) and deletes the directory; never throws. */
    @Override
    public void close() {
        Path pidFile = pgdata.resolve("postmaster.pid");
        Optional<ProcessHandle> postmaster = processes.findRunning(pidFile, pgdata.toString());
        if (Files.exists(pidFile)) {
            try {
                processes.runToCompletion(List.of(binDir.resolve("pg_ctl").toString(), "stop", "-m", "immediate", "-w",
                        "-t", "30", "-D", pgdata.toString()), dir, Duration.ofSeconds(45));
            } catch (RuntimeException e) {
                log.warn("pg_ctl stop failed for scratch instance {}: {}", pgdata, e.getMessage());
            }
        }
        // The postmaster removes its pid file a moment before it exits, so pg_ctl may return while it still runs.
        postmaster.filter(h -> !awaitExit(h, Duration.ofSeconds(10))).ifPresent(h -> processes.stop(h, Duration.ofSeconds(5)));
        try {
            Directories.deleteRecursively(dir);
        } catch (IOException | RuntimeException e) {
            log.warn("cannot delete scratch directory {}", dir, e);
        }
    }

    /**
     * Like {@link LocalProcesses#awaitExit}, but a zombie counts as gone: it no longer runs, and where PID 1 reaps
     * orphans slowly (some container inits) it stays a zombie for seconds.
     */
    static boolean awaitExit(ProcessHandle process, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (isRunning(process.pid())) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return true;
    }

    /** Whether {@code pid} exists and is not a zombie (state Z in /proc/pid/stat, after the command name). */
    static boolean isRunning(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            int end = stat.lastIndexOf(')');
            return end < 0 || end + 2 >= stat.length() || stat.charAt(end + 2) != 'Z';
        } catch (IOException e) {
            return false;
        }
    }

    private Path pwfile() {
        return dir.resolve("initdb.pw");
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
