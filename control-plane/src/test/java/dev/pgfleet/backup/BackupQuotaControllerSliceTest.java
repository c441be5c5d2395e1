package dev.pgfleet.backup;

import static dev.pgfleet.testsupport.SliceCallers.TENANT;
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

import dev.pgfleet.problem.InvalidInput;
import dev.pgfleet.testsupport.ApiSliceTest;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.MockMvc;

/** A tenant reads its own backup usage; only the admin sets a tenant's quota. */
@ApiSliceTest
class BackupQuotaControllerSliceTest {
    private static final UUID OTHER = UUID.fromString("33333333-3333-3333-3333-333333333333");

    @Autowired
    private MockMvc mvc;
    @Autowired
    private BackupQuota quota;

    @Test
    void aTenantSeesItsOwnUsage() throws Exception {
        when(quota.usageOf(TENANT.tenantId())).thenReturn(new BackupQuota.Usage(300, 1000, false));

        mvc.perform(get("/api/v1/backup-usage").with(tenantToken())).andExpect(status().isOk())
                .andExpect(jsonPath("$.usedBytes").value(300))
                .andExpect(jsonPath("$.quotaBytes").value(1000))
                .andExpect(jsonPath("$.ownQuota").value(false))
                .andExpect(jsonPath("$.quotaReached").value(false));
    }

    @Test
    void onlyTheAdminSetsAQuotaAndANegativeOneIs400WithTheField() throws Exception {
        mvc.perform(put("/api/v1/tenants/" + OTHER + "/backup-quota").with(tenantToken()).contentType(MediaType.APPLICATION_JSON)
                .content("{\"quotaBytes\":1}")).andExpect(status().isForbidden());
        verifyNoInteractions(quota);

        when(quota.setOwnQuota(OTHER, 5000L)).thenReturn(new BackupQuota.Usage(0, 5000, true));
        mvc.perform(put("/api/v1/tenants/" + OTHER + "/backup-quota").with(adminToken()).contentType(MediaType.APPLICATION_JSON)
                .content("{\"quotaBytes\":5000}")).andExpect(status().isOk()).andExpect(jsonPath("$.ownQuota").value(true));

        when(quota.setOwnQuota(OTHER, -1L)).thenThrow(new InvalidInput("Invalid quota", "'quotaBytes' must be 0 or more", "quotaBytes"));
        mvc.perform(put("/api/v1/tenants/" + OTHER + "/backup-quota").with(adminToken()).contentType(MediaType.APPLICATION_JSON)
                .content("{\"quotaBytes\":-1}")).andExpect(status().isBadRequest())
                .andExpect(content().contentType(MediaType.APPLICATION_PROBLEM_JSON)).andExpect(jsonPath("$.field").value("quotaBytes"));
    }
}
