package dev.pgfleet.provisioning.kubernetes;

import static dev.pgfleet.testsupport.SliceCallers.TENANT;
import static dev.pgfleet.testsupport.SliceCallers.tenantToken;
import static org.mockito.Mockito.verifyNoInteractions;
import static org.mockito.Mockito.when;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import dev.pgfleet.blueprint.kubernetes.KubernetesSettings;
import dev.pgfleet.database.DatabaseService;
import dev.pgfleet.problem.NotFound;
import dev.pgfleet.provisioning.DesiredClusters;
import dev.pgfleet.testsupport.ApiSliceTest;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.MockMvc;

/** The manifests export is tenant-scoped like every database call (the YAML itself: KubernetesBlueprint's golden tests). */
@ApiSliceTest
class ManifestControllerSliceTest {
    private static final UUID ID = UUID.fromString("77777777-7777-7777-7777-777777777777");

    @Autowired
    private MockMvc mvc;
    @Autowired
    private DatabaseService databases;
    @Autowired
    private DesiredClusters desiredClusters;
    @Autowired
    private KubernetesSettings settings;

    @Test
    void anotherTenantsDatabaseIs404AsProblemJsonAndNothingIsBuilt() throws Exception {
        when(databases.get(TENANT, ID)).thenThrow(new NotFound("Database " + ID));
        mvc.perform(get("/api/v1/databases/" + ID + "/manifests").with(tenantToken()).accept("application/yaml", "application/problem+json"))
                .andExpect(status().isNotFound()).andExpect(content().contentType(MediaType.APPLICATION_PROBLEM_JSON));
        verifyNoInteractions(desiredClusters);
    }

    @Test
    void withoutATokenIs401() throws Exception {
        mvc.perform(get("/api/v1/databases/" + ID + "/manifests")).andExpect(status().isUnauthorized());
        verifyNoInteractions(databases);
    }
}
