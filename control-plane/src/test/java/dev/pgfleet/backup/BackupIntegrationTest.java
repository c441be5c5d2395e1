package dev.pgfleet.backup;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pgfleet.testsupport.ControlPlane;
import dev.pgfleet.testsupport.Polling;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/** Backups of a real database (local runtime): on demand, verified by a test restore, scheduled, kept by policy. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Tag("integration")
class BackupIntegrationTest {
    private ControlPlane cp;
    private String alice;
    private String bob;
    private String id;
    private String base;

    @BeforeAll
    void createDatabaseWithVectors() throws Exception {
        // The policy tests fire every 10 seconds: the production minimum interval would refuse that schedule.
        cp = ControlPlane.start(Map.of("pgfleet.backup.minimum-interval", "10s"));
        alice = cp.createTenant("alice");
        bob = cp.createTenant("bob");
        id = cp.post("/api/v1/databases", alice, "{\"name\":\"shop\",\"plan\":\"dev\"}").json().get("id").asText();
        base = "/api/v1/databases/" + id;
        cp.awaitStatus(id, alice, "READY", Duration.ofSeconds(120));
        try (Connection c = cp.pooledConnection(id, alice); Statement s = c.createStatement()) {
            s.execute("create table items (id bigserial primary key, embedding vector(16))");
            s.execute("insert into items (embedding) select array_agg(random())::vector(16) from generate_series(1, 16000) g"
                    + " group by g % 1000");
            s.execute("create index items_embedding_idx on items using hnsw (embedding vector_l2_ops)");
        }
    }

    @AfterAll
    void stop() {
        if (cp != null) {
            cp.close();
        }
    }

    @Test
    @Order(1)
    void anOnDemandBackupIsTakenVerifiedAndDownloadable() throws Exception {
        ControlPlane.Response started = cp.post(base + "/backups", alice, "");
        assertThat(started.status()).as(started.body()).isEqualTo(202);
        String backupId = started.json().get("id").asText();
        assertThat(cp.post(base + "/backups", alice, "").status()).as("two backups of one database never run at once").isEqualTo(409);

        JsonNode backup = cp.awaitBackup(id, alice, backupId, Duration.ofSeconds(90), b -> "PASSED".equals(b.path("verification").asText())
                || "FAILED".equals(b.path("verification").asText()) || "FAILED".equals(b.path("status").asText()));
        assertThat(backup.get("status").asText()).isEqualTo("SUCCEEDED");
        assertThat(backup.get("verification").asText()).as(backup.toString()).isEqualTo("PASSED");
        assertThat(backup.get("verificationReason").asText()).contains("1,000").contains("vector");
        assertThat(backup.get("trigger").asText()).isEqualTo("ON_DEMAND");
        assertThat(backup.get("format").asText()).isEqualTo("custom");
        assertThat(backup.get("sourceMember").asText()).isEqualTo("shop-0");
        assertThat(backup.get("sizeBytes").asLong()).isPositive();
        assertThat(cp.get(base, alice).json().get("lastVerifiedBackupAt").asText()).isNotBlank();

        HttpResponse<byte[]> download = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create(cp.baseUrl() + base + "/backups/" + backupId + "/download"))
                .header("Authorization", "Bearer " + alice).build(), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(download.statusCode()).isEqualTo(200);
        assertThat(new String(download.body(), 0, 5)).isEqualTo("PGDMP");
        assertThat(download.body().length).isEqualTo(backup.get("sizeBytes").asInt());
        assertThat(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(download.body())))
                .isEqualTo(backup.get("sha256").asText());
    }

    @Test
    @Order(2)
    void anotherTenantSeesNoBackupEndpoint() {
        String backupId = cp.get(base + "/backups", alice).json().get(0).get("id").asText();
        assertThat(cp.get(base + "/backups", bob).status()).isEqualTo(404);
        assertThat(cp.get(base + "/backups/" + backupId, bob).status()).isEqualTo(404);
        assertThat(cp.get(base + "/backups/" + backupId + "/download", bob).status()).isEqualTo(404);
        assertThat(cp.delete(base + "/backups/" + backupId, bob).status()).isEqualTo(404);
        assertThat(cp.post(base + "/backups", bob, "").status()).isEqualTo(404);
        assertThat(cp.get(base + "/backup-policy", bob).status()).isEqualTo(404);
        assertThat(cp.put(base + "/backup-policy", bob, policy("0 0 3 * * ?", true, 7)).status()).isEqualTo(404);
        assertThat(cp.get(base + "/backups", alice).json()).hasSize(1);
    }

    @Test
    @Order(3)
    void aPolicyChangeReschedulesAtOnceAndRetentionKeepsTheNewestVerified() throws Exception {
        JsonNode defaults = cp.get(base + "/backup-policy", alice).json();
        assertThat(defaults.get("cron").asText()).isEqualTo("0 0 3 * * ?");
        assertThat(defaults.get("enabled").asBoolean()).isTrue();
        assertThat(defaults.get("verifyAfterBackup").asBoolean()).isTrue();
        ControlPlane.Response bad = cp.put(base + "/backup-policy", alice, policy("every day", true, 1));
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.json().get("detail").asText()).contains("cron");

        assertThat(cp.put(base + "/backup-policy", alice, policy("0/10 * * * * ?", true, 1)).status()).isEqualTo(200);
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        JsonNode scheduled = null;
        while (scheduled == null && System.nanoTime() < deadline) {
            for (JsonNode b : cp.get(base + "/backups", alice).json()) {
                if ("SCHEDULED".equals(b.get("trigger").asText()) && "PASSED".equals(b.get("verification").asText())) {
                    scheduled = b;
                }
            }
            Thread.sleep(500);
        }
        assertThat(scheduled).as("a backup fired by the 10-second schedule and verified").isNotNull();
        assertThat(cp.put(base + "/backup-policy", alice, policy("0 0 3 * * ?", false, 1)).status()).isEqualTo(200);
        // A firing that started before the schedule was disabled finishes (dump, verification, then retention): once
        // nothing is in flight, retention count 1 leaves one successful backup.
        JsonNode remaining = Polling.until("no backup in flight and one successful backup left", Duration.ofSeconds(90),
                Duration.ofMillis(500), () -> cp.get(base + "/backups", alice).json(), b -> !inFlight(b) && succeeded(b) == 1);
        assertThat(succeeded(remaining)).as("retention count 1 keeps one successful backup: " + remaining).isEqualTo(1);
        assertThat(remaining.get(0).get("verification").asText()).isEqualTo("PASSED");
    }

    private static long succeeded(JsonNode backups) {
        long succeeded = 0;
        for (JsonNode b : backups) {
            if ("SUCCEEDED".equals(b.get("status").asText())) {
                succeeded++;
            }
        }
        return succeeded;
    }

    @Test
    @Order(4)
    void aBackupRestoresIntoANewDatabaseWithTheSameRowsAndNeighbours() throws Exception {
        String backupId = cp.get(base + "/backups", alice).json().get(0).get("id").asText();
        assertThat(cp.post(base + "/restore", alice, "{\"backupId\":\"" + backupId + "\"}").status())
                .as("restoring over the source needs an explicit overwrite").isEqualTo(400);
        assertThat(cp.post(base + "/restore", bob, "{\"backupId\":\"" + backupId + "\",\"newDatabaseName\":\"stolen\"}").status())
                .isEqualTo(404);

        ControlPlane.Response started = cp.post(base + "/restore", alice,
                "{\"backupId\":\"" + backupId + "\",\"newDatabaseName\":\"shop-restored\"}");
        assertThat(started.status()).as(started.body()).isEqualTo(202);
        String target = started.json().get("targetDatabaseId").asText();
        cp.awaitStatus(target, alice, "READY", Duration.ofSeconds(120));
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        JsonNode restore = cp.get("/api/v1/databases/" + target + "/restores", alice).json().get(0);
        while (!restore.get("status").asText().matches("SUCCEEDED|FAILED") && System.nanoTime() < deadline) {
            Thread.sleep(500);
            restore = cp.get("/api/v1/databases/" + target + "/restores", alice).json().get(0);
        }
        assertThat(restore.get("status").asText()).as(restore.toString()).isEqualTo("SUCCEEDED");

        String query = "select id from items order by embedding <-> (select array_agg(0.5)::vector(16) from generate_series(1, 16)) limit 10";
        try (Connection original = cp.pooledConnection(id, alice); Connection restored = cp.pooledConnection(target, alice)) {
            assertThat(exactNeighbours(restored, query)).isEqualTo(exactNeighbours(original, query)).hasSize(10);
            assertThat(count(restored, "select count(*) from items")).isEqualTo(1000);
            assertThat(count(restored, "select count(*) from pg_indexes where indexname = 'items_embedding_idx'"
                    + " and indexdef like '%hnsw%'")).isEqualTo(1);
        }
        assertThat(cp.get("/api/v1/databases/" + target, alice).json().get("events").toString()).contains("RestoreSucceeded");
        assertThat(cp.delete("/api/v1/databases/" + target, alice).status()).isEqualTo(202);
    }

    @Test
    @Order(5)
    void restoringOverTheSourceWithAnExplicitOverwriteBringsBackTheBackedUpContents() throws Exception {
        String backupId = cp.get(base + "/backups", alice).json().get(0).get("id").asText();
        try (Connection c = cp.pooledConnection(id, alice); Statement s = c.createStatement()) {
            s.execute("delete from items where id <= 100");
            s.execute("create table scratch_notes (note text)");
        }
        ControlPlane.Response started = cp.post(base + "/restore", alice, "{\"backupId\":\"" + backupId + "\",\"overwrite\":true}");
        assertThat(started.status()).as(started.body()).isEqualTo(202);
        String restoreId = started.json().get("id").asText();
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        JsonNode restore = null;
        while (System.nanoTime() < deadline) {
            for (JsonNode r : cp.get(base + "/restores", alice).json()) {
                if (r.get("id").asText().equals(restoreId)) {
                    restore = r;
                }
            }
            if (restore != null && restore.get("status").asText().matches("SUCCEEDED|FAILED")) {
                break;
            }
            Thread.sleep(500);
        }
        assertThat(restore.get("status").asText()).as(restore.toString()).isEqualTo("SUCCEEDED");
        try (Connection c = cp.pooledConnection(id, alice)) {
            assertThat(count(c, "select count(*) from items")).isEqualTo(1000);
            // Objects the backup does not contain are left alone (pg_restore --clean drops only what it restores).
            assertThat(count(c, "select count(*) from pg_tables where tablename = 'scratch_notes'")).isEqualTo(1);
        }
    }

    @Test
    @Order(6)
    void deletingABackupRemovesItAndABackupOfADatabaseBeingDeletedIsRefused() {
        String backupId = cp.get(base + "/backups", alice).json().get(0).get("id").asText();
        assertThat(cp.delete(base + "/backups/" + backupId, alice).status()).isEqualTo(204);
        assertThat(cp.get(base + "/backups/" + backupId, alice).status()).isEqualTo(404);

        assertThat(cp.delete(base, alice).status()).isEqualTo(202);
        ControlPlane.Response refused = cp.post(base + "/backups", alice, "");
        assertThat(refused.status()).isIn(404, 409);
        if (refused.status() == 409) {
            assertThat(refused.json().get("detail").asText()).contains("being deleted");
        }
    }

    /** The true nearest neighbours (a sequential scan, inside one transaction so the pooler keeps one server connection). */
    private static java.util.List<Long> exactNeighbours(Connection c, String query) throws Exception {
        c.setAutoCommit(false);
        try (Statement s = c.createStatement()) {
            s.execute("set local enable_indexscan = off");
            java.util.List<Long> ids = new java.util.ArrayList<>();
            try (java.sql.ResultSet rs = s.executeQuery(query)) {
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
        try (Statement s = c.createStatement(); java.sql.ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static boolean inFlight(JsonNode backups) {
        for (JsonNode b : backups) {
            String status = b.get("status").asText();
            String verification = b.path("verification").asText();
            // A dump is recorded SUCCEEDED and NOT_VERIFIED a moment before its verification is requested (one that was
            // never run, because another verification held the lock, says why in its reason).
            if (status.equals("PENDING") || status.equals("RUNNING") || "PENDING".equals(verification)
                    || (status.equals("SUCCEEDED") && "NOT_VERIFIED".equals(verification) && b.path("verificationReason").asText("").isEmpty())) {
                return true;
            }
        }
        return false;
    }

    private static String policy(String cron, boolean enabled, int retentionCount) {
        return "{\"cron\":\"" + cron + "\",\"enabled\":" + enabled + ",\"retentionCount\":" + retentionCount
                + ",\"verifyAfterBackup\":true}";
    }
}
