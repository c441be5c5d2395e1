package dev.pgfleet.tenant;

import static dev.pgfleet.testsupport.SliceCallers.adminToken;
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

import dev.pgfleet.problem.Conflict;
import dev.pgfleet.problem.InvalidInput;
import dev.pgfleet.testsupport.ApiSliceTest;
import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.MockMvc;

/** Creating tenants: the admin only; the token is in the answer once; refusals as problem+json with the field. */
@ApiSliceTest
class TenantControllerSliceTest {
    private static final UUID ID = UUID.fromString("22222222-2222-2222-2222-222222222222");

    @Autowired
    private MockMvc mvc;
    @Autowired
    private TenantService tenants;

    @Test
    void theAdminCreatesATenantAndGetsItsTokenOnce() throws Exception {
        Tenant tenant = mock(Tenant.class);
        when(tenant.getId()).thenReturn(ID);
        when(tenant.getName()).thenReturn("acme");
        when(tenant.getDatabaseQuota()).thenReturn(10);
        when(tenant.getCreatedAt()).thenReturn(Instant.parse("2026-01-01T00:00:00Z"));
        when(tenants.createTenant("acme", false)).thenReturn(new TenantService.CreatedTenant(tenant, "pgf_secret"));

        mvc.perform(post("/api/v1/tenants").with(adminToken()).contentType(MediaType.APPLICATION_JSON).content("{\"name\":\"acme\"}"))
                .andExpect(status().isCreated())
                .andExpect(header().string("Location", "/api/v1/tenants/" + ID))
                .andExpect(jsonPath("$.id").value(ID.toString()))
                .andExpect(jsonPath("$.name").value("acme"))
                .andExpect(jsonPath("$.databaseQuota").value(10))
                .andExpect(jsonPath("$.token").value("pgf_secret"));
    }

    @Test
    void aTenantsTokenCannotCreateTenants() throws Exception {
        mvc.perform(post("/api/v1/tenants").with(tenantToken()).contentType(MediaType.APPLICATION_JSON).content("{\"name\":\"evil\"}"))
                .andExpect(status().isForbidden()).andExpect(content().contentType(MediaType.APPLICATION_PROBLEM_JSON));
        verify(tenants, org.mockito.Mockito.never()).createTenant(any(), org.mockito.ArgumentMatchers.anyBoolean());
    }

    @Test
    void anInvalidOrTakenNameIsRefusedWithTheField() throws Exception {
        when(tenants.createTenant(eq("Bad Name"), eq(false))).thenThrow(new InvalidInput("Invalid name", "lowercase...", "name"));
        when(tenants.createTenant(eq("acme"), eq(false))).thenThrow(new Conflict("Name taken", "A tenant named acme exists.", "name"));

        mvc.perform(post("/api/v1/tenants").with(adminToken()).contentType(MediaType.APPLICATION_JSON).content("{\"name\":\"Bad Name\"}"))
                .andExpect(status().isBadRequest()).andExpect(jsonPath("$.field").value("name"));
        mvc.perform(post("/api/v1/tenants").with(adminToken()).contentType(MediaType.APPLICATION_JSON).content("{\"name\":\"acme\"}"))
                .andExpect(status().isConflict()).andExpect(jsonPath("$.field").value("name"));
    }
}
