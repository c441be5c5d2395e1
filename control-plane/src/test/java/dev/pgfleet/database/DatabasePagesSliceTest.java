package dev.pgfleet.database;

import static dev.pgfleet.testsupport.SliceCallers.TENANT;
import static dev.pgfleet.testsupport.SliceCallers.signedIn;
import static org.hamcrest.Matchers.containsString;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;
import static org.springframework.security.test.web.servlet.request.SecurityMockMvcRequestPostProcessors.csrf;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.redirectedUrl;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import dev.pgfleet.problem.NotFound;
import dev.pgfleet.testsupport.ApiSliceTest;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.web.servlet.MockMvc;

/** The dashboard's database pages go through DatabaseService with the signed-in user's tenant, as the API does. */
@ApiSliceTest
class DatabasePagesSliceTest {
    private static final UUID ID = UUID.fromString("88888888-8888-8888-8888-888888888888");

    @Autowired
    private MockMvc mvc;
    @Autowired
    private DatabaseService service;
    @Autowired
    private DatabaseViews views;
    @Autowired
    private DatabaseEvents events;
    @Autowired
    private RuntimeInfo runtime;
    @Autowired
    private DrillOutcomes drills;

    @Test
    void theListShowsTheTenantsDatabases() throws Exception {
        Database shop = database();
        when(service.list(TENANT)).thenReturn(List.of(shop));
        when(drills.lastDrills(List.of(ID))).thenReturn(Map.of());

        mvc.perform(get("/databases").with(signedIn("alice", TENANT))).andExpect(status().isOk())
                .andExpect(content().string(containsString("data-database=\"shop\"")))
                .andExpect(content().string(containsString("/databases/" + ID)));
    }

    @Test
    void theNewDatabaseFormOffersTheRuntimesVersions() throws Exception {
        when(runtime.supportedPostgresVersions()).thenReturn(List.of(15, 16));
        when(runtime.defaultPostgresVersion()).thenReturn(Optional.of(15));

        mvc.perform(get("/databases/new").with(signedIn("alice", TENANT))).andExpect(status().isOk())
                .andExpect(content().string(containsString("value=\"16\"")))
                .andExpect(content().string(containsString("name=\"_csrf\"")));
    }

    @Test
    void anotherTenantsDatabaseIsThe404ErrorPage() throws Exception {
        when(service.get(TENANT, ID)).thenThrow(new NotFound("Database " + ID));
        mvc.perform(get("/databases/" + ID).with(signedIn("alice", TENANT))).andExpect(status().isNotFound())
                .andExpect(content().contentTypeCompatibleWith("text/html"));
    }

    @Test
    void deletingNeedsTheFormsCsrfTokenThenDeletesForTheCallersTenant() throws Exception {
        Database shop = database();
        when(service.get(TENANT, ID)).thenReturn(shop);

        mvc.perform(post("/databases/" + ID + "/delete").param("confirmName", "shop").with(signedIn("alice", TENANT)))
                .andExpect(status().isForbidden());
        verify(service, never()).delete(any(), any());

        mvc.perform(post("/databases/" + ID + "/delete").param("confirmName", " shop ").with(signedIn("alice", TENANT)).with(csrf()))
                .andExpect(status().is3xxRedirection()).andExpect(redirectedUrl("/databases"));
        verify(service).delete(TENANT, ID);
    }

    @Test
    void aVisitorIsSentToSignIn() throws Exception {
        mvc.perform(get("/databases")).andExpect(status().is3xxRedirection()).andExpect(redirectedUrl("http://localhost/login"));
    }

    private static Database database() {
        Database database = mock(Database.class);
        when(database.getId()).thenReturn(ID);
        when(database.getName()).thenReturn("shop");
        when(database.getPlan()).thenReturn("ha");
        when(database.getStatus()).thenReturn(DatabaseStatus.READY);
        when(database.getCreatedAt()).thenReturn(Instant.parse("2026-01-01T00:00:00Z"));
        return database;
    }
}
