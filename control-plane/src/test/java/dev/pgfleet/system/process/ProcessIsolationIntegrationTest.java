package dev.pgfleet.system.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * What the control plane (root) does to processes and files of the unprivileged data-plane user: environments from
 * an allow-list, and no write or delete outside the tree whatever the user plants in it. As root the user is
 * 'postgres', who really can plant links in the leaves handed to it; as another user the tests still run, with
 * the planting done by ourselves.
 */
@Tag("integration")
class ProcessIsolationIntegrationTest {
    /** Set for the test JVM by failsafe (see control-plane/pom.xml): a stand-in for the control plane's secrets. */
    private static final String CANARY = System.getenv("PGFLEET_ENV_CANARY");

    private Path root;
    private Path outside;
    private DataPlaneUser user;
    private LocalProcesses processes;

    @BeforeEach
    void makeTrees() throws IOException {
        root = Files.createTempDirectory(Path.of("/tmp"), "pgfleet-isolation-");
        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-xr-x"));
        outside = Files.createTempDirectory(Path.of("/tmp"), "pgfleet-outside-");
        Files.writeString(outside.resolve("precious"), "must survive\n");
        user = DataPlaneUser.forCurrentProcess("postgres");
        processes = new LocalProcesses(user);
    }

    @AfterEach
    void removeTrees() throws IOException {
        Directories.deleteRecursively(root);
        Directories.deleteRecursively(outside);
    }

    @Test
    void theCanaryIsInOurEnvironmentSoTheFollowingChecksCanFail() {
        assertThat(CANARY).as("failsafe sets PGFLEET_ENV_CANARY for this JVM").isNotBlank();
    }

    @Test
    void aShortCommandSeesOnlyTheAllowList() {
        String env = processes.runToCompletion(List.of("env"), root, Duration.ofSeconds(10), "PGPASSWORD", "s3cret");
        String clientEnv = processes.runClientToCompletion(List.of("env"), root, Duration.ofSeconds(10));

        for (String output : List.of(env, clientEnv)) {
            assertThat(output).doesNotContain("PGFLEET_").doesNotContain(CANARY).doesNotContain("JAVA_HOME").doesNotContain("MAVEN");
            assertThat(output.lines().map(l -> l.substring(0, l.indexOf('='))).toList())
                    .allMatch(name -> ProcessEnvironment.CALLER_VARIABLES.contains(name)
                            || List.of("PATH", "LANG", "LC_ALL", "HOME", "PGPASSFILE", "PGSERVICEFILE", "PGSYSCONFDIR").contains(name),
                            "only allow-listed variables");
        }
        assertThat(env).contains("PGPASSWORD=s3cret").contains("HOME=" + root);
    }

    @Test
    void aDetachedProcessSeesOnlyTheAllowList() throws Exception {
        Path run = user.createControlledDirectories(root.resolve("run"));
        ProcessHandle sleeper = processes.startDetached(List.of("sleep", "30"), run, run.resolve("sleep.out"), run.resolve("sleep.pid"));
        try {
            // Read once the process runs the program: before its exec, /proc shows the environment of the launcher
            // (the JDK's spawn helper), which can be empty — a flake on busy cores, not the program's environment.
            awaitExec(sleeper, "sleep");
            Map<String, String> environ = DataPlaneEnvironments.read(sleeper.pid());
            assertThat(environ).isNotEmpty().doesNotContainKey("PGFLEET_ENV_CANARY");
            assertThat(environ.values()).noneMatch(v -> v.contains(CANARY));
            assertThat(environ.keySet()).noneMatch(k -> k.startsWith("PGFLEET_") || k.startsWith("PATRONI_") || k.startsWith("ETCD_"));
        } finally {
            processes.stop(sleeper, Duration.ofSeconds(5));
        }
    }

