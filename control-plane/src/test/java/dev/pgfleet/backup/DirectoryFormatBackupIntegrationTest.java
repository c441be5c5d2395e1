package dev.pgfleet.backup;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pgfleet.system.process.Directories;
import dev.pgfleet.testsupport.ControlPlane;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Large-database backups (local runtime): with the size threshold at 0 every database is "large", so the dump is
 * pg_dump's directory format with parallel jobs, kept in a backup store outside the home (as the Kubernetes
 * chart's persistent volume is), downloaded as a tar, verified and restored like a custom-format dump.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Tag("integration")
class DirectoryFormatBackupIntegrationTest {
    private static final String NEIGHBOURS = "select id from items order by embedding <-> (select array_agg(0.25)::vector(16)"
            + " from generate_series(1, 16)) limit 10";

    private Path store;
    private ControlPlane cp;
    private String alice;
    private String id;
    private String base;
    private String backupId;

    @BeforeAll
    void createDatabaseWithTwoTables() throws Exception {
        store = Files.createTempDirectory(Path.of("/tmp"), "pgfleet-store-");
        cp = ControlPlane.start(Map.of("pgfleet.backup.directory", store.toString(),
                "pgfleet.backup.directory-format-above", "0", "pgfleet.backup.parallel-jobs", 2));
        alice = cp.createTenant("alice");
        id = cp.post("/api/v1/databases", alice, "{\"name\":\"docs\",\"plan\":\"dev\"}").json().get("id").asText();
        base = "/api/v1/databases/" + id;
        cp.awaitStatus(id, alice, "READY", Duration.ofSeconds(120));
        try (Connection c = cp.pooledConnection(id, alice); Statement s = c.createStatement()) {
            s.execute("create table items (id bigserial primary key, embedding vector(16))");
            s.execute("insert into items (embedding) select array_agg(random())::vector(16) from generate_series(1, 16000) g"
                    + " group by g % 1000");
            s.execute("create index items_embedding_idx on items using hnsw (embedding vector_l2_ops)");
            s.execute("create table notes (id int primary key, body text)");
            s.execute("insert into notes select g, repeat('note ', g % 50) from generate_series(1, 500) g");
        }
    }

    @AfterAll
    void stop() throws Exception {
        if (cp != null) {
            cp.close();
        }
        if (store != null) {
            Directories.deleteRecursively(store);
        }
    }

    @Test
    @Order(1)
    void aLargeDatabaseIsDumpedInDirectoryFormatIntoTheConfiguredStoreAndVerified() throws Exception {
        ControlPlane.Response started = cp.post(base + "/backups", alice, "");
        assertThat(started.status()).as(started.body()).isEqualTo(202);
        backupId = started.json().get("id").asText();

        JsonNode backup = cp.awaitBackup(id, alice, backupId, Duration.ofSeconds(120), b -> "FAILED".equals(b.path("status").asText())
                || "PASSED".equals(b.path("verification").asText()) || "FAILED".equals(b.path("verification").asText()));

        assertThat(backup.get("status").asText()).as(backup.toString()).isEqualTo("SUCCEEDED");
        assertThat(backup.get("format").asText()).isEqualTo("directory");
        assertThat(backup.get("verification").asText()).as(backup.toString()).isEqualTo("PASSED");
        assertThat(backup.get("verificationReason").asText()).contains("2 tables").contains("1,500 rows").contains("vector");
        Path dump = store.resolve(id).resolve(backupId + ".dir");
        assertThat(dump.resolve("toc.dat")).exists();
        try (Stream<Path> files = Files.list(dump)) {
            assertThat(files.filter(f -> f.getFileName().toString().endsWith(".dat.gz")).count())
                    .as("one data file per table").isEqualTo(2);
        }
        assertThat(cp.home().resolve("backups").resolve(id)).as("nothing in the home's default store").doesNotExist();
    }

