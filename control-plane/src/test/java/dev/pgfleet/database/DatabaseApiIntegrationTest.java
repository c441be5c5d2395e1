package dev.pgfleet.database;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pgfleet.testsupport.ControlPlane;
import dev.pgfleet.testsupport.ControlPlane.Response;
import dev.pgfleet.testsupport.DataPlaneProcesses;
import dev.pgfleet.testsupport.Polling;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The database API over real HTTP against a real control plane: authentication, validation, tenant
 * isolation, quota, and a dev database's life (with real Patroni, PostgreSQL and PgBouncer processes).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Tag("integration")
class DatabaseApiIntegrationTest {
    private static final AtomicInteger TENANTS = new AtomicInteger();
    private ControlPlane cp;

    @BeforeAll
    void start() throws Exception {
        cp = ControlPlane.start(Map.of("pgfleet.database-quota", 2));
    }

    @AfterAll
    void stop() {
        if (cp != null) {
            cp.close();
        }
    }

    private String newTenant() {
        return cp.createTenant("tenant-" + TENANTS.incrementAndGet());
    }

    @Test
    void adminTokenIsWrittenOwnerOnly() throws Exception {
        Path file = cp.home().resolve("admin-token");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        assertThat(cp.adminToken()).startsWith("pgf_");
        String hashes = cp.bean(JdbcTemplate.class).queryForList("select token_hash from api_tokens", String.class).toString();
        assertThat(hashes).as("tokens are stored hashed").doesNotContain(cp.adminToken());
    }

    @Test
    void requestsWithoutAValidTokenGet401() {
        for (String token : new String[] {null, "pgf_not-a-token", ""}) {
            Response list = cp.get("/api/v1/databases", token);
            assertThat(list.status()).isEqualTo(401);
            assertThat(list.isProblem()).isTrue();
            assertThat(list.json().get("detail").asText()).contains("Bearer");
            assertThat(cp.post("/api/v1/databases", token, "{\"name\":\"x\",\"plan\":\"dev\"}").status()).isEqualTo(401);
            assertThat(cp.post("/api/v1/tenants", token, "{\"name\":\"x\"}").status()).isEqualTo(401);
        }
    }

