package dev.pgfleet.node;

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

import dev.pgfleet.testsupport.ApiSliceTest;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.MockMvc;

/** The node list is the admin's: a tenant's token is refused before the inventory is asked. */
@ApiSliceTest
class NodeControllerSliceTest {
    @Autowired
    private MockMvc mvc;
    @Autowired
    private NodeInventory inventory;

    @Test
    void theAdminSeesEachNodeWithItsCapacityAndUse() throws Exception {
        when(inventory.fetchNodes()).thenReturn(List.of(new NodeInventory.NodeCapacity("node-a", true, 4000, 8L << 30, 1500, 2L << 30, 3)));

        mvc.perform(get("/api/v1/nodes").with(adminToken())).andExpect(status().isOk())
                .andExpect(jsonPath("$[0].name").value("node-a"))
                .andExpect(jsonPath("$[0].nvme").value(true))
                .andExpect(jsonPath("$[0].cpuMillis").value(4000))
                .andExpect(jsonPath("$[0].members").value(3));
    }

    @Test
    void aTenantsTokenIs403AndNoTokenIs401() throws Exception {
        mvc.perform(get("/api/v1/nodes").with(tenantToken())).andExpect(status().isForbidden())
                .andExpect(content().contentType(MediaType.APPLICATION_PROBLEM_JSON));
        mvc.perform(get("/api/v1/nodes")).andExpect(status().isUnauthorized());
        verifyNoInteractions(inventory);
    }
}
