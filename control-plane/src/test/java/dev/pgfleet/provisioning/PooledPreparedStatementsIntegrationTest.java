package dev.pgfleet.provisioning;

import static org.assertj.core.api.Assertions.assertThat;

import com.pgvector.PGvector;
import dev.pgfleet.testsupport.ControlPlane;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.postgresql.PGConnection;
import org.postgresql.PGStatement;

/**
 * pgjdbc at its default settings through a database's pooled endpoint (PgBouncer, transaction mode): from a
 * PreparedStatement's fifth execution on (prepareThreshold 5) the driver parses it once as a protocol-level named
 * statement (S_1, ...) and afterwards only binds and executes that name. PgBouncer 1.18 broke this as soon as a
 * transaction ran on another server connection ("prepared statement "S_1" does not exist") or two clients' S_1 met on
 * one ("already exists"). With max_prepared_statements, PgBouncer prepares each distinct query text once per server
 * connection under its own name and wherever a client's transaction runs. Real control plane, Patroni, PostgreSQL and
 * PgBouncer processes; the vector query goes through pgvector-java.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Tag("integration")
class PooledPreparedStatementsIntegrationTest {
    /** The statement the clients prepare: which server connection ran it, and the nearest item by cosine distance. */
    private static final String NEAREST = "select pg_backend_pid(), id from items order by embedding <=> ? limit 1";
    /** The server connection's own prepared statements that hold NEAREST's text (pgjdbc sends ? as $1). */
    private static final String SERVER_STATEMENTS = "select name from pg_prepared_statements"
            + " where statement = 'select pg_backend_pid(), id from items order by embedding <=> $1 limit 1'";
    private static final int EXECUTIONS = 24;

    private ControlPlane cp;
    private String alice;
    private String id;

    @BeforeAll
    void createDatabaseWithVectors() throws Exception {
        cp = ControlPlane.start();
        alice = cp.createTenant("alice");
        id = cp.post("/api/v1/databases", alice, "{\"name\":\"vectors\",\"plan\":\"dev\"}").json().get("id").asText();
        cp.awaitStatus(id, alice, "READY", Duration.ofSeconds(120));
        try (Connection c = cp.pooledConnection(id, alice); Statement s = c.createStatement()) {
            s.execute("create table items (id int primary key, embedding vector(3))");
            s.execute("insert into items values (1, '[1,0,0]'), (2, '[0,1,0]'), (3, '[0,0,1]')");
            s.execute("create index on items using hnsw (embedding vector_cosine_ops)");
        }
    }

    @AfterAll
    void stop() {
        if (cp != null) {
            cp.close();
        }
    }

    /**
     * One PreparedStatement, 24 transactions. In every other one a second client holds the server connection the first
     * one just released (PgBouncer hands out the most recently used idle connection first), so the named statement
     * must also run on a server connection where this client never prepared it.
     */
    @Test
    void aNamedStatementRunsAcrossTransactionsOnWhicheverServerConnectionTheyGet() throws Exception {
        try (Connection client = cp.pooledConnection(id, alice); Connection other = cp.pooledConnection(id, alice);
             PreparedStatement nearest = client.prepareStatement(NEAREST)) {
            assertThat(client.unwrap(PGConnection.class).getPrepareThreshold()).as("pgjdbc's default").isEqualTo(5);
            client.setAutoCommit(false);
            other.setAutoCommit(false);
            Set<Integer> serversOfNamedExecutions = new HashSet<>();
            for (int i = 0; i < EXECUTIONS; i++) {
                boolean named = nearest.unwrap(PGStatement.class).isUseServerPrepare();
                boolean hold = i % 2 == 1;
                if (hold) {
                    holdAServerConnection(other); // its transaction stays open: that server connection is taken
                }
                int server = nearestItem(nearest, i);
                client.commit();
                if (hold) {
                    other.commit();
                }
                if (named) {
                    serversOfNamedExecutions.add(server);
                }
            }
            assertThat(nearest.unwrap(PGStatement.class).isUseServerPrepare()).as("a protocol-level named statement").isTrue();
            assertThat(serversOfNamedExecutions).as("server connections that ran the named statement").hasSizeGreaterThanOrEqualTo(2);
        }
    }

    /**
     * Two clients prepare the same query text (pgjdbc names it S_1 on both) and take turns on the pool, so they run it
     * on the same server connections: PgBouncer prepared it there once, under its own name, for both.
     */
    @Test
    void twoClientsReuseOneServerSidePreparedStatement() throws Exception {
        try (Connection a = cp.pooledConnection(id, alice); Connection b = cp.pooledConnection(id, alice);
             PreparedStatement nearestA = a.prepareStatement(NEAREST); PreparedStatement nearestB = b.prepareStatement(NEAREST)) {
            a.setAutoCommit(false);
            b.setAutoCommit(false);
            Map<Integer, Set<String>> clientsByServer = new HashMap<>();
            Map<String, Set<String>> serverNamesByClient = new HashMap<>();
            for (int i = 0; i < EXECUTIONS; i++) {
                for (Map.Entry<String, PreparedStatement> client : List.of(Map.entry("a", nearestA), Map.entry("b", nearestB))) {
                    PreparedStatement nearest = client.getValue();
                    boolean named = nearest.unwrap(PGStatement.class).isUseServerPrepare();
                    int server = nearestItem(nearest, i);
                    Set<String> serverNames = serverStatements(nearest.getConnection());
                    nearest.getConnection().commit();
                    if (named) {
                        clientsByServer.computeIfAbsent(server, k -> new HashSet<>()).add(client.getKey());
                        assertThat(serverNames).as("the server connection holds the statement under PgBouncer's name, once")
                                .hasSize(1).allMatch(name -> name.startsWith("PGBOUNCER_"));
                        serverNamesByClient.computeIfAbsent(client.getKey(), k -> new HashSet<>()).addAll(serverNames);
                    }
                }
            }
            assertThat(clientsByServer.values()).as("a server connection ran both clients' named statement")
                    .anyMatch(clients -> clients.size() == 2);
            assertThat(serverNamesByClient.get("a")).as("one server-side statement for both clients")
                    .isEqualTo(serverNamesByClient.get("b")).hasSize(1);
        }
    }

    /** Runs NEAREST with a query vector next to item {@code i % 3 + 1}; checks that item comes back; returns the server's PID. */
    private static int nearestItem(PreparedStatement nearest, int i) throws SQLException {
        float[] query = {0.05f, 0.05f, 0.05f};
        query[i % 3] = 1f;
        nearest.setObject(1, new PGvector(query));
        try (ResultSet rs = nearest.executeQuery()) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getInt(2)).as("execution " + (i + 1)).isEqualTo(i % 3 + 1);
            return rs.getInt(1);
        }
    }

    private static void holdAServerConnection(Connection inTransaction) throws SQLException {
        try (Statement s = inTransaction.createStatement(); ResultSet rs = s.executeQuery("select 1")) {
            assertThat(rs.next()).isTrue();
        }
    }

    /** The prepared statements, holding NEAREST's text, of the server connection running {@code c}'s open transaction. */
    private static Set<String> serverStatements(Connection c) throws SQLException {
        Set<String> names = new HashSet<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(SERVER_STATEMENTS)) {
            while (rs.next()) {
                names.add(rs.getString(1));
            }
        }
        return names;
    }
}
