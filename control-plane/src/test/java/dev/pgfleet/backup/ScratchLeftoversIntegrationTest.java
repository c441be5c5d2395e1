package dev.pgfleet.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.pgfleet.system.process.DataPlaneUser;
import dev.pgfleet.system.process.Directories;
import dev.pgfleet.system.process.LocalHomeShutdown;
import dev.pgfleet.system.process.LocalProcesses;
import dev.pgfleet.system.process.PidFileProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A real scratch verification instance left running under $PGFLEET_HOME/scratch, as a control plane that died
 * mid-verification leaves it, is stopped and its directory removed: by the start-up clean-up and by
 * {@code ./pgfleet down} — and neither follows a link out of the scratch tree.
 */
class ScratchLeftoversIntegrationTest {
    private static final Path BIN = Path.of("/usr/lib/postgresql/15/bin");
    private static final Path JAR = Path.of("target", "pgfleet-control-plane.jar");

    private final LocalProcesses processes = new LocalProcesses(DataPlaneUser.forCurrentProcess("postgres"));
    private Path home;
    private Path scratchRoot;
    private Path outside;

    @BeforeEach
    void createHome() throws IOException {
        assumeTrue(Files.isExecutable(BIN.resolve("initdb")), "PostgreSQL 15 is not installed");
        home = Files.createTempDirectory(Path.of("/tmp"), "pgfleet-leftovers-");
        Files.setPosixFilePermissions(home, PosixFilePermissions.fromString("rwxr-xr-x"));
        scratchRoot = processes.user().createControlledDirectories(home.resolve(LocalHomeShutdown.SCRATCH));
        outside = Files.createTempDirectory(Path.of("/tmp"), "pgfleet-outside-");
        Files.writeString(outside.resolve("keep-me"), "not pgfleet's");
    }

    @AfterEach
    void deleteEverything() throws IOException {
        if (home != null) {
            LocalHomeShutdown.stopEverything(home);
            Directories.deleteRecursively(home);
            Directories.deleteRecursively(outside);
        }
    }

    @Test
    void startUpCleanUpStopsALeftoverInstanceAndRemovesItsDirectory() throws Exception {
        ProcessHandle postmaster = leaveARunningScratchInstance("verify-0123456789ab");

        int kept = LocalHomeShutdown.removeScratchInstances(scratchRoot, Duration.ofSeconds(10));

        assertThat(kept).isZero();
        assertGone(postmaster);
        try (var left = Files.list(scratchRoot)) {
            assertThat(left).as("only the planted link is left").containsExactly(scratchRoot.resolve("elsewhere"));
        }
        assertThat(outside.resolve("keep-me")).as("a link is never followed out of the tree").exists();
    }

    @Test
    void pgfleetDownStopsALeftoverInstanceThroughTheJar() throws Exception {
        // The packaged jar exists in the integration phase (after package); a plain test-compile has none.
        assumeTrue(Files.isRegularFile(JAR), "no packaged jar at " + JAR.toAbsolutePath());
        ProcessHandle postmaster = leaveARunningScratchInstance("verify-ba9876543210");

        ProcessBuilder down = new ProcessBuilder("../pgfleet", "down").redirectErrorStream(true);
        down.environment().put("PGFLEET_HOME", home.toString());
        Process process = down.start();
        String output = new String(process.getInputStream().readAllBytes());
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();

        assertThat(process.exitValue()).as(output).isZero();
        assertThat(output).contains("stopped everything under " + home);
        assertGone(postmaster);
        assertThat(scratchRoot.resolve("verify-ba9876543210")).doesNotExist();
        assertThat(outside.resolve("keep-me")).exists();
    }

    /**
     * A scratch instance as BackupVerifier makes one, started and never closed; beside it a link to a directory
     * outside the tree, and inside it a link to the same place.
     */
    private ProcessHandle leaveARunningScratchInstance(String name) throws Exception {
        ScratchInstance instance = ScratchInstance.prepare(processes, BIN, scratchRoot.resolve(name), Map.of());
        instance.start();
        Files.createSymbolicLink(scratchRoot.resolve("elsewhere"), outside);
        Files.createSymbolicLink(instance.dir().resolve("elsewhere"), outside);
        long pid = instance.postmasterPid();
        assertThat(pid).isPositive();
        ProcessHandle postmaster = ProcessHandle.of(pid).orElseThrow();
        assertThat(PidFileProcess.commandLine(pid)).contains(instance.dir().resolve("pgdata").toString());
        return postmaster;
    }

    private static void assertGone(ProcessHandle postmaster) {
        assertThat(PidFileProcess.awaitExit(postmaster, Duration.ofSeconds(10))).as("postmaster %d still runs", postmaster.pid())
                .isTrue();
    }
}
