package dev.pgfleet.system.process;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgfleet.system.PgfleetProperties;
import dev.pgfleet.system.process.PidFileProcess.StopSignal;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Real child processes (a {@code sleep} whose command line carries a marker, through bash's {@code exec -a}) stopped
 * through their pid files the way the control plane, {@code ./pgfleet down} and the benchmarks stop theirs.
 */
@Tag("integration")
class PidFileProcessIntegrationTest {
    private final List<Process> started = new ArrayList<>();
    private Path dir;
    private String marker;

    @BeforeEach
    void createDirectory() throws IOException {
        dir = Files.createTempDirectory("pgfleet-pidfile-");
        marker = dir.resolve("sleeper-" + UUID.randomUUID()).toString();
    }

    @AfterEach
    void killWhatIsLeft() throws IOException {
        started.forEach(Process::destroyForcibly);
        Directories.deleteRecursively(dir);
    }

    @Test
    void stopsTheProcessItsPidFileNamesWhileTheMarkerMatches() throws Exception {
        Process sleeper = start("exec -a " + marker + " sleep 300");
        Path pidFile = pidFile(sleeper.pid());

        assertThat(PidFileProcess.findRunning(pidFile, marker)).map(ProcessHandle::pid).contains(sleeper.pid());
        assertThat(PidFileProcess.stopIfRunning(pidFile, marker, StopSignal.TERM, Duration.ofSeconds(10))).isTrue();

        assertThat(sleeper.waitFor(5, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        // SIGTERM ended it, not the SIGKILL that follows a grace period.
        assertThat(sleeper.exitValue()).isEqualTo(128 + 15);
        assertThat(PidFileProcess.findRunning(pidFile, marker)).isEmpty();
    }

    @Test
    void interruptsWhenAskedForPostgresFastShutdown() throws Exception {
        Process sleeper = start("exec -a " + marker + " sleep 300");

        assertThat(PidFileProcess.stopIfRunning(pidFile(sleeper.pid()), marker, StopSignal.INT, Duration.ofSeconds(10))).isTrue();

        assertThat(sleeper.waitFor(5, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        assertThat(sleeper.exitValue()).isEqualTo(128 + 2);
    }

    @Test
    void refusesToSignalAPidWhoseCommandLineLacksTheMarker() throws Exception {
        // What a recycled PID looks like: the pid file names a live process that is not the one we started.
        Process stranger = start("exec -a " + dir.resolve("someone-else") + " sleep 300");
        Path pidFile = pidFile(stranger.pid());

        assertThat(PidFileProcess.findRunning(pidFile, marker)).isEmpty();
        assertThat(PidFileProcess.stopIfRunning(pidFile, marker, StopSignal.TERM, Duration.ofSeconds(1))).isFalse();

        assertThat(stranger.waitFor(2, java.util.concurrent.TimeUnit.SECONDS)).as("the stranger was signalled").isFalse();
        assertThat(stranger.isAlive()).isTrue();
    }

    @Test
    void killsAProcessThatIgnoresTheSignalOnceTheGracePeriodIsOver() throws Exception {
        // An ignored signal stays ignored across exec.
        Process stubborn = start("trap '' TERM; exec -a " + marker + " sleep 300");
        awaitCommandLine(stubborn.pid());
        long before = System.nanoTime();

        assertThat(PidFileProcess.stopIfRunning(pidFile(stubborn.pid()), marker, StopSignal.TERM, Duration.ofSeconds(2))).isTrue();

        Duration took = Duration.ofNanos(System.nanoTime() - before);
        assertThat(stubborn.waitFor(5, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        assertThat(stubborn.exitValue()).as("ended by SIGKILL").isEqualTo(128 + 9);
        assertThat(took).isGreaterThanOrEqualTo(Duration.ofSeconds(2)).isLessThan(Duration.ofSeconds(10));
    }

    @Test
    void neverFollowsALinkedPidFile() throws Exception {
        Process sleeper = start("exec -a " + marker + " sleep 300");
        Path link = Files.createSymbolicLink(dir.resolve("linked.pid"), pidFile(sleeper.pid()));

        assertThat(PidFileProcess.readPid(link)).isEmpty();
        assertThat(PidFileProcess.stopIfRunning(link, marker, StopSignal.TERM, Duration.ofSeconds(1))).isFalse();
        assertThat(sleeper.isAlive()).isTrue();
    }

    @Test
    void theStopCommandStopsByPidAndPidFileAndLeavesOthersAlone() throws Exception {
        Process mine = start("exec -a " + marker + " sleep 300");
        Process stranger = start("exec -a " + dir.resolve("someone-else") + " sleep 300");

        int status = StopCommand.run(StopCommand.parse(List.of("stop", marker, "10", "TERM", Long.toString(stranger.pid()),
                pidFile(mine.pid()).toString(), "")));

        assertThat(status).isZero();
        assertThat(mine.waitFor(5, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        assertThat(stranger.isAlive()).isTrue();
    }

    @Test
    void aHomeWhosePidFilesNameNobodyIsDownAtOnce() throws Exception {
        // Pid files naming nobody (no such process, not a number) and a linked directory are skipped, not errors.
        Path home = Files.createDirectories(dir.resolve("home"));
        Path member = Files.createDirectories(home.resolve("databases/d1/members/m0"));
        Files.writeString(member.resolve("patroni.pid"), "4194999\n");
        Files.writeString(home.resolve("control-plane.pid"), "not a pid\n");
        Files.createSymbolicLink(home.resolve("databases/d1/pooler"), Path.of("/"));

        assertThat(StopCommand.run(StopCommand.parse(List.of("down", home.toString())))).isZero();
        assertThat(StopCommand.run(StopCommand.parse(List.of("down", home.resolve("absent").toString())))).isZero();
    }

    @Test
    @Timeout(20)
    void aFifoInPlaceOfThePidFileDoesNotHang() throws Exception {
        Path fifo = dir.resolve("postmaster.pid");
        assertThat(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor()).isZero();

        assertThat(PidFileProcess.readPid(fifo)).isEmpty();
        assertThat(PidFileProcess.findRunning(fifo, marker)).isEmpty();
        // As if it had been swapped in after the regular-file check: the read is given up after its timeout.
        long before = System.nanoTime();
        assertThat(PidFileProcess.readPidWithin(fifo, Duration.ofMillis(500))).isEmpty();
        assertThat(Duration.ofNanos(System.nanoTime() - before)).isLessThan(Duration.ofSeconds(5));
        // Releases the reader thread still blocked in open (a writer opening the FIFO unblocks it).
        Files.newOutputStream(fifo).close();
    }

    @Test
    void aProcessCarryingTheMarkerOnlyInsideALongerArgumentIsNotSignalled() throws Exception {
        Process other = start("exec -a '" + marker + "-other' sleep 300");
        Path pidFile = pidFile(other.pid());

        assertThat(PidFileProcess.commandLine(other.pid())).contains(marker);
        assertThat(PidFileProcess.findRunning(pidFile, marker)).isEmpty();
        assertThat(PidFileProcess.stopIfRunning(pidFile, marker, StopSignal.TERM, Duration.ofSeconds(1))).isFalse();
        assertThat(other.isAlive()).isTrue();
    }

    @Test
    void downStopsOnlyTheControlPlaneOfItsOwnHome() throws Exception {
        Path home = Files.createDirectories(dir.resolve("home"));
        Path otherHome = Files.createDirectories(dir.resolve("home2"));
        // The other home's control plane, recorded (stale or not) in this home's pid file.
        Process other = start("exec -a '" + LocalHomeShutdown.controlPlaneMarker(otherHome) + "' sleep 300");
        Files.writeString(home.resolve(LocalHomeShutdown.CONTROL_PLANE_PID), other.pid() + "\n");

        assertThat(StopCommand.run(StopCommand.parse(List.of("down", home.toString())))).isZero();
        assertThat(other.isAlive()).isTrue();

        Process mine = start("exec -a '" + LocalHomeShutdown.controlPlaneMarker(home) + "' sleep 300");
        Files.writeString(home.resolve(LocalHomeShutdown.CONTROL_PLANE_PID), mine.pid() + "\n");
        assertThat(StopCommand.run(StopCommand.parse(List.of("down", home.toString())))).isZero();
        assertThat(mine.waitFor(5, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        assertThat(other.isAlive()).isTrue();
    }

    @Test
    void scratchLeftoversAreLeftAloneWhileAnotherControlPlaneOwnsTheHome() throws Exception {
        Path home = Files.createDirectories(dir.resolve("home"));
        Path scratch = Files.createDirectories(home.resolve(LocalHomeShutdown.SCRATCH).resolve("v1"));
        ScratchLeftovers leftovers = new ScratchLeftovers(new PgfleetProperties(home.toString(), null, null, "local", null));
        Process owner = start("exec -a '" + LocalHomeShutdown.controlPlaneMarker(home) + "' sleep 300");
        Files.writeString(home.resolve(LocalHomeShutdown.CONTROL_PLANE_PID), owner.pid() + "\n");

        assertThat(ScratchLeftovers.otherControlPlaneOf(home)).map(ProcessHandle::pid).contains(owner.pid());
        leftovers.removeLeftoversNow();
        assertThat(scratch).as("the live control plane's verification").isDirectory();

        // Once the owner is gone (its pid file stale), the next start cleans up.
        owner.destroyForcibly().waitFor();
        assertThat(ScratchLeftovers.otherControlPlaneOf(home)).isEmpty();
        leftovers.removeLeftoversNow();
        assertThat(scratch).doesNotExist();
    }

    private Process start(String script) throws IOException, InterruptedException {
        Process process = new ProcessBuilder("bash", "-c", script).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        started.add(process);
        awaitCommandLine(process.pid());
        return process;
    }

    /** bash has replaced itself with sleep (exec -a) once the command line no longer starts with bash. */
    private static void awaitCommandLine(long pid) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (PidFileProcess.commandLine(pid).startsWith("bash") && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(PidFileProcess.commandLine(pid)).doesNotStartWith("bash");
    }

    private Path pidFile(long pid) throws IOException {
        Path file = dir.resolve(pid + ".pid");
        Files.writeString(file, pid + "\n");
        return file;
    }
}