    @Test
    @Order(2)
    void itDownloadsAsATarWithTheRecordedChecksumThatPgRestoreReads() throws Exception {
        JsonNode backup = cp.get(base + "/backups/" + backupId, alice).json();
        HttpResponse<byte[]> download = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create(cp.baseUrl() + base + "/backups/" + backupId + "/download"))
                .header("Authorization", "Bearer " + alice).build(), HttpResponse.BodyHandlers.ofByteArray());

        assertThat(download.statusCode()).isEqualTo(200);
        assertThat(download.headers().firstValue("Content-Type")).hasValue("application/x-tar");
        assertThat(download.headers().firstValue("Content-Disposition").orElseThrow()).contains(backupId + ".tar");
        assertThat(download.body().length).isEqualTo(backup.get("sizeBytes").asLong());
        String sha256 = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(download.body()));
        assertThat(sha256).isEqualTo(backup.get("sha256").asText()).isEqualTo(download.headers().firstValue("X-Checksum-Sha256").orElseThrow());

        Path work = Files.createTempDirectory("pgfleet-download-");
        try {
            Path tar = Files.write(work.resolve("backup.tar"), download.body());
            assertThat(run(work, "tar", "-xf", tar.toString())).isEmpty();
            String toc = run(work, "/usr/lib/postgresql/15/bin/pg_restore", "--list", work.resolve(backupId + ".dir").toString());
            assertThat(toc).contains("TABLE DATA public items").contains("TABLE DATA public notes").contains("INDEX public items_embedding_idx");
        } finally {
            Directories.deleteRecursively(work);
        }
    }

    @Test
    @Order(3)
    void itRestoresIntoANewDatabaseWithTheSameRowsAndNeighbours() throws Exception {
        ControlPlane.Response started = cp.post(base + "/restore", alice,
                "{\"backupId\":\"" + backupId + "\",\"newDatabaseName\":\"docs-restored\"}");
        assertThat(started.status()).as(started.body()).isEqualTo(202);
        String target = started.json().get("targetDatabaseId").asText();
        cp.awaitStatus(target, alice, "READY", Duration.ofSeconds(120));

        JsonNode restore = awaitRestore(target, started.json().get("id").asText());

        assertThat(restore.get("status").asText()).as(restore.toString()).isEqualTo("SUCCEEDED");
        try (Connection original = cp.pooledConnection(id, alice); Connection restored = cp.pooledConnection(target, alice)) {
            assertThat(exactNeighbours(restored)).hasSize(10).isEqualTo(exactNeighbours(original));
            assertThat(count(restored, "select count(*) from notes")).isEqualTo(500);
            assertThat(count(restored, "select count(*) from pg_indexes where indexname = 'items_embedding_idx'"
                    + " and indexdef like '%hnsw%'")).isEqualTo(1);
        }
        assertThat(cp.delete("/api/v1/databases/" + target, alice).status()).isEqualTo(202);
    }

    @Test
    @Order(4)
    void aDumpThatChangedSinceItWasTakenIsNotRestoredAndNothingChanges() throws Exception {
        Path dump = store.resolve(id).resolve(backupId + ".dir");
        Path dataFile;
        try (Stream<Path> files = Files.list(dump)) {
            dataFile = files.filter(f -> f.getFileName().toString().endsWith(".dat.gz")).findFirst().orElseThrow();
        }
        byte[] bytes = Files.readAllBytes(dataFile);
        bytes[bytes.length / 2] ^= 0x40;
        Files.write(dataFile, bytes);
        try (Connection c = cp.pooledConnection(id, alice); Statement s = c.createStatement()) {
            s.execute("insert into notes values (501, 'written after the backup')");
        }

        ControlPlane.Response started = cp.post(base + "/restore", alice, "{\"backupId\":\"" + backupId + "\",\"overwrite\":true}");
        assertThat(started.status()).as(started.body()).isEqualTo(202);
        JsonNode restore = awaitRestore(id, started.json().get("id").asText());

        assertThat(restore.get("status").asText()).isEqualTo("FAILED");
        assertThat(restore.get("statusReason").asText()).contains("no longer matches its checksum").contains("nothing was changed");
        try (Connection c = cp.pooledConnection(id, alice)) {
            assertThat(count(c, "select count(*) from notes")).isEqualTo(501);
            assertThat(count(c, "select count(*) from items")).isEqualTo(1000);
        }
    }

    private JsonNode awaitRestore(String targetId, String restoreId) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (System.nanoTime() < deadline) {
            for (JsonNode r : cp.get("/api/v1/databases/" + targetId + "/restores", alice).json()) {
                if (r.get("id").asText().equals(restoreId) && r.get("status").asText().matches("SUCCEEDED|FAILED")) {
                    return r;
                }
            }
            Thread.sleep(500);
        }
        throw new AssertionError("restore " + restoreId + " did not finish");
    }

    /** The true nearest neighbours: a sequential scan, in one transaction so the pooler keeps one server connection. */
    private static List<Long> exactNeighbours(Connection c) throws Exception {
        c.setAutoCommit(false);
        try (Statement s = c.createStatement()) {
            s.execute("set local enable_indexscan = off");
            List<Long> ids = new ArrayList<>();
            try (ResultSet rs = s.executeQuery(NEIGHBOURS)) {
                while (rs.next()) {
                    ids.add(rs.getLong(1));
                }
            }
            c.commit();
            return ids;
        } finally {
            c.setAutoCommit(true);
        }
    }

    private static long count(Connection c, String sql) throws Exception {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static String run(Path dir, String... command) throws Exception {
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(String.join(" ", command) + ": " + output).isZero();
        return output;
    }
}
