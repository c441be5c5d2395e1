package dev.pgfleet.backup;

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
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.flash;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.redirectedUrl;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import dev.pgfleet.database.Database;
import dev.pgfleet.database.DatabaseService;
import dev.pgfleet.database.DatabaseStatus;
import dev.pgfleet.problem.Conflict;
import dev.pgfleet.problem.NotFound;
import dev.pgfleet.problem.Unprocessable;
import dev.pgfleet.testsupport.ApiSliceTest;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.web.servlet.MockMvc;

/**
 * The dashboard's backup tab goes through BackupService with the signed-in user's tenant: a refusal is shown on the page
 * (beside its field when it has one), never a server error, and nothing changes without the form's CSRF token.
 */
@ApiSliceTest
class BackupPagesSliceTest {
    private static final UUID ID = UUID.fromString("77777777-7777-7777-7777-777777777777");

    @Autowired
    private MockMvc mvc;
    @Autowired
    private BackupService service;
    @Autowired
    private DatabaseService databases;

    @Test
    void backupNowNeedsTheCsrfTokenThenAsksForTheCallersTenant() throws Exception {
        mvc.perform(post("/databases/" + ID + "/backups").with(signedIn("alice", TENANT))).andExpect(status().isForbidden());
        verify(service, never()).requestBackup(any(), any());

        mvc.perform(post("/databases/" + ID + "/backups").with(signedIn("alice", TENANT)).with(csrf()))
                .andExpect(status().is3xxRedirection()).andExpect(redirectedUrl("/databases/" + ID + "/backups"))
                .andExpect(flash().attribute("notice", containsString("Backup started")));
        verify(service).requestBackup(TENANT, ID);
    }

    @Test
    void aRefusedBackupIsShownOnThePageNotAsAnError() throws Exception {
        when(service.requestBackup(TENANT, ID)).thenThrow(new Conflict("Operation in progress",
                "A restore of this database is running (operation 1); wait for it to finish."));
        mvc.perform(post("/databases/" + ID + "/backups").with(signedIn("alice", TENANT)).with(csrf()))
                .andExpect(status().is3xxRedirection())
                .andExpect(flash().attribute("problem", containsString("A restore of this database is running")));
    }

    @Test
    void anotherTenantsDatabaseIsThe404ErrorPage() throws Exception {
        when(service.requestBackup(TENANT, ID)).thenThrow(new NotFound("Database " + ID));
        mvc.perform(post("/databases/" + ID + "/backups").with(signedIn("alice", TENANT)).with(csrf()))
                .andExpect(status().isNotFound()).andExpect(content().contentTypeCompatibleWith("text/html"));
    }

    @Test
    void aPolicyWithAWrongNumberIsRefusedBesideItsFieldAndNotSaved() throws Exception {
        pageData();
        mvc.perform(post("/databases/" + ID + "/backup-policy").param("cron", "0 0 3 * * ?").param("enabled", "true")
                        .param("retentionCount", "seven").with(signedIn("alice", TENANT)).with(csrf()))
                .andExpect(status().isUnprocessableEntity())
                .andExpect(content().string(containsString("&#39;seven&#39; is not a whole number.")));
        verify(service, never()).updatePolicy(any(), any(), any());
    }

    @Test
    void aPolicyTheServiceRefusesShowsItsSentenceWith422() throws Exception {
        pageData();
        when(service.updatePolicy(eq(TENANT), eq(ID), any())).thenThrow(new Unprocessable("Schedule too frequent",
                "'0 * * * * ?' runs backups 1 minute apart; backups may run at most once every 1 hour.", "cron"));
        mvc.perform(post("/databases/" + ID + "/backup-policy").param("cron", "0 * * * * ?").param("enabled", "true")
                        .with(signedIn("alice", TENANT)).with(csrf()))
                .andExpect(status().isUnprocessableEntity())
                .andExpect(content().string(containsString("backups may run at most once every 1 hour.")));
    }

    private void pageData() {
        Database db = mock(Database.class);
        when(db.getId()).thenReturn(ID);
        when(db.getName()).thenReturn("shop");
        when(db.getPlan()).thenReturn("ha");
        when(db.getStatus()).thenReturn(DatabaseStatus.READY);
        when(db.getCreatedAt()).thenReturn(Instant.parse("2026-01-01T00:00:00Z"));
        when(databases.get(TENANT, ID)).thenReturn(db);
        when(service.list(TENANT, ID)).thenReturn(List.of());
    }
}
