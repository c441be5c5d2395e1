package dev.pgfleet.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.pgfleet.system.process.DataPlaneUser;
import dev.pgfleet.system.process.Directories;
import dev.pgfleet.system.process.LocalProcesses;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Real processes: a source instance with pgvector data, its pg_dump, and restores of good and damaged copies. */
@Tag("integration")
class BackupVerifierIntegrationTest {
    private static final Path BIN = Path.of("/usr/lib/postgresql/15/bin");

    private static Path home;
    private static Path scratchRoot;
    private static ScratchInstance source;
    private static Path dump;
    private static Path directoryDump;
    private static DumpManifest manifest;
    private static BackupVerifier verifier;
    private static final List<Long> postmasters = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void dumpAVectorDatabase() throws Exception {
        assumeTrue(Files.isExecutable(BIN.resolve("initdb")), "PostgreSQL 15 is not installed");
        home = Files.createTempDirectory(Path.of("/tmp"), "pgfleet-verify-");
        Files.setPosixFilePermissions(home, PosixFilePermissions.fromString("rwxr-xr-x"));
        scratchRoot = home.resolve("scratch");
        LocalProcesses processes = new LocalProcesses(DataPlaneUser.forCurrentProcess("postgres"));

        source = ScratchInstance.prepare(processes, BIN, home.resolve("source"), Map.of());
        source.start();
        SourceDatabases.createShop(source, 16, 1000);
        try (Connection c = source.connectAsSuperuser("shop")) {
            manifest = manifestOf(c, "shop");
        }
        Path sourceDump = source.dir().resolve("shop.dump");
        processes.runClientToCompletion(List.of(BIN.resolve("pg_dump").toString(), "-Fc", "-h", "127.0.0.1", "-p",
                Integer.toString(source.port()), "-U", ScratchInstance.SUPERUSER, "-w", "-d", "shop", "-f", sourceDump.toString()),
                source.dir(), Duration.ofSeconds(60), "PGPASSWORD", source.superuserPassword());
        // Like the backup store: readable by the control plane only, so the verifier must bring its own copy.
        Path store = Files.createDirectory(home.resolve("backups"));
        dump = storeCopy(Files.readAllBytes(sourceDump), store.resolve("shop.dump"));
        Path sourceDirectory = source.dir().resolve("shop.dir");
        processes.runClientToCompletion(List.of(BIN.resolve("pg_dump").toString(), "-Fd", "-j", "2", "-h", "127.0.0.1", "-p",
                Integer.toString(source.port()), "-U", ScratchInstance.SUPERUSER, "-w", "-d", "shop", "-f", sourceDirectory.toString()),
                source.dir(), Duration.ofSeconds(60), "PGPASSWORD", source.superuserPassword());
        directoryDump = storeCopy(sourceDirectory, store.resolve("shop.dir"));
        verifier = new BackupVerifier(processes, scratchRoot, BIN, 2, postmasters::add);
    }

    @AfterAll
    static void stopTheSourceAndDeleteEverything() throws IOException {
        if (source != null) {
            source.close();
        }
        if (home != null) {
            Directories.deleteRecursively(home);
        }
    }

    @BeforeEach
    void forgetPostmasters() {
        postmasters.clear();
    }

    @Test
    void aGoodDumpRestoresWithEverythingTheManifestLists() {
        assertThat(manifest.rowCounts()).containsEntry("public.items", 1000L);
        assertThat(manifest.indexes()).contains("public.items_pkey", "public.items_embedding_idx");

        VerificationResult result = verifier.verifyDump(dump, manifest);

        System.out.println("good dump verified in " + result.took().toMillis() + " ms: " + result.reason());
        assertThat(result.passed()).as(result.reason()).isTrue();
        assertThat(result.reason()).isEqualTo("restored 1 table, 1,000 rows, 2 indexes; vector present");
        assertThat(result.took()).isPositive();
        assertNothingLeft(true);
    }

    @Test
    void aDumpWithFlippedBytesFails() throws IOException {
        byte[] bytes = Files.readAllBytes(dump);
        for (int i = bytes.length / 2; i < bytes.length / 2 + 64; i++) {
            bytes[i] ^= (byte) 0xFF;
        }
        Path corrupted = storeCopy(bytes, home.resolve("backups").resolve("corrupted.dump"));

        VerificationResult result = verifier.verifyDump(corrupted, manifest);

        System.out.println("corrupted dump: " + result.reason() + " (" + result.took().toMillis() + " ms)");
        assertThat(result.passed()).isFalse();
        assertThat(result.reason()).startsWith("pg_restore");
        assertNothingLeft(false);
    }

    @Test
    void aDirectoryFormatDumpIsRestoredInParallelAndChecked() {
        VerificationResult result = verifier.verifyDump(directoryDump, manifest);

        System.out.println("directory dump verified in " + result.took().toMillis() + " ms: " + result.reason());
        assertThat(result.passed()).as(result.reason()).isTrue();
        assertThat(result.reason()).isEqualTo("restored 1 table, 1,000 rows, 2 indexes; vector present");
        assertNothingLeft(true);
        assertThat(directoryDump.resolve("toc.dat")).as("the stored dump is left as it was").exists();
    }

