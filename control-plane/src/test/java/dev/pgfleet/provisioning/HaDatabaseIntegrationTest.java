package dev.pgfleet.provisioning;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.pgvector.PGvector;
import dev.pgfleet.blueprint.Plan;
import dev.pgfleet.blueprint.PoolerSizing;
import dev.pgfleet.testsupport.ControlPlane;
import dev.pgfleet.testsupport.DataPlaneProcesses;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * One HA database's life against the real components, step by step: three Patroni members over etcd, a
 * PgBouncer in transaction mode, pgvector; then the leader is SIGKILLed, the control plane restarted, and
 * the database deleted.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Tag("integration")
class HaDatabaseIntegrationTest {
    private ControlPlane cp;
    private String token;
    private String id;
    private JsonNode credentials;

    @BeforeAll
    void createDatabase() throws Exception {
        cp = ControlPlane.start();
        token = cp.createTenant("vectors");
        ControlPlane.Response r = cp.post("/api/v1/databases", token, "{\"name\":\"shop\",\"plan\":\"ha\"}");
        assertThat(r.status()).as(r.body()).isEqualTo(202);
        id = r.json().get("id").asText();
    }

    @AfterAll
    void stop() {
        if (cp != null) {
            cp.close();
        }
    }

    @Test
    @Order(1)
    void becomesReadyWithOneLeaderAndOneSynchronousStandby() {
        JsonNode db = cp.awaitStatus(id, token, "READY", Duration.ofSeconds(180));
        assertThat(db.get("members")).hasSize(3);
        assertThat(roles(db)).containsExactlyInAnyOrder("leader", "sync_standby", "replica");
        assertThat(db.get("connection").get("direct").get("hosts")).hasSize(3);
        assertThat(db.get("connection").get("direct").get("targetSessionAttrs").asText()).isEqualTo("read-write");
        credentials = cp.get("/api/v1/databases/" + id + "/credentials", token).json();
        assertThat(credentials.get("directUri").asText()).endsWith("?target_session_attrs=read-write&sslmode=verify-full");
    }

