package dev.pgfleet.backup;

import static dev.pgfleet.testsupport.SliceCallers.TENANT;
import static dev.pgfleet.testsupport.SliceCallers.tenantToken;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.verifyNoInteractions;
import static org.mockito.Mockito.when;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.put;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import dev.pgfleet.problem.Conflict;
import dev.pgfleet.problem.NotFound;
import dev.pgfleet.problem.Unprocessable;
import dev.pgfleet.testsupport.ApiSliceTest;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.MockMvc;

/** The backup API's web layer: the policy's JSON shape, refusals with their status and field, tokens. */
@ApiSliceTest
class BackupControllerSliceTest {
    private static final UUID DB = UUID.fromString("14141414-1414-1414-1414-141414141414");
    private static final String BASE = "/api/v1/databases/" + DB;

    @Autowired
    private MockMvc mvc;
    @Autowired
    private BackupService backups;

    @Test
    void thePolicyOfTheCallersDatabase() throws Exception {
        when(backups.policy(TENANT, DB)).thenReturn(BackupPolicy.defaults(DB));

        mvc.perform(get(BASE + "/backup-policy").with(tenantToken())).andExpect(status().isOk())
                .andExpect(jsonPath("$.cron").isString())
                .andExpect(jsonPath("$.enabled").value(true))
                .andExpect(jsonPath("$.verifyAfterBackup").value(true))
                .andExpect(jsonPath("$.retentionCount").isNumber());
    }

    @Test
    void aPolicyOutOfBoundsIs422NamingTheField() throws Exception {
        when(backups.updatePolicy(eq(TENANT), eq(DB), any())).thenThrow(new Unprocessable("Too frequent", "At most hourly.", "cron"));
        mvc.perform(put(BASE + "/backup-policy").with(tenantToken()).contentType(MediaType.APPLICATION_JSON)
                        .content("{\"cron\":\"0 * * * * ?\",\"enabled\":true}"))
                .andExpect(status().isUnprocessableEntity()).andExpect(jsonPath("$.field").value("cron"))
                .andExpect(content().contentType(MediaType.APPLICATION_PROBLEM_JSON));
    }

    @Test
    void aSecondBackupAtOnceIs409AndAnUnknownBackupIs404() throws Exception {
        when(backups.requestBackup(TENANT, DB)).thenThrow(new Conflict("Busy", "A backup of this database is running."));
        mvc.perform(post(BASE + "/backups").with(tenantToken())).andExpect(status().isConflict())
                .andExpect(content().contentType(MediaType.APPLICATION_PROBLEM_JSON));

        UUID backup = UUID.randomUUID();
        when(backups.get(TENANT, DB, backup)).thenThrow(new NotFound("Backup " + backup));
        mvc.perform(get(BASE + "/backups/" + backup).with(tenantToken())).andExpect(status().isNotFound());
    }

    @Test
    void withoutATokenNothingIsAsked() throws Exception {
        mvc.perform(post(BASE + "/backups")).andExpect(status().isUnauthorized());
        mvc.perform(get(BASE + "/backup-policy").with(dev.pgfleet.testsupport.SliceCallers.bearer("pgf_unknown"))).andExpect(status().isUnauthorized());
        verifyNoInteractions(backups);
    }
}
