package dev.pgfleet.drivers;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * The rows every driver stores and the queries it runs, with the exact nearest neighbours each query must return.
 * Components are multiples of 1/16 (exact in pgvector's float4), the expected neighbours are computed here by brute
 * force in double precision, and a query is only kept when its k-th and (k+1)-th neighbours are clearly apart, so
 * float4 rounding in the server cannot change the answer: a driver that returns anything else is wrong.
 */
record VectorFixture(List<float[]> rows, List<float[]> queries, int k) {
    static final int ROWS = 120;
    static final int DIMENSIONS = 8;
    static final int QUERIES = 4;
    static final int K = 5;
    /** Relative gap required between consecutive distances among the k+1 nearest. */
    private static final double MARGIN = 1e-3;

    enum Metric {
        COSINE("cosine"), L2("l2");

        final String label;

        Metric(String label) {
            this.label = label;
        }

        double distance(float[] a, float[] b) {
            double dot = 0, na = 0, nb = 0, l2 = 0;
            for (int i = 0; i < a.length; i++) {
                dot += (double) a[i] * b[i];
                na += (double) a[i] * a[i];
                nb += (double) b[i] * b[i];
                l2 += ((double) a[i] - b[i]) * ((double) a[i] - b[i]);
            }
            return this == COSINE ? 1 - dot / Math.sqrt(na * nb) : Math.sqrt(l2);
        }
    }

    /** The same fixture on every run: a fixed seed. */
    static VectorFixture generate() {
        Random random = new Random(13);
        List<float[]> rows = new ArrayList<>();
        while (rows.size() < ROWS) {
            rows.add(randomVector(random));
        }
        VectorFixture candidate = new VectorFixture(rows, List.of(), K);
        List<float[]> queries = new ArrayList<>();
        while (queries.size() < QUERIES) {
            float[] q = randomVector(random);
            if (candidate.clearlySeparated(q)) {
                queries.add(q);
            }
        }
        return new VectorFixture(List.copyOf(rows), List.copyOf(queries), K);
    }

    /** The ids (1-based row numbers) of the k rows nearest to query {@code q}, nearest first. */
    List<Integer> expected(Metric metric, int q) {
        return ranked(metric, queries.get(q)).subList(0, k);
    }

    /** The scripts' input: {"rows": [[id, "[...]"], ...], "queries": ["[...]", ...], "k": k}. */
    String json() {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("rows", IntStream.range(0, rows.size()).mapToObj(i -> List.of(i + 1, literal(rows.get(i)))).toList());
        data.put("queries", queries.stream().map(VectorFixture::literal).toList());
        data.put("k", k);
        try {
            return new ObjectMapper().writeValueAsString(data);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** pgvector's text form, e.g. [0.25,-1,0.0625]. */
    static String literal(float[] v) {
        return IntStream.range(0, v.length).mapToObj(i -> Float.toString(v[i]).replaceAll("\\.0$", ""))
                .collect(Collectors.joining(",", "[", "]"));
    }

    private boolean clearlySeparated(float[] query) {
        for (Metric metric : Metric.values()) {
            List<Double> d = ranked(metric, query).subList(0, k + 1).stream()
                    .map(id -> metric.distance(rows.get(id - 1), query)).toList();
            for (int i = 1; i < d.size(); i++) {
                if (d.get(i) - d.get(i - 1) < MARGIN * Math.max(d.get(i), 1e-9)) {
                    return false;
                }
            }
        }
        return true;
    }

    private List<Integer> ranked(Metric metric, float[] query) {
        return IntStream.rangeClosed(1, rows.size()).boxed()
                .sorted(Comparator.comparingDouble(id -> metric.distance(rows.get(id - 1), query))).toList();
    }

    private static float[] randomVector(Random random) {
        float[] v = new float[DIMENSIONS];
        while (true) {
            boolean zero = true;
            for (int i = 0; i < v.length; i++) {
                v[i] = (random.nextInt(33) - 16) / 16f;
                zero &= v[i] == 0;
            }
            if (!zero) { // cosine distance needs a direction
                return v;
            }
        }
    }
}
