package dev.pgfleet.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.pgfleet.blueprint.kubernetes.MemberCrash;
import dev.pgfleet.testsupport.podman.Podman;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The kill-primary drill's two commands (MemberCrash, which the control plane sends through pods/exec) run with
 * {@code podman exec} in a real pgfleet/dataplane container running PostgreSQL: the freeze returns at once and leaves
 * PostgreSQL running but unresponsive; then every PostgreSQL process dies by SIGKILL (no shutdown), the container exits (so the kubelet's restart policy restarts it in the same pod), and
 * started again on the same volume PostgreSQL recovers from the crash. A control run with the program as PID 1
 * (no catatonit) shows why the image needs its init: there the container survives the same command. Skipped,
 * with the reason, where podman or the image is missing.
 */
@Tag("integration")
class MemberCrashContainerTest {
    private static final int TIMEOUT_SECONDS = 120;
    @TempDir
    static Path home;
    private static Podman podman;
    private static String image;
    private static String unavailable;
    private final List<String> containers = new ArrayList<>();
    private final List<String> volumes = new ArrayList<>();

    @BeforeAll
    static void findImage() throws Exception {
        image = "localhost/pgfleet/dataplane:" + ImageVersions.projectVersionFromPom();
        if (!onPath("podman")) {
            unavailable = "podman is not installed: ./pgfleet images installs it and builds the images";
            return;
        }
        if (podman("image", "exists", image).exit != 0) {
            unavailable = image + " is not built: run ./pgfleet images";
            return;
        }
        String entrypoint = podman("image", "inspect", "--format", "{{json .Config.Entrypoint}}", image).succeeded();
        if (!entrypoint.contains("catatonit")) {
            unavailable = image + " predates its init (entrypoint " + entrypoint.strip() + "): run ./pgfleet images";
        }
    }

    @BeforeEach
    void skipWithoutImage() {
        assumeTrue(unavailable == null, unavailable);
    }

    @AfterEach
    void removeContainersAndVolumes() throws Exception {
        for (String c : containers) {
            podman("rm", "-f", "-t", "0", c);
        }
        for (String v : volumes) {
            podman("volume", "rm", "-f", v);
        }
    }

    @Test
    void theDrillFreezesPostgresThenKillsItAndTheContainerRestartsOnTheSameVolume() throws Exception {
        String c = startPostgres(List.of());
        assertThat(podman("top", c, "pid", "comm").succeeded()).contains("catatonit").contains("postgres");

        // Step 1: frozen. The exec returns at once; the container runs on, but PostgreSQL answers nobody.
        long started = System.nanoTime();
        Result freeze = podman(exec(c, MemberCrash.freeze()));
        assertThat(freeze.exit).as(freeze.output).isZero();
        assertThat(Duration.ofNanos(System.nanoTime() - started)).as("the watchdog (60 s) does not hold the exec").isLessThan(Duration.ofSeconds(45));
        assertThat(state(c)).isEqualTo("running");
        assertThat(podman("exec", c, "pg_isready", "-q", "-h", "/tmp", "-t", "3").exit).as("a frozen postmaster does not answer")
                .isEqualTo(2);

        // Step 2: SIGKILL. The container ends with the killed child's status. The exec's own shell may be taken down with
        // the container before it reports (status 137) or report first (0): a race the drill allows for too
        // (KubernetesFailoverOperations.crashFrozenMember judges by the restart, not the exec's status).
        Result kill = podman(exec(c, MemberCrash.crash()));
        assertThat(kill.exit).as(kill.output).isIn(0, 137);
        Result waited = podman("wait", c);
        assertThat(waited.succeeded().strip()).as("the container ends: its PID 1 exits with the killed child's status")
                .isEqualTo("137");
        String logs = podman("logs", c).output;
        assertThat(logs).as("SIGKILL, not a shutdown").doesNotContain("received fast shutdown request", "database system is shut down");

        // What the kubelet does next: the same container (same volume) starts again, and PostgreSQL recovers.
        podman("start", c).succeeded();
        awaitReady(c);
        assertThat(podman("logs", c).output).contains("database system was interrupted");
    }

    @Test
    void withTheProgramAsPid1TheSameCommandLeavesTheContainerRunning() throws Exception {
        String c = startPostgres(List.of("--entrypoint", "/usr/local/bin/pgfleet-dataplane"));
        podman(exec(c, MemberCrash.crash()));
        Thread.sleep(3000);
        assertThat(state(c))
                .as("a PID 1 ignores SIGKILL from inside its namespace: this is why the image runs catatonit").isEqualTo("running");
    }

    private static String state(String container) throws Exception {
        return podman("inspect", "--format", "{{.State.Status}}", container).succeeded().strip();
    }

    private static String[] exec(String container, List<String> argv) {
        List<String> command = new ArrayList<>(List.of("exec", container));
        command.addAll(argv);
        return command.toArray(String[]::new);
    }

    /** initdb on a fresh volume, then a PostgreSQL server in a detached container on it, ready. */
    private String startPostgres(List<String> options) throws Exception {
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        String volume = "pgfleet-crash-" + suffix;
        podman("volume", "create", volume).succeeded();
        volumes.add(volume);
        podman("run", "--rm", "--network=none", "-v", volume + ":/data:U", image, "initdb", "-D", "/data/pg", "-U", "postgres",
                "-A", "trust").succeeded();
        String name = "pgfleet-crash-" + suffix;
        List<String> run = new ArrayList<>(List.of("run", "-d", "--name", name, "--network=none", "-v", volume + ":/data:U"));
        run.addAll(options);
        run.addAll(List.of(image, "postgres", "-D", "/data/pg", "-k", "/tmp", "-c", "listen_addresses="));
        podman(run.toArray(String[]::new)).succeeded();
        containers.add(name);
        awaitReady(name);
        return name;
    }

    private static void awaitReady(String container) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (podman("exec", container, "pg_isready", "-q", "-h", "/tmp").exit != 0) {
            assertThat(System.nanoTime()).as("PostgreSQL in " + container + " ready within 60 s").isLessThan(deadline);
            Thread.sleep(300);
        }
    }

    /** podman through the shared harness (its own containers.conf: runc, no default ulimits). */
    private static Result podman(String... args) {
        Podman.Result r = harness().run(List.of(args), Duration.ofSeconds(TIMEOUT_SECONDS), false);
        return new Result(r.exitCode(), r.output());
    }

    private static Podman harness() {
        if (podman == null) {
            podman = Podman.start(home.resolve("podman"));
        }
        return podman;
    }

    private static boolean onPath(String program) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, program))) {
                return true;
            }
        }
        return false;
    }

    private record Result(int exit, String output) {
        String succeeded() {
            assertThat(exit).as(output).isZero();
            return output;
        }
    }
}
