package dev.pgfleet.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.pgfleet.testsupport.podman.Podman;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the images `./pgfleet images` built (pgfleet/dataplane and pgfleet/control-plane at the pom's version)
 * under podman: the programs start, at the versions images/versions.properties pins, as the users the pods
 * expect, and pgvector works in the data-plane image's PostgreSQL. Skipped, with the reason, where podman is
 * missing or the images were not built (./pgfleet test builds them before the suite; a bare ./mvnw run may not have).
 */
@Tag("integration")
class ImageSmokeContainerTest {
    private static final int TIMEOUT_SECONDS = 120;
    private static String version;
    private static ImageVersions versions;
    @TempDir
    static Path home;
    private static Podman podman;

    /** Why the images cannot be run here, or null; each test is skipped with it (surefire shows per-test reasons). */
    private static String unavailable;

    @BeforeAll
    static void findImages() throws Exception {
        version = ImageVersions.projectVersionFromPom();
        versions = ImageVersions.readFromRepository();
        if (!onPath("podman")) {
            unavailable = "podman is not installed: ./pgfleet images installs it and builds the images";
            return;
        }
        // podman runs through the shared harness, with the engine settings ./pgfleet images writes (runc; no default ulimits).
        for (String image : List.of(dataplane(), controlPlane())) {
            if (podman("image", "exists", image).exit != 0) {
                unavailable = image + " is not built: run ./pgfleet images";
                return;
            }
        }
    }

    @BeforeEach
    void skipWithoutImages() {
        assumeTrue(unavailable == null, unavailable);
    }

    @Test
    void dataplaneRunsEachProgramAtThePinnedVersion() throws Exception {
        String pgUpstream = ImageVersions.upstream(versions.get("postgresql"));
        assertThat(run(dataplane(), "postgres", "--version").succeeded()).contains("(PostgreSQL) " + pgUpstream + " ");
        assertThat(run(dataplane(), "patroni", "--version").succeeded()).contains("patroni " + ImageVersions.upstream(versions.get("patroni")));
        // PgBouncer is built from Debian's source package: its own --version is the check (no package records it).
        String pgbouncer = run(dataplane(), "pgbouncer", "--version").succeeded();
        assertThat(pgbouncer.lines().findFirst()).hasValue("PgBouncer " + ImageVersions.upstream(versions.get("pgbouncer")));
        assertThat(pgbouncer).as("built with TLS and c-ares, without systemd, as ./pgfleet setup builds it")
                .contains("tls: OpenSSL", "adns: c-ares").doesNotContain("systemd: yes");
        assertThat(run(List.of("--entrypoint", "sh"), dataplane(), "-c",
                "for d in $(echo \"$PATH\" | tr : ' '); do [ -x \"$d/pgbouncer\" ] && echo \"$d/pgbouncer\"; done; true").succeeded().strip())
                .as("the one pgbouncer on the image's PATH").isEqualTo("/usr/local/bin/pgbouncer");
        assertThat(run(dataplane(), "etcd", "--version").succeeded()).contains("etcd Version: " + ImageVersions.upstream(versions.get("etcd")).replaceAll("\\+.*", ""));
        assertThat(run(dataplane(), "sh", "-c", "true").exit).as("the entry point runs only the image's programs").isEqualTo(2);
    }

    @Test
    void imagesRecordTheirPackageVersions() throws Exception {
        String major = String.valueOf(versions.postgresMajor());
        List<String> dataplane = run(List.of("--entrypoint", "cat"), dataplane(), "/usr/share/pgfleet/versions").succeeded().lines().toList();
        assertThat(dataplane).containsExactlyInAnyOrder(
                "postgresql-" + major + "=" + versions.get("postgresql"),
                "patroni=" + versions.get("patroni"),
                "pgbouncer=" + versions.get("pgbouncer"),
                "etcd-server=" + versions.get("etcd"),
                "catatonit=" + versions.get("catatonit"),
                "pgvector=" + versions.get("pgvector"));
        List<String> controlPlane = run(List.of("--entrypoint", "cat"), controlPlane(), "/usr/share/pgfleet/versions").succeeded().lines().toList();
        assertThat(controlPlane).contains("postgresql-" + major + "=" + versions.get("postgresql"), "pgvector=" + versions.get("pgvector"));
        assertThat(controlPlane).anyMatch(l -> l.startsWith("openjdk-" + versions.get("java.major") + "-jre-headless="));
    }

    /** initdb, a server and CREATE EXTENSION vector in the data-plane image, as its non-root user 999. */
    @Test
    void pgvectorWorksInTheDataplaneImageAsItsNonRootUser() throws Exception {
        assertThat(run(List.of("--entrypoint", "id"), dataplane()).succeeded()).startsWith("uid=999(postgres) gid=999(postgres)");
        String script = "set -e; initdb -D /tmp/pg -U postgres -A trust >/dev/null;"
                + " pg_ctl -D /tmp/pg -o '-k /tmp -c listen_addresses=' -w start >/dev/null;"
                + " psql -q -h /tmp -U postgres -d postgres -XAtc \"CREATE EXTENSION vector; SELECT '[1,2,3]'::vector <-> '[1,2,5]'\";"
                + " pg_ctl -D /tmp/pg -m fast -w stop >/dev/null";
        assertThat(run(List.of("--entrypoint", "sh"), dataplane(), "-c", script).succeeded().strip()).isEqualTo("2");
    }

    @Test
    void controlPlaneHasJavaAndPostgresqlAndRejectsBadVerifyDumpArguments() throws Exception {
        assertThat(run(List.of("--entrypoint", "java"), controlPlane(), "-version").succeeded())
                .contains("openjdk version \"" + versions.get("java.major") + ".");
        assertThat(run(List.of("--entrypoint", "id"), controlPlane()).succeeded()).startsWith("uid=10001(pgfleet)");
        String bin = "/usr/lib/postgresql/" + versions.postgresMajor() + "/bin/";
        assertThat(run(List.of("--entrypoint", bin + "pg_restore"), controlPlane(), "--version").succeeded())
                .contains(ImageVersions.upstream(versions.get("postgresql")));
        Result bad = run(controlPlane(), "verify-dump", "--no-such-option");
        assertThat(bad.exit).as(bad.output).isEqualTo(2);
        assertThat(bad.output).contains("\"passed\":false", "verify-dump: unknown option --no-such-option", "usage: verify-dump");
    }

    private static String dataplane() {
        return "localhost/pgfleet/dataplane:" + version;
    }

    private static String controlPlane() {
        return "localhost/pgfleet/control-plane:" + version;
    }

    private static Result run(String image, String... args) throws Exception {
        return run(List.of(), image, args);
    }

    /** podman run --rm, no network: nothing here needs one. */
    private static Result run(List<String> options, String image, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("run", "--rm", "--network=none"));
        command.addAll(options);
        command.add(image);
        command.addAll(List.of(args));
        return podman(command.toArray(String[]::new));
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
        String path = System.getenv().getOrDefault("PATH", "");
        for (String dir : path.split(":")) {
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
