package dev.pgfleet.drivers;

import com.pgvector.PGvector;
import dev.pgfleet.drivers.VectorFixture.Metric;
import java.io.StringReader;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.postgresql.PGConnection;
import org.postgresql.PGStatement;

/**
 * pgjdbc with pgvector-java at its default settings, written like the suite's scripts (src/test/resources/drivers):
 * it loads the fixture with COPY through CopyManager and a batch insert, runs one PreparedStatement per metric in many
 * transactions (past prepareThreshold 5, so pgjdbc switches to a protocol-level named statement), and returns the
 * same machine-checkable lines the scripts print. docs/connect.md quotes its marked parts.
 */
final class PgjdbcVectors {
    private static final String TABLE = "jdbc_items";
    private static final Map<Metric, String> OPERATORS = new EnumMap<>(Map.of(Metric.COSINE, "<=>", Metric.L2, "<->"));

    private PgjdbcVectors() {
    }

    static List<String> run(Connection c, VectorFixture fixture, int rounds) throws SQLException {
        List<String> out = new ArrayList<>();
        out.add("driver pgjdbc " + c.getMetaData().getDriverVersion() + " prepareThreshold="
                + c.unwrap(PGConnection.class).getPrepareThreshold());
        c.setAutoCommit(false);
        out.add("ssl server=" + single(c, "select ssl::text from pg_stat_ssl where pid = pg_backend_pid()"));
        exec(c, "drop table if exists " + TABLE);
        exec(c, "create table " + TABLE + " (id int primary key, embedding vector(" + fixture.rows().get(0).length + "))");
        int half = fixture.rows().size() / 2;
        List<float[]> rows = fixture.rows();
        out.add("copied " + copy(c, rows.subList(0, half), 1));
        out.add("batched " + batch(c, rows.subList(half, rows.size()), half + 1));
        exec(c, "create index " + TABLE + "_cosine on " + TABLE + " using hnsw (embedding vector_cosine_ops)");
        exec(c, "create index " + TABLE + "_l2 on " + TABLE + " using hnsw (embedding vector_l2_ops)");
        out.add("rows " + single(c, "select count(*) from " + TABLE));
        c.commit();
        out.add("read-back " + java.util.Arrays.equals(
                new PGvector(single(c, "select embedding from " + TABLE + " where id = 1")).toArray(), rows.get(0)));
        c.commit();

        for (Metric metric : Metric.values()) {
            exec(c, "set local enable_seqscan = off");
            String plan = String.join("\n", column(c, "explain (costs off) select id from " + TABLE + " order by embedding "
                    + OPERATORS.get(metric) + " '" + new PGvector(fixture.queries().get(0)) + "' limit " + fixture.k()));
            c.commit();
            Matcher m = Pattern.compile("Index Scan using (\\S+)").matcher(plan);
            out.add("plan " + metric.label + " " + (m.find() ? m.group(1) : "none"));
        }

        Map<Metric, PreparedStatement> nearest = new EnumMap<>(Metric.class);
        for (Metric metric : Metric.values()) {
            nearest.put(metric, c.prepareStatement(
                    "select id from jdbc_items order by embedding " + OPERATORS.get(metric) + " ? limit ?"));
        }
        int executions = 0;
        int prepared = 0;
        for (int round = 0; round < rounds; round++) {
            for (Metric metric : Metric.values()) {
                for (int q = 0; q < fixture.queries().size(); q++) {
                    List<Integer> ids = nearest(nearest.get(metric), fixture.queries().get(q), fixture.k());
                    prepared += serverPrepared(c) ? 1 : 0;
                    c.commit();
                    executions++;
                    out.add("knn " + metric.label + " " + q + " "
                            + ids.stream().map(String::valueOf).collect(Collectors.joining(",")));
                }
            }
        }
        for (PreparedStatement ps : nearest.values()) {
            out.add("named-statement " + ps.unwrap(PGStatement.class).isUseServerPrepare());
            ps.close();
        }
        out.add("server-prepared " + prepared + " of " + executions);
        out.add("ok");
        return out;
    }

    // [load]
    /** COPY … FROM STDIN through pgjdbc's CopyManager, in pgvector's text form. */
    static long copy(Connection c, List<float[]> rows, int firstId) throws SQLException {
        String data = IntStream.range(0, rows.size())
                .mapToObj(i -> (firstId + i) + "\t" + new PGvector(rows.get(i)) + "\n").collect(Collectors.joining());
        try {
            return c.unwrap(PGConnection.class).getCopyAPI()
                    .copyIn("copy jdbc_items (id, embedding) from stdin", new StringReader(data));
        } catch (java.io.IOException e) {
            throw new SQLException(e);
        }
    }

    /** A batch insert: pgvector-java's PGvector as the parameter. */
    static int batch(Connection c, List<float[]> rows, int firstId) throws SQLException {
        try (PreparedStatement insert = c.prepareStatement("insert into jdbc_items (id, embedding) values (?, ?)")) {
            for (int i = 0; i < rows.size(); i++) {
                insert.setInt(1, firstId + i);
                insert.setObject(2, new PGvector(rows.get(i)));
                insert.addBatch();
            }
            return IntStream.of(insert.executeBatch()).sum();
        }
    }
    // [/load]

    // [query]
    /**
     * The ids of the k rows nearest to query, in the caller's transaction (auto-commit off), answered from the HNSW
     * index. The same PreparedStatement, executed again and again: from the fifth time on pgjdbc sends it as a named
     * statement, and PgBouncer prepares it on whichever server connection runs the transaction.
     */
    static List<Integer> nearest(PreparedStatement nearest, float[] query, int k) throws SQLException {
        try (Statement s = nearest.getConnection().createStatement()) {
            // SET LOCAL lasts this transaction only, which is what transaction pooling keeps.
            s.execute("set local enable_seqscan = off");
        }
        nearest.setObject(1, new PGvector(query));
        nearest.setInt(2, k);
        List<Integer> ids = new ArrayList<>();
        try (ResultSet rs = nearest.executeQuery()) {
            while (rs.next()) {
                ids.add(rs.getInt(1));
            }
        }
        return ids;
    }
    // [/query]

    /** Whether the server connection running this transaction holds the nearest-neighbour query prepared. */
    private static boolean serverPrepared(Connection c) throws SQLException {
        return !"0".equals(single(c, "select count(*) from pg_prepared_statements where statement like '%from "
                + TABLE + " order by embedding%' and statement not like '%pg_prepared_statements%'"));
    }

    private static void exec(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    static String single(Connection c, String sql) throws SQLException {
        List<String> values = column(c, sql);
        if (values.size() != 1) {
            throw new SQLException("expected one row from " + sql + ", got " + values);
        }
        return values.get(0);
    }

    private static List<String> column(Connection c, String sql) throws SQLException {
        List<String> values = new ArrayList<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
                values.add(rs.getString(1));
            }
        }
        return values;
    }
}
