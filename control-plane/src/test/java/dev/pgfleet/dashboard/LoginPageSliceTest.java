package dev.pgfleet.dashboard;

import static dev.pgfleet.testsupport.SliceCallers.TENANT;
import static dev.pgfleet.testsupport.SliceCallers.signedIn;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.not;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.header;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.redirectedUrl;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import dev.pgfleet.testsupport.ApiSliceTest;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.web.servlet.MockMvc;

/** The sign-in page is open, says how long a throttled visitor waits, and every other page sends a visitor to it. */
@ApiSliceTest
class LoginPageSliceTest {
    @Autowired
    private MockMvc mvc;

    @Test
    void theSignInPageIsOpenAndCarriesTheFormsCsrfToken() throws Exception {
        mvc.perform(get("/login")).andExpect(status().isOk())
                .andExpect(content().string(containsString("name=\"username\"")))
                .andExpect(content().string(containsString("name=\"_csrf\"")))
                .andExpect(header().string("Content-Security-Policy", containsString("script-src 'self'")));
    }

    @Test
    void aThrottledVisitorIsToldTheWaitInSecondsAndNothingElseIsEchoed() throws Exception {
        mvc.perform(get("/login?throttled=42")).andExpect(status().isOk()).andExpect(content().string(containsString("42")));
        mvc.perform(get("/login?throttled=<script>")).andExpect(status().isOk())
                .andExpect(content().string(not(containsString("<script>"))));
    }

    @Test
    void aVisitorIsSentToSignInAndAnHtmxRequestLoadsItAsAWholePage() throws Exception {
        mvc.perform(get("/")).andExpect(status().is3xxRedirection()).andExpect(redirectedUrl("http://localhost/login"));
        mvc.perform(get("/").header("HX-Request", "true")).andExpect(status().isNoContent())
                .andExpect(header().string("HX-Redirect", "/login"));
    }

    @Test
    void theRootIsTheDatabasesListForASignedInUser() throws Exception {
        mvc.perform(get("/").with(signedIn("alice", TENANT))).andExpect(status().is3xxRedirection()).andExpect(redirectedUrl("/databases"));
    }
}
