package dev.pgfleet.security;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pgfleet.database.Database;
import dev.pgfleet.database.DatabaseRepository;
import dev.pgfleet.provisioning.DesiredClusters;
import dev.pgfleet.system.process.DataPlaneEnvironments;
import dev.pgfleet.testsupport.ControlPlane;
import dev.pgfleet.testsupport.TenantAttack;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * A hostile tenant against every path on which pgfleet runs something in their database or on their dump
 * (insights, the backup's manifest queries and pg_dump, the verification restore, a restore into the database, the
 * drill probe), through the real API against a real HA cluster. The tenant plants look-alike functions and
 * operators, a CHECK constraint, an index expression, a default, a materialized view and triggers that would make
 * them superuser and run a program (see {@link TenantAttack}); after each path the owner is still not a superuser,
 * no other role became one, and no program ran. The last step is the positive control: the same function called by
 * a superuser does both, so the checks before it could have failed.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Tag("integration")
class TenantAttackIntegrationTest {
    private ControlPlane cp;
    private String mallory;
    private String id;
    private String base;
    private String owner;
    private TenantAttack attack;

    @BeforeAll
    void plantTheAttack() throws Exception {
        cp = ControlPlane.start();
        mallory = cp.createTenant("mallory");
        id = cp.post("/api/v1/databases", mallory, "{\"name\":\"evil\",\"plan\":\"ha\"}").json().get("id").asText();
        base = "/api/v1/databases/" + id;
        cp.awaitStatus(id, mallory, "READY", Duration.ofSeconds(180));
        owner = cp.get(base + "/credentials", mallory).json().get("username").asText();
        attack = TenantAttack.forOwner(owner);
        try (Connection c = pooled(); Statement s = c.createStatement()) {
            attack.plant(c, "evil");
            s.execute("create table public.items (id bigint primary key, embedding vector(3))");
            s.execute("insert into public.items select g, pg_catalog.array_fill(g::real, array[3])::vector from generate_series(1, 50) g");
            s.execute("create index items_embedding_idx on public.items using hnsw (embedding vector_l2_ops)");
            attack.arm(c);
        }
        // A backup is taken from a replica: wait until every replica has replayed the planted objects.
        cp.awaitDatabase(id, mallory, Duration.ofSeconds(60), db -> {
            int caughtUp = 0;
            for (JsonNode m : db.get("members")) {
                caughtUp += "leader".equals(m.path("role").asText()) || m.path("lagBytes").asLong(-1) == 0 ? 1 : 0;
            }
            return caughtUp == 3;
        });
    }

    @AfterAll
    void stop() {
        if (attack != null) {
            attack.removeMarker();
        }
        if (cp != null) {
            cp.close();
        }
    }

    @Test
    @Order(1)
    void insightsRunNoTenantCode() throws Exception {
        ControlPlane.Response insights = cp.get(base + "/insights", mallory);

        assertThat(insights.status()).as(insights.body()).isEqualTo(200);
        JsonNode body = insights.json();
        assertThat(body.get("problems")).as(body.toString()).isEmpty();
        assertThat(body.get("sizeBytes").asLong()).isPositive();
        assertThat(body.get("vectorIndexes").toString()).contains("items_embedding_idx");
        assertNotEscalated("insights");
    }

    @Test
    @Order(2)
    void aBackupAndItsVerificationRunNoTenantCodeWithPrivileges() throws Exception {
        ControlPlane.Response started = cp.post(base + "/backups", mallory, "");
        assertThat(started.status()).as(started.body()).isEqualTo(202);

        JsonNode backup = cp.awaitBackup(id, mallory, started.json().get("id").asText(), Duration.ofSeconds(180),
                b -> b.path("verification").asText().matches("PASSED|FAILED") || "FAILED".equals(b.path("status").asText()));

        assertThat(backup.get("status").asText()).as(backup.toString()).isEqualTo("SUCCEEDED");
        // The restore ran the CHECK constraint, the index expression and the materialized view as the unprivileged
        // restorer: their escalation failed quietly inside them, so the restore itself succeeded.
        assertThat(backup.get("verification").asText()).as(backup.toString()).isEqualTo("PASSED");
        assertThat(backup.get("verificationReason").asText()).contains("150 rows");
        assertNotEscalated("backup and verification");
    }

