package dev.pgfleet.provisioning;

import static dev.pgfleet.testsupport.SliceCallers.TENANT;
import static dev.pgfleet.testsupport.SliceCallers.signedIn;
import static org.hamcrest.Matchers.containsString;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.verifyNoInteractions;
import static org.mockito.Mockito.when;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import dev.pgfleet.database.Database;
import dev.pgfleet.database.DatabaseService;
import dev.pgfleet.problem.NotFound;
import dev.pgfleet.testsupport.ApiSliceTest;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.web.servlet.MockMvc;

/** The overview's insights panel: the figures the cache gives for the signed-in user's own database only. */
@ApiSliceTest
class InsightsPageSliceTest {
    private static final UUID ID = UUID.fromString("12121212-1212-1212-1212-121212121212");

    @Autowired
    private MockMvc mvc;
    @Autowired
    private DatabaseService databases;
    @Autowired
    private InsightsCache insights;

    @Test
    void thePanelShowsThePoolersFiguresAndTheVectorIndexes() throws Exception {
        Database db = mock(Database.class);
        when(db.getId()).thenReturn(ID);
        when(databases.get(TENANT, ID)).thenReturn(db);
        when(insights.insightFor(TENANT, db)).thenReturn(new DatabaseInsight(Instant.parse("2026-01-01T00:00:00Z"),
                new PoolerStats(3, 7, 2, 5, 900, 120, 40, 1), 8_388_608L,
                List.of(new DatabaseInsight.VectorIndex("public", "items_embedding_idx", "items", "hnsw", "vector_cosine_ops", 65536, 12)),
                List.of()));

        mvc.perform(get("/databases/" + ID + "/insights").with(signedIn("alice", TENANT))).andExpect(status().isOk())
                .andExpect(content().string(containsString("items_embedding_idx")))
                .andExpect(content().string(containsString("data-testid=\"cl-waiting\"")));
    }

    @Test
    void anotherTenantsDatabaseIsA404AndNothingIsFetched() throws Exception {
        when(databases.get(TENANT, ID)).thenThrow(new NotFound("Database " + ID));
        mvc.perform(get("/databases/" + ID + "/insights").with(signedIn("alice", TENANT))).andExpect(status().isNotFound());
        verifyNoInteractions(insights);
    }
}
