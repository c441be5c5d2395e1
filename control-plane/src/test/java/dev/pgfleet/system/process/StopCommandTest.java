package dev.pgfleet.system.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pgfleet.system.process.PidFileProcess.StopSignal;
import dev.pgfleet.system.process.StopCommand.Down;
import dev.pgfleet.system.process.StopCommand.StopProcesses;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The command line ./pgfleet down and the benchmarks use: its arguments are read, and refused, before anything is
 * signalled (what the commands do with real processes: PidFileProcessIntegrationTest).
 */
class StopCommandTest {

    @Test
    void readsBothCommands() {
        assertThat(StopCommand.parse(List.of("down", "/var/lib/pgfleet"))).isEqualTo(new Down(Path.of("/var/lib/pgfleet")));
        assertThat(StopCommand.parse(List.of("stop", "/h/etcd/data", "30", "INT", "42", "/h/etcd/etcd.pid", "")))
                .isEqualTo(new StopProcesses("/h/etcd/data", Duration.ofSeconds(30), StopSignal.INT,
                        List.of("42", "/h/etcd/etcd.pid", "")));
        // No target at all is fine: a benchmark's list of PIDs may be empty.
        assertThat(StopCommand.parse(List.of("stop", "m", "0", "TERM"))).isEqualTo(
                new StopProcesses("m", Duration.ZERO, StopSignal.TERM, List.of()));
    }

    @Test
    void refusesWhatItDoesNotUnderstand() {
        assertThatThrownBy(() -> StopCommand.parse(List.of())).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("usage");
        assertThatThrownBy(() -> StopCommand.parse(List.of("down"))).hasMessageContaining("usage");
        assertThatThrownBy(() -> StopCommand.parse(List.of("down", " "))).hasMessageContaining("usage");
        assertThatThrownBy(() -> StopCommand.parse(List.of("up", "/h"))).hasMessageContaining("usage");
        assertThatThrownBy(() -> StopCommand.parse(List.of("stop", "marker", "soon", "TERM", "1")))
                .hasMessageContaining("GRACE_SECONDS");
        assertThatThrownBy(() -> StopCommand.parse(List.of("stop", "marker", "-1", "TERM", "1")))
                .hasMessageContaining("GRACE_SECONDS");
        assertThatThrownBy(() -> StopCommand.parse(List.of("stop", "marker", "5", "KILL", "1")))
                .hasMessageContaining("TERM or INT");
        assertThatThrownBy(() -> StopCommand.parse(List.of("stop", "", "5", "TERM", "1"))).hasMessageContaining("usage");
    }
}
