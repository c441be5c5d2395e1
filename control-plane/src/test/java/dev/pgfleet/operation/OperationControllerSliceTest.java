package dev.pgfleet.operation;

import static dev.pgfleet.testsupport.SliceCallers.TENANT;
import static dev.pgfleet.testsupport.SliceCallers.tenantToken;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.verifyNoInteractions;
import static org.mockito.Mockito.when;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.put;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.header;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import dev.pgfleet.problem.NotFound;
import dev.pgfleet.system.Pagination;
import dev.pgfleet.testsupport.ApiSliceTest;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.MockMvc;

/** A database's operation history: its JSON shape, paging, and another tenant's database as 404. */
@ApiSliceTest
class OperationControllerSliceTest {
    private static final UUID DB = UUID.fromString("44444444-4444-4444-4444-444444444444");

    @Autowired
    private MockMvc mvc;
    @Autowired
    private OperationHistory history;

    @Test
    void eachOperationHasItsKindStateTimingsAndRequester() throws Exception {
        DatabaseOperation op = mock(DatabaseOperation.class);
        UUID id = UUID.randomUUID();
        when(op.getId()).thenReturn(id);
        when(op.getKind()).thenReturn(OperationKind.SWITCHOVER);
        when(op.getState()).thenReturn(OperationState.SUCCEEDED);
        when(op.getRequestedBy()).thenReturn(Requester.schedule());
        when(op.getRequestedAt()).thenReturn(Instant.parse("2026-01-01T00:00:00Z"));
        when(op.getStartedAt()).thenReturn(Instant.parse("2026-01-01T00:00:01Z"));
        when(op.getFinishedAt()).thenReturn(Instant.parse("2026-01-01T00:00:04Z"));
        when(op.took()).thenReturn(java.util.Optional.of(java.time.Duration.ofSeconds(3)));
        when(op.getAttempts()).thenReturn(1);
        Pagination.Cursor next = new Pagination.Cursor(Instant.parse("2026-01-01T00:00:00Z"), id);
        when(history.page(eq(TENANT), eq(DB), any())).thenReturn(new Pagination.Page<>(List.of(op), next));

        mvc.perform(get("/api/v1/databases/" + DB + "/operations?limit=1").with(tenantToken())).andExpect(status().isOk())
                .andExpect(jsonPath("$[0].id").value(id.toString()))
                .andExpect(jsonPath("$[0].kind").value(OperationKind.SWITCHOVER.apiName()))
                .andExpect(jsonPath("$[0].state").value("SUCCEEDED"))
                .andExpect(jsonPath("$[0].requestedBy").value(Requester.schedule().apiName()))
                .andExpect(jsonPath("$[0].durationMillis").value(3000))
                .andExpect(jsonPath("$[0].attempts").value(1))
                .andExpect(header().string("Link", org.hamcrest.Matchers.containsString("rel=\"next\"")));
    }

    @Test
    void anotherTenantsDatabaseIs404AndABadCursorIs400() throws Exception {
        when(history.page(eq(TENANT), eq(DB), any())).thenThrow(new NotFound("Database " + DB));
        mvc.perform(get("/api/v1/databases/" + DB + "/operations").with(tenantToken())).andExpect(status().isNotFound())
                .andExpect(content().contentType(MediaType.APPLICATION_PROBLEM_JSON));

        mvc.perform(get("/api/v1/databases/" + DB + "/operations?cursor=garbage").with(tenantToken())).andExpect(status().isBadRequest());
        mvc.perform(get("/api/v1/databases/" + DB + "/operations")).andExpect(status().isUnauthorized());
    }
}
