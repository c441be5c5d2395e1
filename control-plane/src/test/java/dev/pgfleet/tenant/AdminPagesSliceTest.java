package dev.pgfleet.tenant;

import static dev.pgfleet.testsupport.SliceCallers.ADMIN;
import static dev.pgfleet.testsupport.SliceCallers.TENANT;
import static dev.pgfleet.testsupport.SliceCallers.signedIn;
import static org.hamcrest.Matchers.containsString;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.verifyNoInteractions;
import static org.mockito.Mockito.when;
import static org.springframework.security.test.web.servlet.request.SecurityMockMvcRequestPostProcessors.csrf;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.header;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import dev.pgfleet.problem.NotFound;
import dev.pgfleet.testsupport.ApiSliceTest;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.web.servlet.MockMvc;

/** The admin's pages: only the admin tenant's users reach them, forms need their CSRF token, secrets are not cached. */
@ApiSliceTest
class AdminPagesSliceTest {
    private static final UUID ACME = UUID.fromString("55555555-5555-5555-5555-555555555555");

    @Autowired
    private MockMvc mvc;
    @Autowired
    private TenantService tenants;
    @Autowired
    private AccountService accounts;

    @Test
    void theAdminSeesTheTenants() throws Exception {
        when(accounts.tenants(ADMIN)).thenReturn(List.of(new AccountService.TenantSummary(ACME, "acme", false, 10,
                Instant.parse("2026-01-01T00:00:00Z"), 2)));

        mvc.perform(get("/admin/tenants").with(signedIn("admin", ADMIN))).andExpect(status().isOk())
                .andExpect(content().string(containsString("/admin/tenants/" + ACME)))
                .andExpect(content().string(containsString("acme")));
    }

    @Test
    void aTenantsUserIsRefusedAndAVisitorSentToSignIn() throws Exception {
        mvc.perform(get("/admin/tenants").with(signedIn("alice", TENANT))).andExpect(status().isForbidden());
        mvc.perform(get("/admin/tenants")).andExpect(status().is3xxRedirection());
        verifyNoInteractions(accounts);
    }

    @Test
    void creatingATenantNeedsTheFormsCsrfTokenAndShowsTheSecretsOnceUncached() throws Exception {
        mvc.perform(post("/admin/tenants").param("name", "acme").with(signedIn("admin", ADMIN))).andExpect(status().isForbidden());
        verify(tenants, never()).createTenant(any(), org.mockito.ArgumentMatchers.anyBoolean());

        Tenant tenant = mock(Tenant.class);
        when(tenant.getId()).thenReturn(ACME);
        when(tenant.getName()).thenReturn("acme");
        when(tenants.createTenant("acme", false)).thenReturn(new TenantService.CreatedTenant(tenant, "pgf_once"));
        when(accounts.enableFirstUser(ADMIN, ACME)).thenReturn(new AccountService.UserWithPassword(
                new AccountService.UserSummary(UUID.randomUUID(), "acme", Instant.now(), true), "first-password"));

        mvc.perform(post("/admin/tenants").param("name", " acme ").with(signedIn("admin", ADMIN)).with(csrf()))
                .andExpect(status().isOk())
                .andExpect(header().string("Cache-Control", containsString("no-store")))
                .andExpect(content().string(containsString("pgf_once")))
                .andExpect(content().string(containsString("first-password")));
    }

    @Test
    void anUnknownTenantIsTheErrorPageWith404() throws Exception {
        when(accounts.tenant(ADMIN, ACME)).thenThrow(new NotFound("Tenant " + ACME));
        mvc.perform(get("/admin/tenants/" + ACME).with(signedIn("admin", ADMIN))).andExpect(status().isNotFound())
                .andExpect(content().contentTypeCompatibleWith("text/html"));
    }
}
