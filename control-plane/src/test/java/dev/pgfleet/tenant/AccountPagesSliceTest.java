package dev.pgfleet.tenant;

import static dev.pgfleet.testsupport.SliceCallers.TENANT;
import static dev.pgfleet.testsupport.SliceCallers.signedIn;
import static org.hamcrest.Matchers.containsString;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;
import static org.springframework.security.test.web.servlet.request.SecurityMockMvcRequestPostProcessors.csrf;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.header;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.redirectedUrl;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import dev.pgfleet.testsupport.ApiSliceTest;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.web.servlet.MockMvc;

/** The account page: the user's tenant's tokens, a new token shown once and not cached, revocation behind CSRF. */
@ApiSliceTest
class AccountPagesSliceTest {
    private static final UUID TOKEN = UUID.fromString("99999999-9999-9999-9999-999999999999");

    @Autowired
    private MockMvc mvc;
    @Autowired
    private AccountService accounts;
    @Autowired
    private OtherSessions otherSessions;

    @Test
    void theTokensOfTheUsersTenantAreListed() throws Exception {
        when(accounts.tokens(TENANT)).thenReturn(List.of(new AccountService.TokenSummary(TOKEN, "ci", Instant.parse("2026-01-01T00:00:00Z"))));

        mvc.perform(get("/account").with(signedIn("alice", TENANT))).andExpect(status().isOk())
                .andExpect(content().string(containsString("/account/tokens/" + TOKEN + "/revoke")));
    }

    @Test
    void aNewTokenIsShownOnceAndNotCached() throws Exception {
        when(accounts.createToken(TENANT, "deploy")).thenReturn(new AccountService.CreatedToken(
                new AccountService.TokenSummary(TOKEN, "deploy", Instant.now()), "pgf_shown_once"));

        mvc.perform(post("/account/tokens").param("label", "deploy").with(signedIn("alice", TENANT)).with(csrf()))
                .andExpect(status().isOk())
                .andExpect(header().string("Cache-Control", containsString("no-store")))
                .andExpect(content().string(containsString("pgf_shown_once")));
    }

    @Test
    void revokingAndChangingThePasswordNeedTheFormsCsrfToken() throws Exception {
        mvc.perform(post("/account/tokens/" + TOKEN + "/revoke").with(signedIn("alice", TENANT))).andExpect(status().isForbidden());
        mvc.perform(post("/account/password").param("current", "a").param("next", "b").param("confirmation", "b")
                .with(signedIn("alice", TENANT))).andExpect(status().isForbidden());
        verify(accounts, never()).revokeToken(any(), any());
        verify(accounts, never()).changePassword(any(), anyString(), anyString(), anyString());

        mvc.perform(post("/account/tokens/" + TOKEN + "/revoke").with(signedIn("alice", TENANT)).with(csrf()))
                .andExpect(status().is3xxRedirection()).andExpect(redirectedUrl("/account"));
        verify(accounts).revokeToken(TENANT, TOKEN);
    }
}
