package dev.pgfleet.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.pgfleet.blueprint.kubernetes.KubernetesSettings;
import dev.pgfleet.provisioning.kubernetes.KubernetesProperties;
import dev.pgfleet.system.process.ProcessEnvironment;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.yaml.snakeyaml.Yaml;

/**
 * The images pin their Debian packages in images/versions.properties; these tests keep that file, the
 * Containerfiles, the build script and the local runtime in step, so what the local tests prove holds in the pods.
 */
class ImageVersionsTest {
    /** versions.properties key -> the Debian package the local runtime runs (PgBouncer and pgvector are built from source). */
    private static final Map<String, String> PACKAGES = Map.of("patroni", "patroni", "etcd", "etcd-server");

    @Test
    void theImagesPostgresqlIsTheNewestMajorVersionTheDatabasesRun() throws IOException {
        ImageVersions versions = ImageVersions.readFromRepository();
        KubernetesProperties defaults = new Binder(new MapConfigurationPropertySource())
                .bindOrCreate("pgfleet.kubernetes", KubernetesProperties.class);
        assertThat(defaults.postgresVersions().stream().max(Integer::compare)).hasValue(versions.postgresMajor());
        assertThat(versions.get("postgresql")).startsWith(versions.postgresMajor() + ".");
    }

    /** A Containerfile with a version of its own would drift from the file: every pin is a build argument. */
    @Test
    void containerfilesTakeEveryVersionFromTheBuildScriptAndTheScriptFromTheFile() throws IOException {
        String script = Files.readString(Path.of("..", "pgfleet"));
        Map<String, String> argToKey = Map.of("POSTGRESQL", "postgresql", "PGVECTOR", "pgvector", "PATRONI", "patroni",
                "PGBOUNCER", "pgbouncer", "ETCD", "etcd", "CATATONIT", "catatonit", "PG_MAJOR", "postgresql.major", "JAVA_MAJOR", "java.major");
        for (String file : List.of("postgresql.Containerfile", "dataplane.Containerfile", "control-plane.Containerfile")) {
            String containerfile = Files.readString(ImageVersions.IMAGES.resolve(file));
            // Every package=version pin uses an ARG, never a literal version.
            Matcher pin = Pattern.compile("\"[a-z0-9.+-]+=([^\"]+)\"").matcher(containerfile);
            while (pin.find()) {
                assertThat(pin.group(1)).as(file + ": " + pin.group()).matches("\\$\\{[A-Z_]+}");
            }
            Matcher arg = Pattern.compile("(?m)^ARG ([A-Z_]+)$").matcher(containerfile);
            while (arg.find()) {
                String name = arg.group(1);
                if (name.equals("BASE")) {
                    continue;
                }
                assertThat(argToKey).as(file + " ARG " + name).containsKey(name);
                assertThat(script).as("./pgfleet images passes " + name + " from versions.properties")
                        .contains("--build-arg " + name + "=\"$(version_of " + argToKey.get(name) + ")\"");
            }
        }
        assertThat(Files.readString(ImageVersions.IMAGES.resolve("dataplane.Containerfile")))
                .contains("\"patroni=${PATRONI}\"", "\"pgbouncer=${PGBOUNCER}\"", "\"etcd-server=${ETCD}\"", "\"catatonit=${CATATONIT}\"")
                // The init is PID 1 and runs the entry point (MemberCrash relies on it).
                .contains("ENTRYPOINT [\"/usr/bin/catatonit\", \"--\", \"/usr/local/bin/pgfleet-dataplane\"]");
        assertThat(Files.readString(ImageVersions.IMAGES.resolve("postgresql.Containerfile")))
                .contains("\"postgresql-${PG_MAJOR}=${POSTGRESQL}\"", "\"pgvector=${PGVECTOR}\"");
    }

    /**
     * PgBouncer is built from Debian's source package by ./pgfleet setup (on a machine) and by the data-plane image's
     * build stage: the same source package at the pinned version, the same configure, so the pods run what the local
     * tests ran. The script looks for an existing pgbouncer on exactly the PATH the local runtime gives its processes.
     */
    @Test
    void pgbouncerIsBuiltFromTheSamePinnedSourcePackageTheSameWayOnTheMachineAndInTheImage() throws IOException {
        String script = Files.readString(Path.of("..", "pgfleet"));
        String containerfile = Files.readString(ImageVersions.IMAGES.resolve("dataplane.Containerfile"));
        assertThat(script).contains("pin=\"$(version_of pgbouncer)\"", "source --download-only -qq \"pgbouncer=$pin\"",
                "./configure --without-systemd >/dev/null && make -s -j\"$(nproc)\"",
                "RUNTIME_PATH=" + ProcessEnvironment.PATH + "\n");
        assertThat(containerfile).contains("source --download-only -qq \"pgbouncer=${PGBOUNCER}\"",
                "./configure --without-systemd >/dev/null && make -s -j\"$(nproc)\"",
                "COPY --from=pgbouncer /out/usr/local/bin/pgbouncer /usr/local/bin/pgbouncer");
        // Both fetch the source from the same Debian release.
        String trixie = "deb-src http://deb.debian.org/debian trixie main";
        assertThat(script).contains(trixie);
        assertThat(containerfile).contains(trixie);
    }