    @Test
    void onlyTheAdminCreatesTenants() {
        Response r = cp.post("/api/v1/tenants", newTenant(), "{\"name\":\"sneaky\"}");
        assertThat(r.status()).isEqualTo(403);
        assertThat(r.isProblem()).isTrue();
        assertThat(cp.post("/api/v1/tenants", cp.adminToken(), "{\"name\":\"Bad Name\"}").status()).isEqualTo(400);
        cp.createTenant("dup-tenant");
        assertThat(cp.post("/api/v1/tenants", cp.adminToken(), "{\"name\":\"dup-tenant\"}").status()).isEqualTo(409);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "Shop", "1shop", "sh op", "sh\\\"op", "shop;drop", "a/b", "..", "../etc", "sh'op", "-x", "postgres",
            "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijkl"})
    void badNamesAreRefusedAndCreateNothing(String name) {
        String token = newTenant();
        long before = rows("databases") + rows("port_leases");
        Response r = cp.post("/api/v1/databases", token, "{\"name\":\"" + name + "\",\"plan\":\"dev\"}");
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.isProblem()).isTrue();
        assertThat(r.json().get("detail").asText()).contains("name");
        assertNothingCreated(token, before);
    }

    @Test
    void badBodiesAreRefusedWithClearMessages() {
        String token = newTenant();
        long before = rows("databases") + rows("port_leases");
        assertProblem(cp.post("/api/v1/databases", token, "{\"name\":\"shop\",\"plan\":\"gold\"}"), 400, "no plan 'gold'");
        assertProblem(cp.post("/api/v1/databases", token, "{\"name\":\"shop\"}"), 400, "'plan' is required");
        assertProblem(cp.post("/api/v1/databases", token, "{\"name\":\"shop\",\"plan\":\"dev\",\"size\":3}"), 400, "Unknown field 'size'");
        assertProblem(cp.post("/api/v1/databases", token, "{\"name\":\"shop\",\"plan\":"), 400, "not valid JSON");
        assertProblem(cp.post("/api/v1/databases", token, "{\"name\":\"shop\",\"plan\":\"dev\",\"postgresVersion\":\"x\"}"), 400,
                "postgresVersion");
        assertProblem(cp.post("/api/v1/databases", token, "{\"name\":\"shop\",\"plan\":\"dev\",\"postgresVersion\":99}"), 422,
                "PostgreSQL 99 is not installed");
        assertProblem(cp.get("/api/v1/databases/not-a-uuid", token), 404, "not-a-uuid");
        assertNothingCreated(token, before);
    }

    @Test
    void nodesAreListedForTheAdminOnly() {
        Response nodes = cp.get("/api/v1/nodes", cp.adminToken());
        assertThat(nodes.status()).isEqualTo(200);
        assertThat(nodes.json()).hasSize(1);
        assertThat(nodes.json().get(0).get("cpuMillis").asLong()).isEqualTo(Runtime.getRuntime().availableProcessors() * 1000L);
        assertThat(nodes.json().get(0).get("memoryBytes").asLong()).isPositive();
        assertThat(cp.get("/api/v1/nodes", newTenant()).status()).isEqualTo(403);
    }

    @Test
    void theApiIsDocumented() {
        Response docs = cp.get("/v3/api-docs", null);
        assertThat(docs.status()).isEqualTo(200);
        assertThat(docs.json().path("paths").has("/api/v1/databases/{id}/credentials")).isTrue();
        assertThat(docs.json().path("paths").path("/api/v1/databases/{id}/ca.crt").path("get").path("responses").path("200")
                .path("content").has("application/x-pem-file")).as("ca.crt is documented as PEM").isTrue();
        assertThat(cp.get("/swagger-ui/index.html", null).status()).isEqualTo(200);
    }

    /**
     * A dev database from request to deletion: quota and duplicate names are enforced, another tenant sees
     * nothing of it, a Patroni that dies on its own is restarted, and deletion leaves nothing behind.
     */
    @Test
    void devDatabaseLifecycleWithIsolationQuotaAndSelfHealing() throws Exception {
        String alice = newTenant();
        String bob = newTenant();

        Response created = cp.post("/api/v1/databases", alice, "{\"name\":\"shop\",\"plan\":\"dev\"}");
        assertThat(created.status()).isEqualTo(202);
        String id = created.json().get("id").asText();
        assertThat(created.location()).isEqualTo("/api/v1/databases/" + id);
        assertThat(created.json().path("connection").path("pooler").path("poolMode").asText()).isEqualTo("transaction");
        assertThat(created.body()).doesNotContain("password");

        assertProblem(cp.post("/api/v1/databases", alice, "{\"name\":\"shop\",\"plan\":\"dev\"}"), 409, "already have a database named 'shop'");
        // The same name in another tenant is fine (and proves names are per tenant).
        Response bobs = cp.post("/api/v1/databases", bob, "{\"name\":\"shop\",\"plan\":\"dev\"}");
        assertThat(bobs.status()).isEqualTo(202);
        Response second = cp.post("/api/v1/databases", alice, "{\"name\":\"second\",\"plan\":\"dev\"}");
        assertThat(second.status()).isEqualTo(202);
        assertProblem(cp.post("/api/v1/databases", alice, "{\"name\":\"third\",\"plan\":\"dev\"}"), 409, "quota allows 2");

        // Bob cannot see, read credentials of, or delete Alice's database.
        assertThat(cp.get("/api/v1/databases/" + id, bob).status()).isEqualTo(404);
        assertThat(cp.get("/api/v1/databases/" + id + "/credentials", bob).status()).isEqualTo(404);
        assertThat(cp.delete("/api/v1/databases/" + id, bob).status()).isEqualTo(404);
        assertThat(cp.get("/api/v1/databases", bob).json()).hasSize(1);
        assertThat(cp.get("/api/v1/databases", bob).json().get(0).get("id").asText()).isNotEqualTo(id);

        JsonNode ready = cp.awaitStatus(id, alice, "READY", Duration.ofSeconds(120));
        assertThat(ready.get("members")).hasSize(1);
        assertThat(ready.get("members").get(0).get("role").asText()).isEqualTo("leader");
        JsonNode credentials = cp.get("/api/v1/databases/" + id + "/credentials", alice).json();
        assertThat(credentials.get("password").asText()).hasSize(32);
        assertThat(credentials.get("poolerUri").asText()).startsWith("postgresql://shop:").endsWith("/shop?sslmode=verify-full");

        // The Kubernetes objects of this database, exported under the local runtime, with no secret in them.
        Response manifests = cp.get("/api/v1/databases/" + id + "/manifests", alice);
        assertThat(manifests.status()).isEqualTo(200);
        assertThat(manifests.contentType()).startsWith("application/yaml");
        assertThat(manifests.body()).contains("kind: StatefulSet", "kind: Deployment", "kind: NetworkPolicy",
                "storageClassName: local-nvme", "pgfleet.dev/spec-hash", "pool_mode = transaction", "<redacted>");
        assertThat(manifests.body()).doesNotContain(credentials.get("password").asText());
        assertThat(manifests.body().split("(?m)^---$").length - 1).isGreaterThan(10);
        assertThat(cp.get("/api/v1/databases/" + id + "/manifests", bob).status()).isEqualTo(404);

        // A Patroni that dies on its own is started again, and the database comes back.
        Path member = cp.home().resolve("databases").resolve(id).resolve("members").resolve("0");
        ProcessHandle patroni = DataPlaneProcesses.patroni(member).orElseThrow();
        patroni.destroyForcibly();
        assertThat(patroni.onExit().get().isAlive()).isFalse();
        cp.awaitDatabase(id, alice, Duration.ofSeconds(60), d -> "READY".equals(d.path("status").asText())
                && DataPlaneProcesses.patroni(member).map(p -> p.pid() != patroni.pid()).orElse(false));

        for (String[] db : new String[][] {{id, alice}, {second.json().get("id").asText(), alice}, {bobs.json().get("id").asText(), bob}}) {
            assertThat(cp.delete("/api/v1/databases/" + db[0], db[1]).status()).isEqualTo(202);
        }
        for (String[] db : new String[][] {{id, alice}, {second.json().get("id").asText(), alice}, {bobs.json().get("id").asText(), bob}}) {
            awaitGone(db[0], db[1]);
            assertThat(cp.home().resolve("databases").resolve(db[0])).doesNotExist();
        }
        assertThat(rows("port_leases")).isZero();
    }

    private void awaitGone(String id, String token) {
        Polling.until("database " + id + " gone", Duration.ofSeconds(90), Duration.ofMillis(500),
                () -> cp.get("/api/v1/databases/" + id, token).status() == 404);
    }

    private void assertNothingCreated(String token, long rowsBefore) {
        assertThat(cp.get("/api/v1/databases", token).json()).isEmpty();
        assertThat(rows("databases") + rows("port_leases")).isEqualTo(rowsBefore);
    }

    private long rows(String table) {
        return cp.bean(JdbcTemplate.class).queryForObject("select count(*) from " + table, Long.class);
    }

    private static void assertProblem(Response r, int status, String detailContains) {
        assertThat(r.status()).as(r.body()).isEqualTo(status);
        assertThat(r.isProblem()).as("problem+json: " + r.contentType()).isTrue();
        assertThat(r.json().get("detail").asText()).contains(detailContains);
        assertThat(r.json().get("title").asText()).isNotBlank();
    }
}
