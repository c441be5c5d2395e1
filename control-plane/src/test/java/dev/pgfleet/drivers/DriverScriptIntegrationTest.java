package dev.pgfleet.drivers;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a driver script inherits from the test: exactly the allow-listed environment, and its exit code and output. */
@Tag("integration")
class DriverScriptIntegrationTest {
    @TempDir
    Path home;

    @Test
    void aScriptGetsTheAllowListedEnvironmentAndNothingOfTheTests() {
        // The surefire and failsafe configuration puts PGFLEET_ENV_CANARY into this JVM's environment, as a stand-in for the control
        // plane's secrets.
        assertThat(System.getenv()).containsKey("PGFLEET_ENV_CANARY");
        DriverScript.Run run = DriverScript.run(home, List.of(DriverScript.program("env")));
        assertThat(run.exitCode()).as(run.toString()).isZero();
        Map<String, String> seen = run.stdout().lines().map(l -> l.split("=", 2))
                .collect(Collectors.toMap(kv -> kv[0], kv -> kv[1]));
        assertThat(seen).isEqualTo(DriverScript.environment(home));
        assertThat(seen.keySet()).as("no PGFLEET_* and no PG* variable a driver would read").noneMatch(k -> k.startsWith("PG"));
    }

    @Test
    void aFailingScriptReportsItsExitCodeAndBothStreams() {
        DriverScript.Run run = DriverScript.run(home,
                List.of("/usr/bin/python3", "-c", "import sys; print('partial'); sys.exit('broken')"));
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.stdout()).isEqualTo("partial\n");
        assertThat(run.stderr()).contains("broken");
    }
}
