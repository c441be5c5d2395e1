package dev.pgfleet.drivers;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pgfleet.testsupport.ControlPlane;
import dev.pgfleet.testsupport.DataPlaneProcesses;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.postgresql.PGConnection;

/**
 * The driver conformance suite: every common driver, at its default settings, through a database's pooled endpoint
 * (PgBouncer, transaction mode), storing vectors and finding their exact nearest neighbours through HNSW indexes.
 * One real control plane and one {@code dev} database; pgjdbc runs in this JVM, psycopg 3, asyncpg, node-postgres and
 * psql run as child processes (the programs in src/test/resources/drivers, which docs/connect.md quotes). Each gets
 * the {@code poolerUri} of {@code GET …/credentials} as is, plus {@code sslrootcert} once the API gives out the
 * database's CA certificate ({@code GET …/ca.crt}); then every session must be encrypted.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Tag("integration")
class DriverConformanceIntegrationTest {
    /** How often each script runs its queries: well past pgjdbc's prepareThreshold and psycopg's prepare_threshold. */
    private static final int ROUNDS = 3;

    private final VectorFixture fixture = VectorFixture.generate();
    private ControlPlane cp;
    private Path home;
    private String alice;
    private String id;
    private PooledEndpoint pooled;
    private PooledEndpoint direct;
    private ControlPlane.Response ca;
    private boolean tls;

    @BeforeAll
    void createDatabase() throws Exception {
        cp = ControlPlane.start();
        home = Files.createTempDirectory("pgfleet-drivers-");
        alice = cp.createTenant("alice");
        id = cp.post("/api/v1/databases", alice, "{\"name\":\"drivers\",\"plan\":\"dev\"}").json().get("id").asText();
        cp.awaitStatus(id, alice, "READY", Duration.ofSeconds(120));
        JsonNode credentials = cp.get("/api/v1/databases/" + id + "/credentials", alice).json();
        // Every driver verifies the endpoints against the database's CA, as docs/connect.md tells users to
        // (theApiGivesOutVerifyFullUrisAndTheDatabasesCa checks what is read here).
        ca = cp.get("/api/v1/databases/" + id + "/ca.crt", alice);
        Path caFile = Files.writeString(home.resolve("ca.crt"), ca.body());
        tls = true;
        pooled = PooledEndpoint.of(credentials.get("poolerUri").asText(), caFile);
        direct = PooledEndpoint.of(credentials.get("directUri").asText(), caFile);
    }

    @Test
    void theApiGivesOutVerifyFullUrisAndTheDatabasesCa() {
        assertThat(ca.status()).as("GET …/ca.crt").isEqualTo(200);
        assertThat(ca.body()).startsWith("-----BEGIN CERTIFICATE-----");
        assertThat(pooled.uri()).as("the URI the API gives out").contains("sslmode=verify-full");
        assertThat(direct.uri()).as("the URI the API gives out").contains("sslmode=verify-full");
    }

    @AfterAll
    void stop() {
        if (cp != null) {
            cp.close();
        }
        if (home != null) {
            DataPlaneProcesses.deleteRecursively(home);
        }
    }

    // ---- the drivers ------------------------------------------------------------------------------------------

    /**
     * pgjdbc with pgvector-java: COPY through CopyManager, a batch insert, and one PreparedStatement per metric
     * re-executed in 3 × 4 transactions, so from its fifth execution on it runs as a protocol-level named statement.
     */
    @Test
    void pgjdbcWithPgvectorJava() throws Exception {
        long started = System.nanoTime();
        List<String> out;
        try (Connection c = pooled.connectJdbc()) {
            out = PgjdbcVectors.run(c, fixture, ROUNDS);
        }
        DriverScript.Run run = new DriverScript.Run(0, String.join("\n", out) + "\n", "", Duration.ofNanos(System.nanoTime() - started));
        assertConforms(run, "jdbc_items", ROUNDS, DriverOutput.Prepared.MOSTLY);
        assertThat(out.get(0)).as("pgjdbc's default").matches("driver pgjdbc \\S+ prepareThreshold=5");
        assertThat(out).as(run.toString()).contains("copied " + fixture.rows().size() / 2, "batched " + (fixture.rows().size() - fixture.rows().size() / 2),
                "read-back true");
        assertThat(out).as("both PreparedStatements ended as protocol-level named statements").filteredOn(l -> l.startsWith("named-statement"))
                .containsExactly("named-statement true", "named-statement true");
    }

    /** psycopg 3 (Debian's python3-psycopg): COPY … FROM STDIN, executemany, queries past prepare_threshold. */
    @Test
    void psycopg3() {
        DriverScript.Run run = DriverScript.run(home, List.of("/usr/bin/python3", "psycopg_vectors.py", fixture.json()), pooled.environment());
        assertConforms(run, "psycopg_items", ROUNDS, DriverOutput.Prepared.MOSTLY);
    }

    /** asyncpg (Debian's python3-asyncpg): its statement cache on one connection, then a pool of 4 used concurrently. */
    @Test
    void asyncpg() {
        DriverScript.Run run = DriverScript.run(home, List.of("/usr/bin/python3", "asyncpg_vectors.py", fixture.json()), pooled.environment());
        assertConforms(run, "asyncpg_items", 2 * ROUNDS, DriverOutput.Prepared.ALWAYS);
        assertThat(run.stdout()).contains("pool-results " + ROUNDS * 2 * fixture.queries().size());
    }

    /** node-postgres (pg from npm, package-lock.json): named statements reused across transactions and two clients. */
    @Test
    void nodePostgres() {
        assertThat(DriverScript.DIRECTORY.resolve("node_modules/pg/package.json")).as("pg from npm ci: run ./pgfleet setup").exists();
        DriverScript.Run run = DriverScript.run(home, List.of(DriverScript.program("node"), "node_pg_vectors.mjs", fixture.json()),
                pooled.environment());
        assertConforms(run, "node_items", ROUNDS, DriverOutput.Prepared.ALWAYS);
    }

    /** psql, with a script. */
    @Test
    void psql() {
        DriverScript.Run run = DriverScript.run(home, List.of(DriverScript.program("psql"), pooled.uriWithoutPassword(), "-X", "-q", "-A", "-t",
                "-v", "ON_ERROR_STOP=1", "-v", "data=" + fixture.json(), "-f", "psql_vectors.sql"), pooled.passwordEnvironment());
        assertConforms(run, "psql_items", 1, DriverOutput.Prepared.NEVER);
        if (tls) {
            assertThat(run.stdout()).as("psql's \\conninfo").contains("SSL connection");
        }
    }

    private void assertConforms(DriverScript.Run run, String table, int executionsPerQuery, DriverOutput.Prepared prepared) {
        System.out.printf("%s: %d ms%n%s%n", table, run.took().toMillis(), run);
        new DriverOutput(fixture, tls).assertConforms(run, table, executionsPerQuery, prepared);
    }

    // ---- what transaction pooling does to session state ----------------------------------------------------------

    /**
     * A session {@code SET} changes the server connection, not the client's session: the client's next transaction
     * may run on another server connection without it, and the next client to get that server connection inherits
     * it. {@code SET LOCAL} inside a transaction is what works: it ends with the transaction.
     */
    @Test
    void aSessionSetStaysWithTheServerConnectionWhileSetLocalEndsWithTheTransaction() throws Exception {
        try (Connection a = pooled.connectJdbc(); Connection b = pooled.connectJdbc()) {
            a.setAutoCommit(false);
            b.setAutoCommit(false);
            String defaultWorkMem = single(a, "show work_mem");
            exec(a, "set work_mem = '77MB'");
            String setOn = single(a, "select pg_backend_pid()");
            a.commit();

            // b's transaction gets the server connection a just released (PgBouncer reuses the most recent first).
            assertThat(single(b, "select pg_backend_pid()")).isEqualTo(setOn);
            assertThat(single(b, "show work_mem")).as("b inherits a's SET").isEqualTo("77MB");
            // Meanwhile a's next transaction runs on another server connection, where its SET never happened.
            assertThat(single(a, "select pg_backend_pid()")).isNotEqualTo(setOn);
            assertThat(single(a, "show work_mem")).as("a's own SET, one transaction later").isEqualTo(defaultWorkMem);
            a.commit();
            exec(b, "reset work_mem"); // the tidy-up a transaction-pooled application cannot count on
            b.commit();

            exec(a, "set local work_mem = '77MB'");
            assertThat(single(a, "show work_mem")).as("SET LOCAL, inside its transaction").isEqualTo("77MB");
            String localOn = single(a, "select pg_backend_pid()");
            a.commit();
            assertThat(single(b, "select pg_backend_pid()")).isEqualTo(localOn);
            assertThat(single(b, "show work_mem")).as("after SET LOCAL's transaction, on the same server connection")
                    .isEqualTo(defaultWorkMem);
            b.commit();
        }
    }

    /**
     * LISTEN through the pooler registers the server connection, which goes back to the pool when the transaction
     * ends: a NOTIFY never reaches the client that listened. A session of its own on the direct URI hears it.
     */
    @Test
    void aListenThroughThePoolerNeverHearsANotifyWhileOneOnTheDirectUriDoes() throws Exception {
        try (Connection pooledListener = pooled.connectJdbc(); Connection directListener = direct.connectJdbc();
             Connection notifier = pooled.connectJdbc()) {
            exec(pooledListener, "listen pgfleet_demo");
            exec(directListener, "listen pgfleet_demo");
            exec(notifier, "notify pgfleet_demo, 'hello'");

            PGConnection heard = directListener.unwrap(PGConnection.class);
            org.postgresql.PGNotification[] direct = heard.getNotifications(10_000);
            assertThat(direct).as("the direct session's notifications").extracting(org.postgresql.PGNotification::getParameter)
                    .containsExactly("hello");

            List<String> pooledPayloads = new ArrayList<>();
            for (int i = 0; i < 5; i++) { // a few transactions, as an application keeps working, then a wait
                exec(pooledListener, "select 1");
                org.postgresql.PGNotification[] got = pooledListener.unwrap(PGConnection.class).getNotifications(400);
                for (org.postgresql.PGNotification n : got == null ? new org.postgresql.PGNotification[0] : got) {
                    pooledPayloads.add(n.getParameter());
                }
            }
            assertThat(pooledPayloads).as("what the client that listened through the pooler received").isEmpty();
        }
    }

    /**
     * pg_advisory_lock through the pooler locks for the server connection, not the client: the next client on that
     * server connection takes the "held" lock again without waiting, and the client that took it cannot release it
     * from its next transaction. pg_advisory_xact_lock works: it is held for exactly the transaction.
     */
    @Test
    void aSessionAdvisoryLockBelongsToTheServerConnectionWhileAnXactLockWorks() throws Exception {
        try (Connection a = pooled.connectJdbc(); Connection b = pooled.connectJdbc(); Connection c = pooled.connectJdbc()) {
            a.setAutoCommit(false);
            b.setAutoCommit(false);
            c.setAutoCommit(false);
            exec(a, "select pg_advisory_lock(4242)");
            String lockedOn = single(a, "select pg_backend_pid()");
            a.commit();

            assertThat(single(b, "select pg_backend_pid()")).isEqualTo(lockedOn);
            assertThat(single(b, "select pg_try_advisory_lock(4242)::text")).as("b takes the lock a holds").isEqualTo("true");
            assertThat(single(c, "select pg_try_advisory_lock(4242)::text")).as("c, on another server connection")
                    .isEqualTo("false");
            c.commit();
            assertThat(single(a, "select pg_backend_pid()")).isNotEqualTo(lockedOn);
            assertThat(single(a, "select pg_advisory_unlock(4242)::text")).as("a releasing its own lock").isEqualTo("false");
            a.commit();
            exec(b, "select pg_advisory_unlock_all()"); // the server connection would hold it until it closes
            b.commit();

            exec(a, "select pg_advisory_xact_lock(4242)");
            assertThat(single(c, "select pg_try_advisory_xact_lock(4242)::text")).as("while a's transaction holds it")
                    .isEqualTo("false");
            c.rollback();
            a.commit();
            assertThat(single(c, "select pg_try_advisory_xact_lock(4242)::text")).as("after a's transaction ended")
                    .isEqualTo("true");
            c.commit();
        }
    }

    private static void exec(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    private static String single(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            assertThat(rs.next()).as(sql).isTrue();
            return rs.getString(1);
        }
    }
}