    @Test
    void aDirectoryFormatDumpWithAFlippedDataFileFails() throws IOException {
        Path corrupted = storeCopy(directoryDump, home.resolve("backups").resolve("corrupted.dir"));
        Path largest;
        try (Stream<Path> files = Files.list(corrupted)) {
            largest = files.filter(f -> f.getFileName().toString().endsWith(".dat.gz"))
                    .max(java.util.Comparator.comparingLong(f -> f.toFile().length())).orElseThrow();
        }
        byte[] bytes = Files.readAllBytes(largest);
        for (int i = bytes.length / 2; i < bytes.length / 2 + 64; i++) {
            bytes[i] ^= (byte) 0xFF;
        }
        Files.write(largest, bytes);

        VerificationResult result = verifier.verifyDump(corrupted, manifest);

        System.out.println("corrupted directory dump: " + result.reason() + " (" + result.took().toMillis() + " ms)");
        assertThat(result.passed()).isFalse();
        assertThat(result.reason()).startsWith("pg_restore failed");
        assertNothingLeft(true);
    }

    @Test
    void aTruncatedDumpFails() throws IOException {
        byte[] bytes = Files.readAllBytes(dump);
        Path truncated = storeCopy(java.util.Arrays.copyOf(bytes, bytes.length / 2), home.resolve("backups").resolve("truncated.dump"));

        VerificationResult result = verifier.verifyDump(truncated, manifest);

        System.out.println("truncated dump: " + result.reason() + " (" + result.took().toMillis() + " ms)");
        assertThat(result.passed()).isFalse();
        assertThat(result.reason()).startsWith("pg_restore");
        assertNothingLeft(false);
    }

    @Test
    void aManifestTheRestoreDoesNotMatchFailsWithWhatDiffers() {
        Map<String, Long> counts = new TreeMap<>(manifest.rowCounts());
        counts.put("public.items", 1001L);
        List<String> indexes = new ArrayList<>(manifest.indexes());
        indexes.add("public.items_title_idx");
        DumpManifest claimsMore = new DumpManifest("shop", counts, indexes, manifest.extensions());

        VerificationResult result = verifier.verifyDump(dump, claimsMore);

        assertThat(result.passed()).isFalse();
        assertThat(result.reason()).isEqualTo("table public.items has 1000 rows, the dump reported 1001;"
                + " index public.items_title_idx missing");
        assertNothingLeft(true);
    }

    @Test
    void aMissingFileFailsWithoutStartingAnything() {
        VerificationResult result = verifier.verifyDump(home.resolve("backups").resolve("nope.dump"), manifest);

        assertThat(result.passed()).isFalse();
        assertThat(result.reason()).contains("does not exist");
        assertNothingLeft(false);
    }

    /** The manifest a backup would record, read from the source's catalogs. */
    private static DumpManifest manifestOf(Connection c, String database) throws SQLException {
        Map<String, Long> counts = new TreeMap<>();
        Map<String, String> tables = new TreeMap<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT schemaname || '.' || tablename,"
                + " format('%I.%I', schemaname, tablename) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')")) {
            while (rs.next()) {
                tables.put(rs.getString(1), rs.getString(2));
            }
        }
        for (Map.Entry<String, String> table : tables.entrySet()) {
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*) FROM " + table.getValue())) {
                rs.next();
                counts.put(table.getKey(), rs.getLong(1));
            }
        }
        return new DumpManifest(database, counts,
                strings(c, "SELECT schemaname || '.' || indexname FROM pg_indexes WHERE schemaname NOT IN ('pg_catalog', 'information_schema')"),
                strings(c, "SELECT extname FROM pg_extension"));
    }

    private static List<String> strings(Connection c, String query) throws SQLException {
        List<String> values = new ArrayList<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(query)) {
            while (rs.next()) {
                values.add(rs.getString(1));
            }
        }
        return values;
    }

    /** A root-only copy of a dump directory (when the test runs as root), as a backup store holds it. */
    private static Path storeCopy(Path directory, Path target) throws IOException {
        Files.createDirectory(target, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        try (Stream<Path> files = Files.list(directory)) {
            for (Path f : files.toList()) {
                storeCopy(Files.readAllBytes(f), target.resolve(f.getFileName().toString()));
            }
        }
        return target;
    }

    /** A root-only file (when the test runs as root), as a backup store holds it. */
    private static Path storeCopy(byte[] bytes, Path file) throws IOException {
        Files.write(file, bytes);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        return file;
    }

    /** No scratch directory under the scratch root and no process the verifier started is left. */
    private static void assertNothingLeft(boolean aPostmasterWasStarted) {
        if (aPostmasterWasStarted) {
            assertThat(postmasters).hasSize(1).allMatch(pid -> pid > 0);
        }
        for (long pid : postmasters) {
            // A zombie no longer runs; this machine's PID 1 may take a second or two to reap it.
            assertThat(ScratchInstance.isRunning(pid)).as("postmaster %d still runs", pid).isFalse();
        }
        assertThat(processesMentioning(scratchRoot.toString())).isEmpty();
        if (Files.exists(scratchRoot)) {
            try (Stream<Path> left = Files.list(scratchRoot)) {
                assertThat(left).isEmpty();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
    }

    private static List<Long> processesMentioning(String text) {
        return ProcessHandle.allProcesses().filter(p -> {
            try {
                return new String(Files.readAllBytes(Path.of("/proc", Long.toString(p.pid()), "cmdline"))).contains(text);
            } catch (IOException e) {
                return false;
            }
        }).map(ProcessHandle::pid).toList();
    }
}