    /**
     * The local runtime runs this machine's packages: they must be the releases the images pin. Compared as upstream
     * releases (PostgreSQL: its major), not Debian revisions: a stable-security update (+deb12u2) or a PostgreSQL point
     * release reaches a freshly installed machine before anyone bumps the pins, and neither changes behaviour the
     * tests rely on; a different Patroni, PgBouncer, etcd or pgvector release, or a different PostgreSQL major, does.
     */
    @Test
    void theLocalRuntimesPackagesAreTheOnesTheImagesPin() throws Exception {
        ImageVersions versions = ImageVersions.readFromRepository();
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/dpkg-query")), "not a Debian machine: no packages to compare");
        assertThat(ImageVersions.upstream(installedVersion("postgresql-" + versions.postgresMajor())))
                .startsWith(versions.postgresMajor() + ".");
        for (Map.Entry<String, String> e : PACKAGES.entrySet()) {
            assertThat(ImageVersions.upstream(installedVersion(e.getValue()))).as(e.getValue())
                    .isEqualTo(ImageVersions.upstream(versions.get(e.getKey())));
        }
        // catatonit is the images' init, not the local runtime's; where ./pgfleet images installed it, the same release.
        if (Files.isExecutable(Path.of("/usr/bin/catatonit"))) {
            assertThat(ImageVersions.upstream(installedVersion("catatonit"))).isEqualTo(ImageVersions.upstream(versions.get("catatonit")));
        }
        // PgBouncer is built from source (./pgfleet setup): the local runtime starts the first pgbouncer on its fixed PATH,
        // so every pgbouncer there must be the pinned release (a leftover distribution package would shadow or be shadowed).
        List<Path> pgbouncers = Arrays.stream(ProcessEnvironment.PATH.split(":")).map(d -> Path.of(d, "pgbouncer"))
                .filter(Files::isExecutable).toList();
        assertThat(pgbouncers).as("pgbouncer on " + ProcessEnvironment.PATH).isNotEmpty();
        for (Path pgbouncer : pgbouncers) {
            String version = output(pgbouncer.toString(), "--version");
            assertThat(version.lines().findFirst()).as(pgbouncer + " --version")
                    .hasValue("PgBouncer " + ImageVersions.upstream(versions.get("pgbouncer")));
            // Built with TLS and c-ares, without systemd (pgfleet starts it as a process), as the image's.
            assertThat(version).as(pgbouncer + " --version").contains("tls: OpenSSL", "adns: c-ares").doesNotContain("systemd: yes");
        }
        // pgvector is built from source (./pgfleet setup): its control file carries the upstream version.
        Path control = Path.of("/usr/share/postgresql", String.valueOf(versions.postgresMajor()), "extension", "vector.control");
        assertThat(Files.readString(control)).contains("default_version = '" + ImageVersions.upstream(versions.get("pgvector")) + "'");
    }

    /**
     * ./pgfleet images tags the images with the project's version; every default that names them (the blueprint, the
     * control plane's properties and application.yml, the chart's values and appVersion) must name that tag, or a
     * default install pulls an image nobody built.
     */
    @Test
    void everyDefaultImageReferenceNamesTheTagThatImagesBuilds() throws IOException {
        String version = ImageVersions.projectVersionFromPom();
        String dataplane = "pgfleet/dataplane:" + version;
        assertThat(KubernetesSettings.DEFAULT_DATAPLANE_IMAGE).isEqualTo(dataplane);
        KubernetesProperties defaults = new Binder(new MapConfigurationPropertySource())
                .bindOrCreate("pgfleet.kubernetes", KubernetesProperties.class);
        assertThat(List.of(defaults.patroniImage(), defaults.pgbouncerImage(), defaults.etcdImage())).containsOnly(dataplane);
        String applicationYml = Files.readString(Path.of("src", "main", "resources", "application.yml"));
        for (String key : List.of("patroni-image", "pgbouncer-image", "etcd-image")) {
            assertThat(applicationYml).as(key).containsPattern("(?m)^    " + key + ": \\$\\{PGFLEET_[A-Z_]+:" + Pattern.quote(dataplane) + "}$");
        }
        Map<String, Object> values = new Yaml().load(Files.readString(Path.of("..", "helm", "pgfleet", "values.yaml")));
        @SuppressWarnings("unchecked")
        Map<String, Object> kubernetes = (Map<String, Object>) values.get("kubernetes");
        assertThat(List.of(kubernetes.get("patroniImage"), kubernetes.get("pgbouncerImage"), kubernetes.get("etcdImage")))
                .containsOnly(dataplane);
        Map<String, Object> chart = new Yaml().load(Files.readString(Path.of("..", "helm", "pgfleet", "Chart.yaml")));
        assertThat(chart.get("appVersion")).as("the control-plane image's default tag").isEqualTo(version);
    }

    @Test
    void upstreamVersionDropsEpochAndDebianRevision() {
        assertThat(ImageVersions.upstream("0.8.0-1")).isEqualTo("0.8.0");
        assertThat(ImageVersions.upstream("15.20-0+deb12u1")).isEqualTo("15.20");
        assertThat(ImageVersions.upstream("1:2.3-4+b1")).isEqualTo("2.3");
        assertThat(ImageVersions.upstream("3.4.23")).isEqualTo("3.4.23");
    }

    private static String installedVersion(String pkg) throws Exception {
        return output("dpkg-query", "-W", "-f", "${Version}", pkg);
    }

    /** A program's output (stdout and stderr), which must exit 0. */
    private static String output(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(String.join(" ", command) + ": " + out).isZero();
        return out;
    }
}
