package dev.pgfleet.system.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line ./pgfleet down and the benchmarks use: its arguments are checked before anything is signalled. */
class StopCommandTest {

    @Test
    void refusesWhatItDoesNotUnderstand() {
        assertThatThrownBy(() -> StopCommand.run(List.of())).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("usage");
        assertThatThrownBy(() -> StopCommand.run(List.of("down"))).hasMessageContaining("usage");
        assertThatThrownBy(() -> StopCommand.run(List.of("stop", "marker", "soon", "TERM", "1")))
                .hasMessageContaining("GRACE_SECONDS");
        assertThatThrownBy(() -> StopCommand.run(List.of("stop", "marker", "5", "KILL", "1")))
                .hasMessageContaining("TERM or INT");
        assertThatThrownBy(() -> StopCommand.run(List.of("stop", "", "5", "TERM", "1"))).hasMessageContaining("usage");
    }

    @Test
    void aHomeWithNothingRunningIsStoppedAtOnce(@TempDir Path home) throws IOException {
        // Pid files naming nobody (no such process, not a number, a link) are skipped, not errors.
        Path members = Files.createDirectories(home.resolve("databases/d1/members/m0"));
        Files.writeString(members.resolve("patroni.pid"), "4194999\n");
        Files.writeString(home.resolve("control-plane.pid"), "not a pid\n");
        Files.createSymbolicLink(home.resolve("databases/d1/pooler"), Path.of("/"));

        assertThat(StopCommand.run(List.of("down", home.toString()))).isZero();
        assertThat(StopCommand.run(List.of("down", home.resolve("absent").toString()))).isZero();
    }

    @Test
    void aPidThatIsNotOursIsLeftAlone() {
        // This JVM's own PID, with a marker its command line does not contain: nothing is signalled, all is well.
        long self = ProcessHandle.current().pid();

        assertThat(StopCommand.run(List.of("stop", "no-such-marker-" + self, "1", "TERM", Long.toString(self), ""))).isZero();
        assertThat(ProcessHandle.current().isAlive()).isTrue();
    }
}