    private static void awaitExec(ProcessHandle process, String program) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!process.info().command().map(c -> c.endsWith("/" + program)).orElse(false)) {
            assertThat(System.nanoTime()).as(process.pid() + " runs " + program).isLessThan(deadline);
            Thread.sleep(20);
        }
    }

    @Test
    void anUnknownVariableIsRefused() {
        assertThatThrownBy(() -> ProcessEnvironment.build(root, "PGFLEET_MASTER_KEY", "x"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("PGFLEET_MASTER_KEY");
    }

    @Test
    void onlyLeavesAreHandedOver() throws IOException {
        Path leaf = user.createOwnedLeaf(root.resolve("databases").resolve("x").resolve("members").resolve("0").resolve("data"));

        for (Path ancestor = leaf.getParent(); !ancestor.equals(root); ancestor = ancestor.getParent()) {
            assertThat(owner(ancestor)).as(ancestor.toString()).isEqualTo(System.getProperty("user.name"));
        }
        assertThat(owner(leaf)).isEqualTo(user.name());
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(leaf))).isEqualTo("rwx------");
    }

    @Test
    void aFileWrittenForTheUserReplacesAPlantedLinkInsteadOfWritingThroughIt() throws IOException {
        Path dir = user.createControlledDirectories(root.resolve("pooler"));
        Path target = outside.resolve("precious");
        // Planted as the final name and as the temporary name the writer uses.
        Files.createSymbolicLink(dir.resolve("pgbouncer.ini"), target);
        Files.createSymbolicLink(dir.resolve("pgbouncer.ini.tmp"), target);

        assertThat(user.writeOwnedFile(dir.resolve("pgbouncer.ini"), "[databases]\n")).isTrue();

        assertThat(Files.readString(target)).isEqualTo("must survive\n");
        assertThat(Files.isSymbolicLink(dir.resolve("pgbouncer.ini"))).isFalse();
        assertThat(Files.readString(dir.resolve("pgbouncer.ini"))).isEqualTo("[databases]\n");
        PosixFileAttributes written = Files.readAttributes(dir.resolve("pgbouncer.ini"), PosixFileAttributes.class);
        assertThat(PosixFilePermissions.toString(written.permissions())).isEqualTo(user.switchesUser() ? "rw-r-----" : "rw-------");
    }

    @Test
    void noFileIsWrittenIntoADirectoryTheUserOwns() throws IOException {
        assumeTrue(user.switchesUser(), "needs root: otherwise the user is ourselves");
        Path leaf = user.createOwnedLeaf(root.resolve("member"));

        assertThatThrownBy(() -> user.writeOwnedFile(leaf.resolve("patroni.yml"), "scope: x\n"))
                .hasMessageContaining("cannot write");
        assertThatThrownBy(() -> processes.startDetached(List.of("true"), leaf, leaf.resolve("out"), leaf.resolve("pid")))
                .hasStackTraceContaining("refusing to write");
    }

    @Test
    void aLinkPlantedOnTheWayToAControlledDirectoryIsRefused() throws IOException {
        Files.createSymbolicLink(root.resolve("databases"), outside);

        assertThatThrownBy(() -> user.createControlledDirectories(root.resolve("databases").resolve("x")))
                .hasStackTraceContaining("symbolic link");
        assertThatThrownBy(() -> user.createOwnedLeaf(root.resolve("databases").resolve("pgdata")))
                .hasStackTraceContaining("symbolic link");
        try (var left = Files.list(outside)) {
            assertThat(left.map(p -> p.getFileName().toString())).containsExactly("precious");
        }
    }

    @Test
    void aDirectoryTheUserCouldChangeIsNeverWrittenThrough() throws IOException {
        assumeTrue(user.switchesUser(), "needs root: the directory must belong to another user");
        // As an earlier pgfleet left it: databases/ handed to the data-plane user, who may swap what is in it.
        Path handedOver = Files.createDirectory(root.resolve("databases"));
        user.handOver(handedOver);

        assertThatThrownBy(() -> user.createControlledDirectories(handedOver.resolve("x").resolve("members")))
                .hasStackTraceContaining("can be changed by another user");
        assertThat(handedOver.resolve("x")).doesNotExist();
    }

    @Test
    void aRecursiveDeleteNeverFollowsALinkInTheTree() throws IOException {
        Path leaf = user.createOwnedLeaf(root.resolve("member"));
        Files.createDirectories(leaf.resolve("pgdata").resolve("base"));
        Files.writeString(leaf.resolve("pgdata").resolve("base").resolve("1"), "data");
        // What the user can plant in a leaf: links to a directory and to a file outside the tree.
        Files.createSymbolicLink(leaf.resolve("pgdata").resolve("pg_wal"), outside);
        Files.createSymbolicLink(leaf.resolve("log"), outside.resolve("precious"));

        Directories.deleteRecursively(root.resolve("member"));

        assertThat(root.resolve("member")).doesNotExist();
        assertThat(outside.resolve("precious")).hasContent("must survive");
    }

    @Test
    void aTreeWhoseTopWasSwappedForALinkIsRemovedAsALink() throws IOException {
        Files.createSymbolicLink(root.resolve("scratch"), outside);

        Directories.deleteRecursively(root.resolve("scratch"));

        assertThat(Files.exists(root.resolve("scratch"), LinkOption.NOFOLLOW_LINKS)).isFalse();
        assertThat(outside.resolve("precious")).hasContent("must survive");
    }

    @Test
    void aDirectorySwappedForALinkWhileTheDeleteRunsIsNotFollowed() throws Exception {
        assumeTrue(user.switchesUser(), "needs root: the swap is done by the data-plane user, racing the delete");
        Path leaf = user.createOwnedLeaf(root.resolve("member"));
        // Many entries so the delete takes a while; the user swaps directory d0 back and forth meanwhile.
        for (int d = 0; d < 20; d++) {
            Path dir = Files.createDirectories(leaf.resolve("d" + d));
            for (int f = 0; f < 200; f++) {
                Files.writeString(dir.resolve("f" + f), "x");
            }
        }
        Files.writeString(outside.resolve("f0"), "must survive\n");
        processes.runClientToCompletion(List.of("chown", "-R", user.name(), leaf.toString()), root, Duration.ofSeconds(10));
        // The attacker: as the data-plane user, keeps replacing d0 .. d19 by links to the outside directory.
        ProcessHandle swapper = processes.startDetached(List.of("sh", "-c", "cd " + leaf + " && for i in $(seq 1 400); do"
                + " for d in d0 d1 d2 d3 d4 d5 d6 d7 d8 d9 d10 d11 d12 d13 d14 d15 d16 d17 d18 d19; do"
                + " mv $d $d.x 2>/dev/null && ln -s " + outside + " $d 2>/dev/null; done; done"),
                user.createControlledDirectories(root.resolve("run")), root.resolve("run").resolve("swap.out"),
                root.resolve("run").resolve("swap.pid"));
        try {
            Thread.sleep(50);
            for (int attempt = 0; attempt < 20 && Files.exists(leaf, LinkOption.NOFOLLOW_LINKS); attempt++) {
                try {
                    Directories.deleteRecursively(leaf);
                } catch (IOException raced) {
                    // a refusal (an entry changed under us) is fine; deleting outside is not
                }
            }
        } finally {
            processes.stop(swapper, Duration.ofSeconds(5));
        }
        assertThat(outside.resolve("precious")).hasContent("must survive");
        assertThat(outside.resolve("f0")).hasContent("must survive");
    }

    private static String owner(Path p) throws IOException {
        return Files.getOwner(p, LinkOption.NOFOLLOW_LINKS).getName();
    }
}