    @Test
    @Order(2)
    void servesVectorSearchThroughThePooler() throws Exception {
        try (Connection c = pooled(); Statement s = c.createStatement()) {
            PGvector.addVectorType(c);
            s.execute("create table items (id bigserial primary key, embedding vector(3))");
            s.execute("create index on items using hnsw (embedding vector_cosine_ops)");
            try (PreparedStatement ps = c.prepareStatement("insert into items (embedding) values (?)")) {
                for (float[] v : new float[][] {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}, {1, 1, 0}}) {
                    ps.setObject(1, new PGvector(v));
                    ps.executeUpdate();
                }
            }
            try (PreparedStatement q = c.prepareStatement("select id, embedding from items order by embedding <=> ? limit 2")) {
                q.setObject(1, new PGvector(new float[] {0.9f, 0.1f, 0}));
                try (ResultSet rs = q.executeQuery()) {
                    assertThat(rs.next()).isTrue();
                    assertThat(rs.getLong(1)).isEqualTo(1);
                    assertThat(((PGvector) rs.getObject(2)).toArray()).containsExactly(1f, 0f, 0f);
                    assertThat(rs.next()).isTrue();
                    assertThat(rs.getLong(1)).isEqualTo(4);
                }
            }
            try (ResultSet rs = s.executeQuery("select indexdef from pg_indexes where tablename = 'items' and indexdef like '%hnsw%'")) {
                assertThat(rs.next()).as("the HNSW index exists").isTrue();
            }
        }
    }

    @Test
    @Order(3)
    void insightsShowThePoolTheSizeAndTheVectorIndexesWithTheirScans() throws Exception {
        JsonNode insight;
        try (Connection held = pooled(); Statement hold = held.createStatement()) {
            // An open transaction keeps one client linked to one server connection: the pool is not idle. It is
            // opened first so that the index scans below run on another server connection, which goes idle and
            // so flushes its statistics (a backend idle in a transaction would keep them pending).
            held.setAutoCommit(false);
            hold.execute("select 1");
            try (Connection c = pooled(); Statement s = c.createStatement()) {
                s.execute("insert into items (embedding) select array[random(), random(), random()]::vector from generate_series(1, 500)");
                s.execute("create index items_ivfflat on items using ivfflat (embedding vector_l2_ops) with (lists = 4)");
                c.setAutoCommit(false);
                // A table this small is otherwise read sequentially; SET LOCAL stays inside the pooled transaction.
                s.execute("set local enable_seqscan = off");
                for (String operator : List.of("<=>", "<->")) {
                    try (ResultSet rs = s.executeQuery("select id from items order by embedding " + operator + " '[1,0,0]' limit 3")) {
                        assertThat(rs.next()).isTrue();
                    }
                }
                c.commit();
            }
            // An idle backend flushes its counters within about ten seconds (PostgreSQL 15's cumulative statistics).
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            do {
                Thread.sleep(500);
                ControlPlane.Response r = cp.get("/api/v1/databases/" + id + "/insights", token);
                assertThat(r.status()).as(r.body()).isEqualTo(200);
                insight = r.json();
            } while (System.nanoTime() < deadline && !scannedIndexes(insight).equals(List.of("hnsw", "ivfflat")));
            held.rollback();
        }
        assertThat(insight.get("problems")).as(insight.toString()).isEmpty();
        assertThat(insight.get("sizeBytes").asLong()).as("pg_database_size").isGreaterThan(1_000_000);
        JsonNode pooler = insight.get("pooler");
        assertThat(pooler.get("clientActive").asLong()).as("cl_active").isGreaterThanOrEqualTo(1);
        assertThat(pooler.get("serverActive").asLong()).as("sv_active").isGreaterThanOrEqualTo(1);
        assertThat(pooler.get("clientWaiting").asLong()).as("cl_waiting").isZero();
        assertThat(pooler.get("poolers").asInt()).isEqualTo(1);
        assertThat(scannedIndexes(insight)).as(insight.get("vectorIndexes").toString()).containsExactly("hnsw", "ivfflat");
        for (JsonNode index : insight.get("vectorIndexes")) {
            assertThat(index.get("table").asText()).isEqualTo("items");
            assertThat(index.get("sizeBytes").asLong()).isPositive();
        }
        assertThat(names(insight.get("vectorIndexes"), "operatorClass")).contains("vector_cosine_ops", "vector_l2_ops");
    }

    @Test
    @Order(4)
    void aBackupIsTakenFromAReplicaInOneSnapshotAndVerified() throws Exception {
        ControlPlane.Response started = cp.post("/api/v1/databases/" + id + "/backups", token, "");
        assertThat(started.status()).as(started.body()).isEqualTo(202);
        String backup = "/api/v1/databases/" + id + "/backups/" + started.json().get("id").asText();
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        JsonNode b = cp.get(backup, token).json();
        while (!b.path("verification").asText().matches("PASSED|FAILED") && !"FAILED".equals(b.path("status").asText())
                && System.nanoTime() < deadline) {
            Thread.sleep(300);
            b = cp.get(backup, token).json();
        }
        assertThat(b.get("verification").asText()).as(b.toString()).isEqualTo("PASSED");
        String leader = leader(cp.get("/api/v1/databases/" + id, token).json());
        assertThat(b.get("sourceMember").asText()).as("dumped from a replica, sparing the leader").isNotEqualTo(leader);
    }

    @Test
    @Order(5)
    void fiftyClientsShareABoundedPoolOfServerConnections() throws Exception {
        int limit = PoolerSizing.forResources(Plan.HA.memberResources()).maxServerConnections();
        int clients = 50;
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        CountDownLatch allConnected = new CountDownLatch(clients);
        AtomicInteger succeeded = new AtomicInteger();
        AtomicInteger maxServerConnections = new AtomicInteger();
        AtomicBoolean done = new AtomicBoolean();
        try (Connection direct = directToLeader()) {
            List<Future<?>> futures = new ArrayList<>();
            for (int i = 0; i < clients; i++) {
                futures.add(pool.submit(() -> {
                    try (Connection c = pooled(); Statement s = c.createStatement()) {
                        allConnected.countDown();
                        allConnected.await(60, TimeUnit.SECONDS);
                        for (int round = 0; round < 3; round++) {
                            s.execute("select pg_sleep(0.2)");
                        }
                        succeeded.incrementAndGet();
                    }
                    return null;
                }));
            }
            assertThat(allConnected.await(60, TimeUnit.SECONDS)).as("all 50 clients connected to the pooler at once").isTrue();
            Thread sampler = new Thread(() -> {
                while (!done.get()) {
                    maxServerConnections.accumulateAndGet(serverConnections(direct), Math::max);
                }
            });
            sampler.start();
            for (Future<?> f : futures) {
                f.get(120, TimeUnit.SECONDS);
            }
            done.set(true);
            sampler.join();
        } finally {
            pool.shutdownNow();
        }
        assertThat(succeeded).hasValue(clients);
        assertThat(maxServerConnections.get()).as("server connections seen by PostgreSQL").isBetween(1, limit);
    }

    @Test
    @Order(6)
    void survivesSigkillOfTheLeaderWithoutLosingACommittedRow() throws Exception {
        String oldLeader = leader(cp.get("/api/v1/databases/" + id, token).json());
        try (Connection c = pooled(); Statement s = c.createStatement()) {
            s.execute("create table acked (id int primary key)");
            for (int i = 1; i <= 200; i++) {
                s.executeUpdate("insert into acked values (" + i + ")");
            }
        }
        Path memberDir = memberDir(oldLeader);
        ProcessHandle patroni = DataPlaneProcesses.patroni(memberDir).orElseThrow();
        ProcessHandle postmaster = DataPlaneProcesses.postmaster(memberDir).orElseThrow();
        patroni.destroyForcibly();
        postmaster.destroyForcibly();
        long killedAt = System.nanoTime();

        boolean written = false;
        // A bound for correctness on a loaded machine (the ttl is 7 s); how fast it really is is the failover benchmark's.
        while (!written && System.nanoTime() - killedAt < Duration.ofSeconds(90).toNanos()) {
            try (Connection c = pooled(); Statement s = c.createStatement()) {
                s.setQueryTimeout(3);
                s.executeUpdate("insert into acked values (201)");
                written = true;
            } catch (SQLException notYet) {
                Thread.sleep(200);
            }
        }
        double seconds = (System.nanoTime() - killedAt) / 1e9;
        assertThat(written).as("the pooler URI accepted a write within 90 s of the SIGKILL").isTrue();
        System.out.printf("writes accepted again %.1f s after the leader was killed%n", seconds);

        try (Connection c = pooled(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery("select count(*) from acked")) {
            rs.next();
            assertThat(rs.getInt(1)).as("every acknowledged row survived").isEqualTo(201);
        }
        JsonNode after = cp.awaitDatabase(id, token, Duration.ofSeconds(30), d -> {
            String l = leader(d);
            return l != null && !l.equals(oldLeader);
        });
        assertThat(leader(after)).isNotEqualTo(oldLeader);
    }

    @Test
    @Order(7)
    void theOldLeaderRejoinsAndTheControlPlaneReadoptsTheDataPlaneAfterARestart() throws Exception {
        JsonNode ready = cp.awaitStatus(id, token, "READY", Duration.ofSeconds(120));
        assertThat(roles(ready)).containsExactlyInAnyOrder("leader", "sync_standby", "replica");
        List<Long> before = dataPlanePids();

        cp.restart();

        JsonNode again = cp.awaitStatus(id, token, "READY", Duration.ofSeconds(60));
        Thread.sleep(5000); // a few resyncs: nothing may be started twice or replaced
        assertThat(dataPlanePids()).as("patroni x3, pgbouncer, etcd, read-only haproxy and pgbouncer").isEqualTo(before);
        assertThat(again.get("members")).hasSize(3);
        try (Connection c = pooled(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery("select count(*) from acked")) {
            rs.next();
            assertThat(rs.getInt(1)).isEqualTo(201);
        }
    }

    @Test
    @Order(8)
    void deletionLeavesNoProcessDataOrPortBehind() throws Exception {
        JsonNode db = cp.get("/api/v1/databases/" + id, token).json();
        List<Integer> ports = new ArrayList<>();
        ports.add(db.get("connection").get("pooler").get("port").asInt());
        db.get("members").forEach(m -> ports.add(m.get("port").asInt()));
        List<ProcessHandle> processes = new ArrayList<>();
        for (int n = 0; n < 3; n++) {
            Path member = cp.home().resolve("databases").resolve(id).resolve("members").resolve(Integer.toString(n));
            DataPlaneProcesses.patroni(member).ifPresent(processes::add);
            DataPlaneProcesses.postmaster(member).ifPresent(processes::add);
        }
        DataPlaneProcesses.pgbouncer(cp.home().resolve("databases").resolve(id).resolve("pooler")).ifPresent(processes::add);
        assertThat(processes).hasSize(7);

        assertThat(cp.delete("/api/v1/databases/" + id, token).status()).isEqualTo(202);
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (cp.get("/api/v1/databases/" + id, token).status() != 404) {
            assertThat(System.nanoTime()).as("still there after 120 s").isLessThan(deadline);
            Thread.sleep(500);
        }
        assertThat(processes).allSatisfy(p -> assertThat(p.isAlive()).as("pid " + p.pid()).isFalse());
        assertThat(cp.home().resolve("databases").resolve(id)).doesNotExist();
        for (int port : ports) {
            assertThat(listening(port)).as("port " + port).isFalse();
        }
        assertThat(cp.get("/api/v1/databases", token).json()).isEmpty();
    }

    // ---- helpers ----

    /** The access methods of the vector indexes that have been scanned at least once, sorted. */
    private static List<String> scannedIndexes(JsonNode insight) {
        List<String> methods = new ArrayList<>();
        insight.path("vectorIndexes").forEach(ix -> {
            if (ix.get("scans").asLong() >= 1) {
                methods.add(ix.get("method").asText());
            }
        });
        return methods.stream().sorted().toList();
    }

    private static List<String> names(JsonNode array, String field) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.get(field).asText()));
        return out;
    }

    private Connection pooled() throws SQLException {
        return cp.pooledConnection(id, token, Map.of("connectTimeout", "3", "socketTimeout", "30"));
    }

    private Connection directToLeader() throws SQLException {
        Properties p = cp.verifyFull(id, token);
        String hosts = String.join(",", hostPorts());
        return DriverManager.getConnection("jdbc:postgresql://" + hosts + "/shop?targetServerType=primary", p);
    }

    private List<String> hostPorts() {
        List<String> out = new ArrayList<>();
        cp.get("/api/v1/databases/" + id, token).json().get("connection").get("direct").get("hosts")
                .forEach(h -> out.add(h.get("host").asText() + ":" + h.get("port").asInt()));
        return out;
    }

    private static int serverConnections(Connection direct) {
        try (Statement s = direct.createStatement(); ResultSet rs = s.executeQuery(
                "select count(*) from pg_stat_activity where usename = 'shop' and backend_type = 'client backend'"
                        + " and pid <> pg_backend_pid()")) {
            rs.next();
            return rs.getInt(1);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private Path memberDir(String memberName) {
        String ordinal = memberName.substring(memberName.lastIndexOf('-') + 1);
        return cp.home().resolve("databases").resolve(id).resolve("members").resolve(ordinal);
    }

    private List<Long> dataPlanePids() {
        List<Long> pids = new ArrayList<>();
        for (int n = 0; n < 3; n++) {
            pids.add(DataPlaneProcesses.patroni(cp.home().resolve("databases").resolve(id).resolve("members")
                    .resolve(Integer.toString(n))).orElseThrow().pid());
        }
        pids.add(DataPlaneProcesses.pgbouncer(cp.home().resolve("databases").resolve(id).resolve("pooler")).orElseThrow().pid());
        pids.add(DataPlaneProcesses.etcd(cp.home()).orElseThrow().pid());
        // The read-only endpoint's HAProxy and PgBouncer are adopted the same way.
        Path readOnly = cp.home().resolve("databases").resolve(id).resolve("read-only");
        pids.add(DataPlaneProcesses.haproxy(readOnly).orElseThrow().pid());
        pids.add(DataPlaneProcesses.pgbouncer(readOnly).orElseThrow().pid());
        return pids;
    }

    private static List<String> roles(JsonNode db) {
        List<String> roles = new ArrayList<>();
        db.get("members").forEach(m -> roles.add(m.path("role").asText()));
        return roles;
    }

    private static String leader(JsonNode db) {
        for (JsonNode m : db.get("members")) {
            if ("leader".equals(m.path("role").asText())) {
                return m.get("name").asText();
            }
        }
        return null;
    }

    private static boolean listening(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
