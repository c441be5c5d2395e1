package dev.pgfleet.drivers;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.pgvector.PGvector;
import dev.pgfleet.drivers.VectorFixture.Metric;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The suite's data: the same on every run, and able to tell a wrong answer from the right one. */
class VectorFixtureTest {
    private final VectorFixture fixture = VectorFixture.generate();

    @Test
    void theFixtureIsTheSameOnEveryRun() {
        assertThat(VectorFixture.generate().json()).isEqualTo(fixture.json());
    }

    @Test
    void theScriptsGetEveryRowAndQueryInPgvectorsTextForm() throws Exception {
        JsonNode data = new ObjectMapper().readTree(fixture.json());
        assertThat(data.get("rows")).hasSize(VectorFixture.ROWS);
        assertThat(data.get("k").asInt()).isEqualTo(VectorFixture.K);
        for (int i = 0; i < VectorFixture.ROWS; i++) {
            JsonNode row = data.get("rows").get(i);
            assertThat(row.get(0).asInt()).isEqualTo(i + 1);
            assertThat(new PGvector(row.get(1).asText()).toArray()).containsExactly(fixture.rows().get(i));
        }
        assertThat(VectorFixture.literal(new float[] {1f, -0.5f, 0.0625f})).isEqualTo("[1,-0.5,0.0625]");
    }

    /** A driver that ran the wrong operator, or returned the neighbours of another query, would fail the suite. */
    @Test
    void theExpectedNeighboursDifferByMetricAndByQuery() {
        assertThat(IntStream.range(0, VectorFixture.QUERIES))
                .anyMatch(q -> !fixture.expected(Metric.COSINE, q).equals(fixture.expected(Metric.L2, q)));
        assertThat(IntStream.range(0, VectorFixture.QUERIES).mapToObj(q -> fixture.expected(Metric.L2, q)).distinct())
                .hasSize(VectorFixture.QUERIES);
    }

    @Test
    void theExpectedNeighboursAreTheNearestByBruteForce() {
        for (Metric metric : Metric.values()) {
            for (int q = 0; q < VectorFixture.QUERIES; q++) {
                float[] query = fixture.queries().get(q);
                double kth = metric.distance(fixture.rows().get(fixture.expected(metric, q).get(VectorFixture.K - 1) - 1), query);
                long closer = fixture.rows().stream().filter(r -> metric.distance(r, query) < kth).count();
                assertThat(closer).as(metric + " query " + q).isEqualTo(VectorFixture.K - 1);
            }
        }
    }
}
