package dev.pgfleet.backup;

import dev.pgfleet.blueprint.Names;
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
 * Proves a backup can be restored: restores a dump (a custom-format file or a directory-format directory, the
 * latter with parallel jobs) into a throw-away PostgreSQL instance and
 * checks the result against the manifest captured when the dump was taken. A bad dump is a result, never
 * an exception; the scratch instance is always stopped and deleted.
 */
public final class BackupVerifier {
    private static final Logger log = LoggerFactory.getLogger(BackupVerifier.class);
    private static final Duration LIST_TIMEOUT = Duration.ofMinutes(5);
    private static final Duration RESTORE_TIMEOUT = Duration.ofHours(6);
    private static final int PROBLEMS_SHOWN = 3;

    private final LocalProcesses processes;
    private final Path scratchRoot;
    private final Path binDir;
    private final int parallelJobs;
    private final LongConsumer postmasterStarted;

    /** {@code parallelJobs}: pg_restore workers for a directory-format dump. */
    public BackupVerifier(LocalProcesses processes, Path scratchRoot, Path binDir, int parallelJobs) {
        this(processes, scratchRoot, binDir, parallelJobs, pid -> { });
    }

    /** {@code postmasterStarted} hears each scratch postmaster's PID (tests use it to prove it is gone). */
    BackupVerifier(LocalProcesses processes, Path scratchRoot, Path binDir, int parallelJobs, LongConsumer postmasterStarted) {
        this.processes = processes;
        this.scratchRoot = scratchRoot;
        this.binDir = binDir;
        this.parallelJobs = parallelJobs;
        this.postmasterStarted = postmasterStarted;
    }

    /**
     * Restores {@code dumpFile} (a file, or a directory-format dump's directory) into a fresh scratch instance
     * and checks it against {@code manifest}. I/O.
     */
    public VerificationResult verifyDump(Path dumpFile, DumpManifest manifest) {
        return verifyDump(dumpFile, manifest, "verify-" + HexFormat.of().formatHex(randomBytes(6)));
    }

    /** As {@link #verifyDump(Path, DumpManifest)}, in the scratch directory {@code scratchName} (which must not exist). */
    VerificationResult verifyDump(Path dumpFile, DumpManifest manifest, String scratchName) {
        long start = System.nanoTime();
        Check check;
        try {
            check = restoreAndCheck(dumpFile, manifest, scratchName);
        } catch (RuntimeException | IOException | SQLException e) {
            log.warn("verification of {} could not run", dumpFile, e);
            check = new Check(false, "verification could not run: " + firstErrorLine(String.valueOf(e.getMessage())));
        }
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        log.info("verified {} in {} ms: {} ({})", dumpFile, took.toMillis(), check.passed() ? "passed" : "FAILED", check.reason());
        return new VerificationResult(check.passed(), check.reason(), took);
    }

    private Check restoreAndCheck(Path dumpFile, DumpManifest manifest, String scratchName) throws IOException, SQLException {
        boolean directory = Files.isDirectory(dumpFile, LinkOption.NOFOLLOW_LINKS);
        if (!directory && !Files.isRegularFile(dumpFile, LinkOption.NOFOLLOW_LINKS)) {
            return new Check(false, "dump " + dumpFile + " does not exist");
        }
        processes.user().createControlledDirectories(scratchRoot);
        processes.user().requireReachable(scratchRoot);
        Path dir = scratchRoot.resolve(scratchName);
        // pg_restore runs as the data-plane user, who may not read the backup store: restore from a copy.
        String copyName = directory ? "backup.dir" : "backup.dump";
        try (ScratchInstance scratch = ScratchInstance.prepare(processes, binDir, dir, Map.of(copyName, dumpFile))) {
            Path dump = dir.resolve(copyName);
            String toc;
            try {
                toc = processes.runToCompletion(List.of(binDir.resolve("pg_restore").toString(), "--list", dump.toString()),
                        dir, LIST_TIMEOUT);
            } catch (IllegalStateException e) {
                return new Check(false, "pg_restore cannot read the dump: " + firstErrorLine(e.getMessage()));
            }
            // The extensions are created by the superuser before the restore (createRestoreTarget); their entries,
            // which only an extension's owner could run (COMMENT ON EXTENSION), are left out.
            Path list = dir.resolve("restore.list");
            processes.user().writeOwnedFile(list, withoutExtensionEntries(toc));
            scratch.start();
            postmasterStarted.accept(scratch.postmasterPid());
            String database = manifest.databaseName();
            scratch.createRestoreTarget(database, manifest.extensions());
            List<String> restore = new ArrayList<>(List.of(binDir.resolve("pg_restore").toString(), "--exit-on-error", "--no-owner",
                    "--no-privileges", "-h", "127.0.0.1", "-p", Integer.toString(scratch.port()), "-U", ScratchInstance.RESTORER,
                    "-w", "-d", database, "--use-list=" + list));
            if (directory && parallelJobs > 1) {
                restore.add("--jobs=" + parallelJobs);
            }
            restore.add(dump.toString());
            try {
                processes.runToCompletion(restore, dir, RESTORE_TIMEOUT, "PGPASSWORD", scratch.restorerPassword(),
                        "PGOPTIONS", DatabaseSessions.PINNED_OPTIONS);
            } catch (IllegalStateException e) {
                return new Check(false, "pg_restore failed: " + firstErrorLine(e.getMessage()));
            }
            try (Connection c = scratch.connectAsRestorer(database)) {
                return compare(c, manifest);
            }
        }
    }

