package dev.pgfleet.tenant;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgfleet.testsupport.ControlPlane;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

/**
 * The generated admin token reaches the console once, on the start that generates it; every later start says
 * where the token is and never prints it (logs of restarts are collected and kept in many places).
 */
@ExtendWith(OutputCaptureExtension.class)
@Tag("integration")
class AdminTokenPrintedOnceIntegrationTest {

    @Test
    void theTokenIsPrintedOnTheFirstStartOnlyAndItsFileOnEveryStart(CapturedOutput output) throws Exception {
        try (ControlPlane cp = ControlPlane.start()) {
            String token = cp.adminToken();
            String tokenFile = cp.home().resolve("admin-token").toString();
            String first = output.getOut();
            assertThat(count(first, token)).as("printed once, when generated").isEqualTo(1);
            assertThat(first).contains("Admin token:  in " + tokenFile);

            int mark = output.getOut().length();
            cp.restart();
            String second = output.getOut().substring(mark);
            assertThat(second).contains("pgfleet control plane is up").contains("Admin token:  in " + tokenFile);
            assertThat(second).as("a restart does not print the token").doesNotContain(token);
            assertThat(output.getErr()).doesNotContain(token);
            assertThat(cp.get("/api/v1/databases", token).status()).as("the same token still works").isEqualTo(200);
        }
    }

    private static int count(String haystack, String needle) {
        int n = 0;
        for (int i = haystack.indexOf(needle); i >= 0; i = haystack.indexOf(needle, i + 1)) {
            n++;
        }
        return n;
    }
}
