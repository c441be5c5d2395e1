package dev.pgfleet.provisioning;

import static dev.pgfleet.testsupport.SliceCallers.TENANT;
import static dev.pgfleet.testsupport.SliceCallers.tenantToken;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.verifyNoInteractions;
import static org.mockito.Mockito.when;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.header;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import dev.pgfleet.database.Database;
import dev.pgfleet.database.DatabaseService;
import dev.pgfleet.problem.NotFound;
import dev.pgfleet.problem.TooManyRequests;
import dev.pgfleet.testsupport.ApiSliceTest;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.MockMvc;

/** A database's insights: the figures' JSON shape, another tenant's database as 404, the rate limit as 429 with Retry-After. */
@ApiSliceTest
class InsightsControllerSliceTest {
    private static final UUID ID = UUID.fromString("66666666-6666-6666-6666-666666666666");

    @Autowired
    private MockMvc mvc;
    @Autowired
    private DatabaseService databases;
    @Autowired
    private InsightsCache insights;

    @Test
    void theFiguresOfTheCallersDatabase() throws Exception {
        Database database = mock(Database.class);
        when(databases.get(TENANT, ID)).thenReturn(database);
        when(insights.insightFor(TENANT, database)).thenReturn(new DatabaseInsight(Instant.parse("2026-01-01T00:00:00Z"),
                new PoolerStats(3, 1, 2, 5, 900, 120, 40, 1), 8_388_608L,
                List.of(new DatabaseInsight.VectorIndex("public", "items_embedding_idx", "items", "hnsw", "vector_cosine_ops", 65536, 12)),
                List.of()));

        mvc.perform(get("/api/v1/databases/" + ID + "/insights").with(tenantToken())).andExpect(status().isOk())
                .andExpect(jsonPath("$.fetchedAt").value("2026-01-01T00:00:00Z"))
                .andExpect(jsonPath("$.pooler.clientWaiting").value(1))
                .andExpect(jsonPath("$.sizeBytes").value(8_388_608))
                .andExpect(jsonPath("$.vectorIndexes[0].method").value("hnsw"))
                .andExpect(jsonPath("$.vectorIndexes[0].scans").value(12))
                .andExpect(jsonPath("$.problems").isEmpty());
    }

    @Test
    void anotherTenantsDatabaseIs404AndNothingIsFetched() throws Exception {
        when(databases.get(TENANT, ID)).thenThrow(new NotFound("Database " + ID));
        mvc.perform(get("/api/v1/databases/" + ID + "/insights").with(tenantToken())).andExpect(status().isNotFound())
                .andExpect(content().contentType(MediaType.APPLICATION_PROBLEM_JSON));
        verifyNoInteractions(insights);
    }

    @Test
    void overTheRateLimitIs429WithRetryAfterInWholeSeconds() throws Exception {
        Database database = mock(Database.class);
        when(databases.get(TENANT, ID)).thenReturn(database);
        when(insights.insightFor(TENANT, database)).thenThrow(new TooManyRequests("Too many requests", "Try again in 7 s.",
                Duration.ofMillis(6200)));

        mvc.perform(get("/api/v1/databases/" + ID + "/insights").with(tenantToken())).andExpect(status().isTooManyRequests())
                .andExpect(header().string("Retry-After", "6"))
                .andExpect(content().contentType(MediaType.APPLICATION_PROBLEM_JSON));
    }
}