    /** A pg_restore --list without the extension entries (CREATE EXTENSION, COMMENT ON EXTENSION). Pure. */
    static String withoutExtensionEntries(String toc) {
        return toc.lines().filter(line -> !line.contains(" EXTENSION ")).collect(java.util.stream.Collectors.joining("\n")) + "\n";
    }

    /** Every manifest table with exactly its row count, every manifest index and extension. */
    private static Check compare(Connection c, DumpManifest manifest) throws SQLException {
        Map<String, String> tables = new HashMap<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT n.nspname, c.relname FROM pg_catalog.pg_class c"
                + " JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace"
                + " WHERE c.relkind OPERATOR(pg_catalog.=) ANY (ARRAY['r', 'p', 'm']::pg_catalog.\"char\"[])")) {
            while (rs.next()) {
                tables.put(rs.getString(1) + "." + rs.getString(2),
                        Names.quoteIdentifier(rs.getString(1)) + "." + Names.quoteIdentifier(rs.getString(2)));
            }
        }
        List<String> problems = new ArrayList<>();
        for (Map.Entry<String, Long> expected : new TreeMap<>(manifest.rowCounts()).entrySet()) {
            String quoted = tables.get(expected.getKey());
            if (quoted == null) {
                problems.add("table " + expected.getKey() + " missing");
                continue;
            }
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT pg_catalog.count(*) FROM " + quoted)) {
                rs.next();
                long actual = rs.getLong(1);
                if (actual != expected.getValue()) {
                    problems.add("table " + expected.getKey() + " has " + actual + " rows, the dump reported " + expected.getValue());
                }
            }
        }
        Set<String> indexes = strings(c, "SELECT pg_catalog.concat(schemaname, '.', indexname) FROM pg_catalog.pg_indexes");
        manifest.indexes().stream().sorted().filter(i -> !indexes.contains(i)).forEach(i -> problems.add("index " + i + " missing"));
        Set<String> extensions = strings(c, "SELECT extname FROM pg_catalog.pg_extension");
        manifest.extensions().stream().sorted().filter(e -> !extensions.contains(e))
                .forEach(e -> problems.add("extension " + e + " missing"));
        if (!problems.isEmpty()) {
            String shown = String.join("; ", problems.subList(0, Math.min(PROBLEMS_SHOWN, problems.size())));
            return new Check(false, problems.size() > PROBLEMS_SHOWN
                    ? shown + "; and " + (problems.size() - PROBLEMS_SHOWN) + " more problems" : shown);
        }
        return new Check(true, summary(manifest));
    }

    /** e.g. "restored 3 tables, 1,000 rows, 2 indexes; vector present" (plpgsql, always there, is not named). */
    static String summary(DumpManifest manifest) {
        int tables = manifest.rowCounts().size();
        int indexes = manifest.indexes().size();
        String text = String.format(Locale.ROOT, "restored %d %s, %,d %s, %d %s", tables, tables == 1 ? "table" : "tables",
                manifest.totalRows(), manifest.totalRows() == 1 ? "row" : "rows", indexes, indexes == 1 ? "index" : "indexes");
        List<String> extensions = manifest.extensions().stream().filter(e -> !"plpgsql".equals(e)).sorted().toList();
        return extensions.isEmpty() ? text : text + "; " + String.join(", ", extensions) + " present";
    }

    /** The first line of a tool's output that reports an error, without the tool's prefix. */
    static String firstErrorLine(String output) {
        List<String> lines = output.lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
        for (String line : lines) {
            int at = line.indexOf("error: ");
            if (at >= 0) {
                return line.substring(at + "error: ".length());
            }
        }
        return lines.isEmpty() ? "(no output)" : lines.get(0);
    }

    private static Set<String> strings(Connection c, String query) throws SQLException {
        Set<String> values = new HashSet<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(query)) {
            while (rs.next()) {
                values.add(rs.getString(1));
            }
        }
        return values;
    }

    static byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        new SecureRandom().nextBytes(b);
        return b;
    }

    private record Check(boolean passed, String reason) {
    }

}
