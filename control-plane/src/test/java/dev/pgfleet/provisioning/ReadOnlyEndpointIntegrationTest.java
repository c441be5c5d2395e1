package dev.pgfleet.provisioning;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pgfleet.blueprint.ReadOnlyEndpoint;
import dev.pgfleet.testsupport.ControlPlane;
import dev.pgfleet.testsupport.DataPlaneProcesses;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The read-only endpoint of an {@code ha} database against the real components (Patroni, PostgreSQL, HAProxy, two
 * PgBouncers): reads spread over the replicas, writes fail read-only, a replica whose replay lags past the bound
 * leaves the rotation and comes back, with no replica left the leader serves (still read-only), and after a
 * switchover the reads follow the new replicas. A {@code dev} database has no such endpoint.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Tag("integration")
class ReadOnlyEndpointIntegrationTest {
    /** Concurrent transactions held open at once: each needs its own server connection, so the proxy spreads them. */
    private static final int SPREAD = 8;
    private static final Duration ROUTING = Duration.ofSeconds(45);
    private ControlPlane cp;
    private String token;
    private String id;
    private JsonNode credentials;

    @BeforeAll
    void createDatabase() throws Exception {
        cp = ControlPlane.start();
        token = cp.createTenant("readers");
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
    void anHaDatabaseGetsAReadOnlyEndpointWithItsLagBound() throws Exception {
        JsonNode db = cp.awaitStatus(id, token, "READY", Duration.ofSeconds(180));
        credentials = cp.get("/api/v1/databases/" + id + "/credentials", token).json();
        URI pooler = URI.create(credentials.get("poolerUri").asText());
        URI readOnly = URI.create(credentials.get("readOnlyUri").asText());
        assertThat(readOnly.getHost()).isEqualTo(pooler.getHost());
        assertThat(readOnly.getPort()).isNotEqualTo(pooler.getPort());
        assertThat(readOnly.getPath()).isEqualTo("/shop");
        JsonNode view = db.get("connection").get("readOnly");
        assertThat(view.get("port").asInt()).isEqualTo(readOnly.getPort());
        assertThat(view.get("lagBoundBytes").asLong()).isEqualTo(ReadOnlyEndpoint.LAG_BOUND_BYTES);
        try (Connection c = pooled(); Statement s = c.createStatement()) {
            s.execute("create table items (id bigserial primary key, embedding vector(3))");
            s.execute("insert into items (embedding) values ('[1,0,0]'), ('[0,1,0]'), ('[0,0,1]')");
            s.execute("create table filler (payload text)");
        }
        awaitView(d -> rotation(d).size() == 2);
    }

    @Test
    @Order(2)
    void readsSpreadOverBothReplicasAndWritesFailReadOnly() throws Exception {
        Set<Integer> replicas = replicaPorts();
        Set<Integer> seen = awaitReadsOn(replicas, true);
        assertThat(seen).as("both replicas serve reads").isEqualTo(replicas);
        try (Connection c = readOnly(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("select id from items order by embedding <=> '[0.9,0.1,0]' limit 1")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getLong(1)).isEqualTo(1);
        }
        assertWritesFailReadOnly();
    }

    @Test
    @Order(3)
    void aReplicaLaggingPastTheBoundLeavesTheRotationAndComesBack() throws Exception {
        List<String> replicas = replicaNames(view());
        String lagging = replicas.get(0);
        String other = replicas.get(1);
        ProcessHandle replay = replayProcess(lagging);
        signal(replay, "STOP");
        try {
            writeMoreWalThanTheBound();
            JsonNode d = awaitView(v -> rotation(v).equals(Set.of(other)));
            JsonNode replica = replicaView(d, lagging);
            assertThat(replica.get("lagBytes").asLong()).as("the replay lag the API shows").isGreaterThan(ReadOnlyEndpoint.LAG_BOUND_BYTES);
            assertThat(d.get("connection").get("readOnly").get("leaderFallback").asBoolean()).isFalse();
            assertThat(awaitReadsOn(Set.of(port(d, other)), true)).containsExactly(port(d, other));
        } finally {
            signal(replay, "CONT");
        }
        awaitView(v -> rotation(v).size() == 2);
        assertThat(awaitReadsOn(replicaPorts(), true)).isEqualTo(replicaPorts());
    }

    @Test
    @Order(4)
    void withNoReplicaInRotationTheLeaderServesReadsAndStillRefusesWrites() throws Exception {
        List<String> replicas = replicaNames(view());
        ProcessHandle a = replayProcess(replicas.get(0));
        ProcessHandle b = replayProcess(replicas.get(1));
        signal(a, "STOP");
        signal(b, "STOP");
        try {
            writeMoreWalThanTheBound();
            JsonNode d = awaitView(v -> rotation(v).isEmpty());
            assertThat(d.get("connection").get("readOnly").get("leaderFallback").asBoolean()).isTrue();
            int leader = port(d, leaderName(d));
            assertThat(awaitReadsOn(Set.of(leader), false)).containsExactly(leader);
            assertWritesFailReadOnly();
            // A session SET in transaction mode would otherwise stay on the server connection for the next client.
            try (Connection c = readOnly(); Statement s = c.createStatement()) {
                s.execute("set default_transaction_read_only = off");
            }
            assertWritesFailReadOnly();
        } finally {
            signal(a, "CONT");
            signal(b, "CONT");
        }
        awaitView(v -> rotation(v).size() == 2);
        // The replicas' return ends the leader's sessions (shutdown-backup-sessions): reads go back to them.
        assertThat(awaitReadsOn(replicaPorts(), true)).isEqualTo(replicaPorts());
    }

    @Test
    @Order(5)
    void afterASwitchoverReadsGoToTheNewReplicas() throws Exception {
        JsonNode before = view();
        String oldLeader = leaderName(before);
        // In synchronous mode only the synchronous standby may take over.
        String candidate = memberWithRole(before, "sync_standby");
        ControlPlane.Response r = cp.postOnceClusterIsWhole("/api/v1/databases/" + id + "/switchover", token, "");
        assertThat(r.status()).as(r.body()).isBetween(200, 299);
        JsonNode after = awaitView(v -> candidate.equals(leaderName(v)) && rotation(v).size() == 2);
        assertThat(rotation(after)).contains(oldLeader).doesNotContain(candidate);
        Set<Integer> replicas = replicaPorts();
        assertThat(awaitReadsOn(replicas, true)).isEqualTo(replicas);
        assertWritesFailReadOnly();
    }

    @Test
    @Order(6)
    void theReconcilerRestartsAKilledProxyAndDeleteStopsBoth() throws Exception {
        Path dir = cp.home().resolve("databases").resolve(id).resolve("read-only");
        ProcessHandle proxy = DataPlaneProcesses.haproxy(dir).orElseThrow();
        ProcessHandle pgbouncer = DataPlaneProcesses.pgbouncer(dir).orElseThrow();
        proxy.destroyForcibly();
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (DataPlaneProcesses.haproxy(dir).filter(p -> p.pid() != proxy.pid()).isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(200);
        }
        ProcessHandle restarted = DataPlaneProcesses.haproxy(dir).orElseThrow(() -> new AssertionError("HAProxy was not restarted"));
        assertThat(restarted.pid()).isNotEqualTo(proxy.pid());
        assertThat(awaitReadsOn(replicaPorts(), true)).isEqualTo(replicaPorts());

        assertThat(cp.delete("/api/v1/databases/" + id, token).status()).isEqualTo(202);
        deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (cp.get("/api/v1/databases/" + id, token).status() != 404 && System.nanoTime() < deadline) {
            Thread.sleep(300);
        }
        assertThat(cp.get("/api/v1/databases/" + id, token).status()).isEqualTo(404);
        assertThat(restarted.isAlive()).as("HAProxy stopped").isFalse();
        assertThat(pgbouncer.isAlive()).as("the read-only PgBouncer stopped").isFalse();
    }

    @Test
    @Order(7)
    void aDevDatabaseHasNoReadOnlyEndpoint() {
        ControlPlane.Response r = cp.post("/api/v1/databases", token, "{\"name\":\"solo\",\"plan\":\"dev\"}");
        assertThat(r.status()).as(r.body()).isEqualTo(202);
        String dev = r.json().get("id").asText();
        JsonNode db = cp.awaitStatus(dev, token, "READY", Duration.ofSeconds(120));
        // The API leaves null members out.
        assertThat(db.get("connection").path("readOnly").isMissingNode()).as(db.get("connection").toString()).isTrue();
        JsonNode c = cp.get("/api/v1/databases/" + dev + "/credentials", token).json();
        assertThat(c.get("poolerUri").isTextual()).isTrue();
        assertThat(c.path("readOnlyUri").isMissingNode()).as(c.toString()).isTrue();
        assertThat(cp.home().resolve("databases").resolve(dev).resolve("read-only")).doesNotExist();
    }

    // ---- helpers ----------------------------------------------------------------------------------------

    /**
     * Holds {@link #SPREAD} read-only transactions open at once (so PgBouncer needs that many server connections),
     * until every one of them runs on a port in {@code expected} with {@code pg_is_in_recovery()} as given; returns
     * the ports seen last. Retries while routing settles (a closed server connection fails one transaction).
     */
    private Set<Integer> awaitReadsOn(Set<Integer> expected, boolean inRecovery) throws InterruptedException {
        long deadline = System.nanoTime() + ROUTING.toNanos();
        Set<Integer> seen = Set.of();
        String last = "";
        while (System.nanoTime() < deadline) {
            List<Connection> open = new ArrayList<>();
            try {
                Set<Integer> ports = new HashSet<>();
                boolean recoveryAsExpected = true;
                for (int i = 0; i < SPREAD; i++) {
                    Connection c = readOnly();
                    open.add(c);
                    c.setAutoCommit(false);
                    try (Statement s = c.createStatement();
                         ResultSet rs = s.executeQuery("select inet_server_port(), pg_is_in_recovery(), count(*) from items")) {
                        rs.next();
                        ports.add(rs.getInt(1));
                        recoveryAsExpected &= rs.getBoolean(2) == inRecovery;
                        assertThat(rs.getLong(3)).isEqualTo(3);
                    }
                }
                seen = ports;
                last = "ports " + ports + ", in recovery as expected: " + recoveryAsExpected;
                if (recoveryAsExpected && expected.containsAll(ports) && (expected.size() == 1 || ports.equals(expected))) {
                    return ports;
                }
            } catch (SQLException e) {
                last = e.getMessage();
            } finally {
                for (Connection c : open) {
                    try {
                        c.close();
                    } catch (SQLException e) {
                        // a connection the proxy cut
                    }
                }
            }
            Thread.sleep(500);
        }
        throw new AssertionError("read-only transactions did not settle on " + expected + " within " + ROUTING + "; last: " + last
                + " (saw " + seen + ")");
    }

    private void assertWritesFailReadOnly() throws SQLException {
        try (Connection c = readOnly(); Statement s = c.createStatement()) {
            assertThatThrownBy(() -> s.execute("insert into items (embedding) values ('[1,1,1]')"))
                    .isInstanceOf(SQLException.class)
                    .satisfies(e -> assertThat(((SQLException) e).getSQLState()).as(e.getMessage()).isEqualTo("25006"));
        }
    }

    /** Twice the bound of WAL on the leader, through the main pooler. */
    private void writeMoreWalThanTheBound() throws SQLException {
        long rows = 2 * ReadOnlyEndpoint.LAG_BOUND_BYTES / 1000;
        try (Connection c = pooled(); Statement s = c.createStatement()) {
            s.execute("insert into filler select repeat(md5(g::text), 32) from generate_series(1, " + rows + ") g");
        }
    }

    private JsonNode awaitView(Predicate<JsonNode> condition) {
        return cp.awaitDatabase(id, token, Duration.ofSeconds(60), condition);
    }

    private JsonNode view() {
        return cp.get("/api/v1/databases/" + id, token).json();
    }

    /** The replicas the API shows in rotation. */
    private static Set<String> rotation(JsonNode db) {
        Set<String> names = new HashSet<>();
        JsonNode readOnly = db.path("connection").path("readOnly");
        for (JsonNode r : readOnly.path("replicas")) {
            if (r.get("inRotation").asBoolean()) {
                names.add(r.get("name").asText());
            }
        }
        return names;
    }

    private static JsonNode replicaView(JsonNode db, String name) {
        for (JsonNode r : db.get("connection").get("readOnly").get("replicas")) {
            if (r.get("name").asText().equals(name)) {
                return r;
            }
        }
        throw new AssertionError("no replica " + name + " in " + db.get("connection"));
    }

    private static List<String> replicaNames(JsonNode db) {
        List<String> names = new ArrayList<>();
        for (JsonNode m : db.get("members")) {
            if (!"leader".equals(m.path("role").asText())) {
                names.add(m.get("name").asText());
            }
        }
        assertThat(names).hasSize(2);
        return names;
    }

    private static String leaderName(JsonNode db) {
        return memberWithRole(db, "leader");
    }

    private static String memberWithRole(JsonNode db, String role) {
        for (JsonNode m : db.get("members")) {
            if (role.equals(m.path("role").asText())) {
                return m.get("name").asText();
            }
        }
        return null;
    }

    private static int port(JsonNode db, String member) {
        for (JsonNode m : db.get("members")) {
            if (m.get("name").asText().equals(member)) {
                return m.get("port").asInt();
            }
        }
        throw new AssertionError("no member " + member);
    }

    private Set<Integer> replicaPorts() {
        JsonNode db = view();
        Set<Integer> ports = new HashSet<>();
        for (String name : replicaNames(db)) {
            ports.add(port(db, name));
        }
        return ports;
    }

    private Connection pooled() throws SQLException {
        return connect(URI.create(credentials.get("poolerUri").asText()));
    }

    private Connection readOnly() throws SQLException {
        return connect(URI.create(credentials.get("readOnlyUri").asText()));
    }

    /** As the connection strings say: verify-full against the database's CA. */
    private Connection connect(URI uri) throws SQLException {
        Properties p = cp.verifyFull(id, token);
        assertThat(uri.getQuery()).isEqualTo("sslmode=verify-full");
        p.setProperty("connectTimeout", "5");
        p.setProperty("socketTimeout", "60");
        return DriverManager.getConnection("jdbc:postgresql://" + uri.getHost() + ":" + uri.getPort() + uri.getPath(), p);
    }

    /**
     * The member's startup process, which replays WAL: a child of its postmaster (found by the postmaster's pid file).
     * Stopping it (SIGSTOP) makes the replica fall behind while it keeps receiving WAL and answering queries. Not
     * pg_wal_replay_pause(): Patroni (3.0, PostgreSQL 14+) resumes a paused replay within one loop.
     */
    private ProcessHandle replayProcess(String member) throws Exception {
        Path memberDir = cp.home().resolve("databases").resolve(id).resolve("members")
                .resolve(member.substring(member.lastIndexOf('-') + 1));
        ProcessHandle postmaster = DataPlaneProcesses.postmaster(memberDir).orElseThrow(() -> new AssertionError(member + " has no postmaster"));
        for (ProcessHandle child : postmaster.children().toList()) {
            Path cmdline = Path.of("/proc", Long.toString(child.pid()), "cmdline");
            if (Files.exists(cmdline) && new String(Files.readAllBytes(cmdline)).replace('\0', ' ').matches("postgres: (.*: )?startup .*")) {
                return child;
            }
        }
        throw new AssertionError(member + " has no startup process");
    }

    private static void signal(ProcessHandle process, String signal) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid())).inheritIO().start();
        assertThat(kill.waitFor()).as("kill -" + signal + " " + process.pid()).isZero();
    }
}
