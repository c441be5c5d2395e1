package dev.pgfleet.system.process;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Which command lines carry a marker (PidFileProcess.carriesMarker): only an argument that is the marker, or
 * PostgreSQL's {@code -D<pgdata>}; never a longer argument that contains it (with real processes:
 * PidFileProcessIntegrationTest).
 */
class PidFileMarkerTest {

    @Test
    void anArgumentThatIsTheMarkerCarriesIt() {
        assertThat(PidFileProcess.carriesMarker(List.of("pgbouncer", "/h/databases/d1/pooler/pgbouncer.ini"),
                "/h/databases/d1/pooler/pgbouncer.ini")).isTrue();
        assertThat(PidFileProcess.carriesMarker(List.of("postgres", "-D", "/h/scratch/v1/pgdata", "--config-file=x"),
                "/h/scratch/v1/pgdata")).isTrue();
        assertThat(PidFileProcess.carriesMarker(List.of("postgres", "-D/h/scratch/v1/pgdata"), "/h/scratch/v1/pgdata")).isTrue();
        assertThat(PidFileProcess.carriesMarker(List.of("java", "-jar", "/r/pgfleet-control-plane.jar", "--pgfleet.home=/var/lib/pgfleet"),
                LocalHomeShutdown.controlPlaneMarker(Path.of("/var/lib/pgfleet")))).isTrue();
    }

    @Test
    void aMarkerInsideALongerArgumentDoesNot() {
        assertThat(PidFileProcess.carriesMarker(List.of("java", "-jar", "/r/pgfleet-control-plane.jar", "--pgfleet.home=/var/lib/pgfleet2"),
                LocalHomeShutdown.controlPlaneMarker(Path.of("/var/lib/pgfleet")))).as("another home").isFalse();
        assertThat(PidFileProcess.carriesMarker(List.of("postgres", "-D", "/h/scratch/v1/pgdata2"), "/h/scratch/v1/pgdata")).isFalse();
        assertThat(PidFileProcess.carriesMarker(List.of("postgres", "-D", "/x/h/scratch/v1/pgdata"), "/h/scratch/v1/pgdata")).isFalse();
        assertThat(PidFileProcess.carriesMarker(List.of("sh", "-c", "postgres -D /h/scratch/v1/pgdata"), "/h/scratch/v1/pgdata")).isFalse();
        assertThat(PidFileProcess.carriesMarker(List.of("java", "-jar", "/r/pgfleet-control-plane.jar"),
                LocalHomeShutdown.controlPlaneMarker(Path.of("/var/lib/pgfleet")))).as("the jar alone").isFalse();
        assertThat(PidFileProcess.carriesMarker(List.of("sleep", ""), "")).as("no marker matches nothing").isFalse();
    }

    @Test
    void theControlPlaneMarkerIsTheAbsoluteNormalizedHome() {
        assertThat(LocalHomeShutdown.controlPlaneMarker(Path.of("/var/lib/./pgfleet/"))).isEqualTo("--pgfleet.home=/var/lib/pgfleet");
    }
}
