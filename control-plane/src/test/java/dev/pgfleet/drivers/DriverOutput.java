package dev.pgfleet.drivers;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgfleet.drivers.VectorFixture.Metric;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * What every driver of the suite must print (src/test/resources/drivers, PgjdbcVectors): it exited 0; stored all
 * rows; both HNSW indexes answered; every execution of every query returned exactly the expected neighbours, in
 * order; its named statements were prepared on the server connections its transactions ran on; and, when the
 * database has a CA certificate, its sessions were encrypted.
 */
record DriverOutput(VectorFixture fixture, boolean tls) {
    private static final Pattern KNN = Pattern.compile("knn (cosine|l2) (\\d+) ([\\d,]+)");
    private static final Pattern SSL = Pattern.compile("(?m)^ssl server=(true|false)(?: client=(true|false|unknown))?$");
    private static final Pattern PREPARED = Pattern.compile("(?m)^server-prepared (\\d+) of (\\d+)$");

    /** How many of a driver's nearest-neighbour transactions must find their query prepared on the server connection. */
    enum Prepared {
        /** psql: the simple query protocol. */
        NEVER,
        /** pgjdbc and psycopg: once a query text has run their threshold's number of times (5). */
        MOSTLY,
        /** asyncpg and node-postgres: every statement is named. */
        ALWAYS
    }

    void assertConforms(DriverScript.Run run, String table, int executionsPerQuery, Prepared prepared) {
        assertThat(run.exitCode()).as(run.toString()).isZero();
        String out = run.stdout();
        assertThat(out.lines()).as(run.toString()).contains("rows " + fixture.rows().size()).last().isEqualTo("ok");
        for (Metric metric : Metric.values()) {
            String index = table + "_" + metric.label;
            assertThat(out).as("the query answered from " + index + "\n" + run)
                    .containsPattern("(?m)^plan " + metric.label + " " + index + "$|Index Scan using " + index + " on " + table);
        }
        assertThat(results(out)).as("nearest neighbours, every execution\n" + run).isEqualTo(expected(executionsPerQuery));
        if (prepared != Prepared.NEVER) {
            assertPreparedOnServer(run, executionsPerQuery, prepared);
        }
        Matcher ssl = SSL.matcher(out);
        assertThat(ssl.find()).as("ssl line\n" + run).isTrue();
        if (tls) {
            assertThat(ssl.group(1)).as("the pooler's session to the server is encrypted").isEqualTo("true");
            assertThat(ssl.group(2)).as("the driver's session to the pooler is encrypted").isIn(null, "true", "unknown");
        }
    }

    /** "metric query" → the ids each execution returned, in output order. */
    private static Map<String, List<String>> results(String out) {
        Map<String, List<String>> results = new LinkedHashMap<>();
        out.lines().map(KNN::matcher).filter(Matcher::matches)
                .forEach(m -> results.computeIfAbsent(m.group(1) + " " + m.group(2), key -> new ArrayList<>()).add(m.group(3)));
        return results;
    }

    private Map<String, List<String>> expected(int executionsPerQuery) {
        Map<String, List<String>> expected = new LinkedHashMap<>();
        for (Metric metric : Metric.values()) {
            for (int q = 0; q < fixture.queries().size(); q++) {
                String ids = fixture.expected(metric, q).stream().map(String::valueOf).collect(Collectors.joining(","));
                expected.put(metric.label + " " + q, Collections.nCopies(executionsPerQuery, ids));
            }
        }
        return expected;
    }

    private void assertPreparedOnServer(DriverScript.Run run, int executionsPerQuery, Prepared prepared) {
        Matcher m = PREPARED.matcher(run.stdout());
        assertThat(m.find()).as("server-prepared line\n" + run).isTrue();
        int onServer = Integer.parseInt(m.group(1));
        int executions = Integer.parseInt(m.group(2));
        assertThat(executions).isEqualTo(executionsPerQuery * Metric.values().length * fixture.queries().size());
        String what = "transactions whose server connection held the prepared query";
        if (prepared == Prepared.ALWAYS) {
            assertThat(onServer).as(what).isEqualTo(executions);
        } else {
            assertThat(onServer).as(what).isGreaterThanOrEqualTo(executions / 2).isLessThan(executions);
        }
    }
}
