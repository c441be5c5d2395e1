package dev.pgfleet.database;

import static dev.pgfleet.testsupport.SliceCallers.TENANT;
import static dev.pgfleet.testsupport.SliceCallers.bearer;
import static dev.pgfleet.testsupport.SliceCallers.tenantToken;
import static org.hamcrest.Matchers.startsWith;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.verifyNoInteractions;
import static org.mockito.Mockito.when;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.delete;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.header;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import dev.pgfleet.problem.Conflict;
import dev.pgfleet.problem.InvalidInput;
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

/** The database API's web layer: routing, tokens, the caller's tenant reaching the service, errors as problem+json. */
@ApiSliceTest
class DatabaseControllerSliceTest {
    private static final UUID ID = UUID.fromString("11111111-1111-1111-1111-111111111111");

    @Autowired
    private MockMvc mvc;
    @Autowired
    private DatabaseService service;
    @Autowired
    private DatabaseViews views;

    @Test
    void withoutATokenOrWithAnUnknownOneTheAnswerIs401AndNothingIsAsked() throws Exception {
        mvc.perform(get("/api/v1/databases")).andExpect(status().isUnauthorized())
                .andExpect(content().contentType(MediaType.APPLICATION_PROBLEM_JSON)).andExpect(jsonPath("$.title").value("Unauthorized"));
        mvc.perform(get("/api/v1/databases/" + ID).with(bearer("pgf_unknown"))).andExpect(status().isUnauthorized());
        verifyNoInteractions(service);
    }

    @Test
    void aCreationIsAcceptedForTheCallersTenantWithItsLocationAndView() throws Exception {
        Database database = database();
        when(service.create(eq(TENANT), eq(new CreateDatabaseRequest("shop", "ha", null)))).thenReturn(database);
        when(views.view(database, true)).thenReturn(view());

        mvc.perform(post("/api/v1/databases").with(tenantToken()).contentType(MediaType.APPLICATION_JSON)
                        .content("{\"name\":\"shop\",\"plan\":\"ha\"}"))
                .andExpect(status().isAccepted())
                .andExpect(header().string("Location", "/api/v1/databases/" + ID))
                .andExpect(jsonPath("$.id").value(ID.toString()))
                .andExpect(jsonPath("$.name").value("shop"))
                .andExpect(jsonPath("$.plan").value("ha"))
                .andExpect(jsonPath("$.status").value("PENDING"))
                .andExpect(jsonPath("$.members").isArray());
    }

    @Test
    void anInvalidNameIsA400NamingTheField() throws Exception {
        when(service.create(eq(TENANT), any())).thenThrow(new InvalidInput("Invalid name", "Names are lowercase letters...", "name"));

        mvc.perform(post("/api/v1/databases").with(tenantToken()).contentType(MediaType.APPLICATION_JSON)
                        .content("{\"name\":\"Shop!\",\"plan\":\"ha\"}"))
                .andExpect(status().isBadRequest())
                .andExpect(content().contentType(MediaType.APPLICATION_PROBLEM_JSON))
                .andExpect(jsonPath("$.title").value("Invalid name"))
                .andExpect(jsonPath("$.field").value("name"));
    }

    @Test
    void aBodyThatIsNotTheRequestIs400BeforeTheServiceIsAsked() throws Exception {
        mvc.perform(post("/api/v1/databases").with(tenantToken()).contentType(MediaType.APPLICATION_JSON).content("{\"name\":\"shop\",\"color\":1}"))
                .andExpect(status().isBadRequest())
                .andExpect(jsonPath("$.detail", startsWith("Unknown field 'color'")));
        mvc.perform(post("/api/v1/databases").with(tenantToken()).contentType(MediaType.APPLICATION_JSON).content("{\"name\":"))
                .andExpect(status().isBadRequest())
                .andExpect(content().contentType(MediaType.APPLICATION_PROBLEM_JSON));
        verifyNoInteractions(service);
    }

    @Test
    void domainRefusalsKeepTheirStatus() throws Exception {
        when(service.get(TENANT, ID)).thenThrow(new NotFound("Database " + ID));
        mvc.perform(get("/api/v1/databases/" + ID).with(tenantToken())).andExpect(status().isNotFound())
                .andExpect(content().contentType(MediaType.APPLICATION_PROBLEM_JSON));

        when(service.create(eq(TENANT), any())).thenThrow(new Conflict("Name taken", "A database named shop exists.", "name"));
        mvc.perform(post("/api/v1/databases").with(tenantToken()).contentType(MediaType.APPLICATION_JSON).content("{\"name\":\"shop\"}"))
                .andExpect(status().isConflict()).andExpect(jsonPath("$.field").value("name"));
    }

    @Test
    void anIdThatIsNotAUuidNamesNothing() throws Exception {
        mvc.perform(get("/api/v1/databases/not-a-uuid").with(tenantToken())).andExpect(status().isNotFound())
                .andExpect(content().contentType(MediaType.APPLICATION_PROBLEM_JSON));
        verifyNoInteractions(service);
    }

    @Test
    void aListIsPagedForTheCallersTenantAndALimitOutOfRangeIs400() throws Exception {
        Database database = database();
        when(service.page(eq(TENANT), any())).thenReturn(new Pagination.Page<>(List.of(database), null));
        when(views.view(database, false)).thenReturn(view());

        mvc.perform(get("/api/v1/databases").with(tenantToken())).andExpect(status().isOk())
                .andExpect(jsonPath("$[0].name").value("shop")).andExpect(header().doesNotExist("Link"));
        verify(service).page(eq(TENANT), any());

        mvc.perform(get("/api/v1/databases?limit=0").with(tenantToken())).andExpect(status().isBadRequest())
                .andExpect(content().contentType(MediaType.APPLICATION_PROBLEM_JSON));
    }

    @Test
    void aDeletionIsAccepted() throws Exception {
        Database database = database();
        when(service.delete(TENANT, ID)).thenReturn(database);
        when(views.view(database, false)).thenReturn(view());

        mvc.perform(delete("/api/v1/databases/" + ID).with(tenantToken())).andExpect(status().isAccepted())
                .andExpect(jsonPath("$.id").value(ID.toString()));
    }

    private static Database database() {
        Database database = mock(Database.class);
        when(database.getId()).thenReturn(ID);
        when(database.getName()).thenReturn("shop");
        return database;
    }

    private static DatabaseViews.DatabaseView view() {
        Instant at = Instant.parse("2026-01-01T00:00:00Z");
        return new DatabaseViews.DatabaseView(ID, "shop", "ha", 15, DatabaseStatus.PENDING, "Waiting for the reconciler", at, at, null,
                List.of(), null, List.of());
    }
}