    @Test
    @Order(3)
    void aRestoreIntoTheDatabaseRunsTenantCodeAsTheOwnerOnly() throws Exception {
        String backupId = cp.get(base + "/backups", mallory).json().get(0).get("id").asText();
        ControlPlane.Response started = cp.post(base + "/restore", mallory, "{\"backupId\":\"" + backupId + "\",\"overwrite\":true}");
        assertThat(started.status()).as(started.body()).isEqualTo(202);
        String restoreId = started.json().get("id").asText();

        JsonNode restore = null;
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (System.nanoTime() < deadline) {
            for (JsonNode r : cp.get(base + "/restores", mallory).json()) {
                if (r.get("id").asText().equals(restoreId)) {
                    restore = r;
                }
            }
            if (restore != null && restore.get("status").asText().matches("SUCCEEDED|FAILED")) {
                break;
            }
            Thread.sleep(500);
        }
        assertThat(restore).isNotNull();
        assertThat(restore.get("status").asText()).as(restore.toString()).isEqualTo("SUCCEEDED");
        try (Connection c = pooled(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("select pg_catalog.count(*) from public.guarded")) {
            rs.next();
            assertThat(rs.getLong(1)).isEqualTo(100);
        }
        assertNotEscalated("restore");
    }

    @Test
    @Order(4)
    void aDrillsProbeRunsTheTenantsTriggerAsTheOwnerOnly() throws Exception {
        // The restore replaced the tenant's objects; the trap on the probe's table is planted again.
        try (Connection c = pooled(); Statement s = c.createStatement()) {
            s.execute("create schema if not exists pgfleet_drill");
            s.execute("create table if not exists pgfleet_drill.probe (drill_id uuid not null, seq bigint not null,"
                    + " written_at timestamptz not null default pg_catalog.clock_timestamp(), primary key (drill_id, seq))");
            s.execute("drop trigger if exists probe_trigger on pgfleet_drill.probe");
            s.execute("create trigger probe_trigger before insert on pgfleet_drill.probe for each row"
                    + " execute function public.pgfleet_attack_trigger()");
        }
        ControlPlane.Response started = cp.postOnceClusterIsWhole(base + "/drills", mallory, "{\"type\":\"switchover\"}");
        assertThat(started.status()).as(started.body()).isEqualTo(202);
        String drillId = started.json().get("id").asText();

        JsonNode drill = null;
        long deadline = System.nanoTime() + Duration.ofSeconds(180).toNanos();
        while (System.nanoTime() < deadline) {
            drill = cp.get(base + "/drills/" + drillId, mallory).json();
            if (drill.get("status").asText().matches("PASSED|FAILED")) {
                break;
            }
            Thread.sleep(500);
        }
        assertThat(drill.get("status").asText()).as(drill.toString()).matches("PASSED|FAILED");
        assertThat(drill.get("acknowledgedWrites").asLong()).as("the probe wrote through the trigger").isPositive();
        cp.awaitStatus(id, mallory, "READY", Duration.ofSeconds(120));
        assertNotEscalated("drill probe");
    }

    @Test
    @Order(5)
    void noDataPlaneProcessCarriesAControlPlaneSecret() throws Exception {
        String canary = System.getenv("PGFLEET_ENV_CANARY");
        assertThat(canary).as("failsafe sets it for the control plane's JVM, so a leak would show").isNotBlank();
        List<String> secrets = new ArrayList<>(List.of(canary, cp.adminToken()));
        Path adminPassword = cp.home().resolve("admin-password");
        if (Files.exists(adminPassword)) {
            secrets.add(Files.readString(adminPassword).strip());
        }
        List<Long> pids = dataPlanePids();
        assertThat(pids).as("etcd, 3 Patroni, their postmasters and backends, PgBouncer").hasSizeGreaterThan(8);
        for (long pid : pids) {
            Map<String, String> env;
            try {
                env = DataPlaneEnvironments.read(pid);
            } catch (java.io.IOException gone) {
                continue; // a backend that ended meanwhile
            }
            assertThat(env.keySet()).as("pid %d", pid).noneMatch(k -> k.startsWith("PGFLEET_"));
            for (String secret : secrets) {
                assertThat(env.values()).as("pid %d", pid).noneMatch(v -> v.contains(secret));
            }
        }
    }

    @Test
    @Order(6)
    void positiveControlTheArmedFunctionEscalatesWhenASuperuserRunsIt() throws Exception {
        try (Connection superuser = superuserOnLeader()) {
            assertThat(attack.ownerIsSuperuser(superuser)).isFalse();
            assertThat(attack.programRan()).isFalse();

            attack.proveArmed(superuser);

            assertThat(attack.ownerIsSuperuser(superuser)).as("a superuser running tenant code hands over the cluster").isTrue();
            assertThat(attack.programRan()).as("COPY ... TO PROGRAM ran as the data-plane user").isTrue();
            attack.disarmAfterProof(superuser);
            assertThat(attack.ownerIsSuperuser(superuser)).isFalse();
        }
    }

    private void assertNotEscalated(String path) throws Exception {
        assertThat(attack.programRan()).as("a program ran during " + path).isFalse();
        try (Connection superuser = superuserOnLeader(); Statement s = superuser.createStatement();
             ResultSet rs = s.executeQuery("select rolname from pg_catalog.pg_roles where rolsuper order by 1")) {
            List<String> superusers = new ArrayList<>();
            while (rs.next()) {
                superusers.add(rs.getString(1));
            }
            assertThat(superusers).as("superusers after " + path).containsExactly("postgres");
        }
    }

    /** Every process under this control plane's home: etcd, Patroni, PgBouncer, postmasters and their children. */
    private List<Long> dataPlanePids() {
        String home = cp.home().toString();
        List<Long> pids = new ArrayList<>();
        ProcessHandle.allProcesses().forEach(p -> {
            if (commandLine(p.pid()).contains(home)) {
                pids.add(p.pid());
                p.descendants().forEach(d -> pids.add(d.pid()));
            }
        });
        return pids.stream().distinct().toList();
    }

    private static String commandLine(long pid) {
        try {
            return new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline"))).replace('\0', ' ');
        } catch (java.io.IOException e) {
            return "";
        }
    }

    private Connection superuserOnLeader() throws Exception {
        Database db = cp.bean(DatabaseRepository.class).findById(UUID.fromString(id)).orElseThrow();
        String password = cp.bean(DesiredClusters.class).of(db).secrets().superuserPassword();
        int port = -1;
        for (JsonNode m : cp.get(base, mallory).json().get("members")) {
            if ("leader".equals(m.path("role").asText())) {
                port = m.get("port").asInt();
            }
        }
        Properties p = new Properties();
        p.setProperty("user", "postgres");
        p.setProperty("password", password);
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/evil", p);
    }

    private Connection pooled() throws Exception {
        return cp.pooledConnection(id, mallory);
    }
}
