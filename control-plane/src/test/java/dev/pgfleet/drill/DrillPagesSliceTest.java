package dev.pgfleet.drill;

import static dev.pgfleet.testsupport.SliceCallers.TENANT;
import static dev.pgfleet.testsupport.SliceCallers.signedIn;
import static org.hamcrest.Matchers.containsString;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;
import static org.springframework.security.test.web.servlet.request.SecurityMockMvcRequestPostProcessors.csrf;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.flash;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.redirectedUrl;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import dev.pgfleet.database.Database;
import dev.pgfleet.database.DatabaseService;
import dev.pgfleet.database.DatabaseStatus;
import dev.pgfleet.problem.Conflict;
import dev.pgfleet.problem.InvalidInput;
import dev.pgfleet.testsupport.ApiSliceTest;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.web.servlet.MockMvc;

/** The dashboard's drill tab goes through DrillService with the signed-in user's tenant; refusals stay on the page. */
@ApiSliceTest
class DrillPagesSliceTest {
    private static final UUID ID = UUID.fromString("66666666-6666-6666-6666-666666666666");

    @Autowired
    private MockMvc mvc;
    @Autowired
    private DrillService service;
    @Autowired
    private DatabaseService databases;

    @Test
    void runningADrillNeedsTheCsrfTokenThenAsksForTheCallersTenant() throws Exception {
        mvc.perform(post("/databases/" + ID + "/drills").param("type", "kill-primary").with(signedIn("alice", TENANT)))
                .andExpect(status().isForbidden());
        verify(service, never()).requestDrill(any(), any(), any());

        Drill drill = new Drill(ID, Drill.Kind.KILL_PRIMARY, Drill.Trigger.ON_DEMAND);
        when(service.requestDrill(TENANT, ID, new DrillService.DrillRequest("kill-primary"))).thenReturn(drill);
        mvc.perform(post("/databases/" + ID + "/drills").param("type", "kill-primary").with(signedIn("alice", TENANT)).with(csrf()))
                .andExpect(status().is3xxRedirection()).andExpect(redirectedUrl("/databases/" + ID + "/drills"))
                .andExpect(flash().attribute("notice", containsString("kill-primary drill started")));
    }

    @Test
    void aDrillRefusedForASwitchoverInProgressIsShownOnThePage() throws Exception {
        when(service.requestDrill(eq(TENANT), eq(ID), any())).thenThrow(new Conflict("Operation in progress",
                "A switchover of this database is running (operation 2); wait for it to finish."));
        mvc.perform(post("/databases/" + ID + "/drills").param("type", "switchover").with(signedIn("alice", TENANT)).with(csrf()))
                .andExpect(status().is3xxRedirection())
                .andExpect(flash().attribute("problem", containsString("A switchover of this database is running")));
    }

    @Test
    void aPolicyTheServiceRefusesIsShownBesideItsFieldWith422() throws Exception {
        Database db = mock(Database.class);
        when(db.getId()).thenReturn(ID);
        when(db.getName()).thenReturn("orders");
        when(db.getPlan()).thenReturn("ha");
        when(db.getStatus()).thenReturn(DatabaseStatus.READY);
        when(db.getCreatedAt()).thenReturn(Instant.parse("2026-01-01T00:00:00Z"));
        when(databases.get(TENANT, ID)).thenReturn(db);
        when(service.list(TENANT, ID)).thenReturn(List.of());
        when(service.updatePolicy(eq(TENANT), eq(ID), any())).thenThrow(new InvalidInput("Invalid drill type",
                "'type' must be \"switchover\" or \"kill-primary\", not 'unplug'.", "type"));

        mvc.perform(post("/databases/" + ID + "/drill-policy").param("cron", "0 0 4 ? * SUN").param("enabled", "true")
                        .param("type", "unplug").with(signedIn("alice", TENANT)).with(csrf()))
                .andExpect(status().isUnprocessableEntity())
                .andExpect(content().string(containsString("must be &quot;switchover&quot; or &quot;kill-primary&quot;")));
    }
}
