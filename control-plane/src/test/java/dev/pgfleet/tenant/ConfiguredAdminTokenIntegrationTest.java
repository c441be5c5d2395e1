package dev.pgfleet.tenant;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgfleet.testsupport.ControlPlane;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Where the home does not survive restarts (a Kubernetes pod), the operator supplies the admin token. */
@Tag("integration")
class ConfiguredAdminTokenIntegrationTest {

    @Test
    void theConfiguredAdminTokenIsTheAdminsToken() throws Exception {
        String token = "pgf_configured-by-the-operator-0123456789";
        try (ControlPlane cp = ControlPlane.start(Map.of("pgfleet.admin-token", token))) {
            assertThat(cp.home().resolve("admin-token")).as("the operator holds it; not copied to disk").doesNotExist();
            assertThat(cp.post("/api/v1/tenants", token, "{\"name\":\"acme\"}").status()).isEqualTo(201);
            assertThat(cp.post("/api/v1/tenants", "pgf_some-other-token-0123456789abcdef", "{\"name\":\"b\"}").status()).isEqualTo(401);
        }
    }
}
