package dev.pgfleet.image;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgfleet.blueprint.kubernetes.BackupVerificationJob;
import dev.pgfleet.provisioning.kubernetes.KubernetesProperties;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

/**
 * What the control-plane image (images/control-plane.Containerfile, built by ./pgfleet images) must agree with,
 * checked without building it: its PostgreSQL (pg_dump, pg_restore, the verification's scratch server) is the
 * databases' own (both images are built on pgfleet/postgresql, ImageVersionsTest pins its version), else a backup
 * of the newest ones would fail (pg_dump refuses newer servers); the user and jar are where the chart and the
 * verification Job expect them. ImageSmokeTest runs the built image.
 */
class ControlPlaneImageTest {
    private static final Path CONTAINERFILE = ImageVersions.IMAGES.resolve("control-plane.Containerfile");
    private static final Path VALUES = Path.of("..", "helm", "pgfleet", "values.yaml");

    @Test
    void bothImagesAreBuiltOnTheSamePostgresqlLayer() throws IOException {
        String script = Files.readString(Path.of("..", "pgfleet"));
        for (String image : List.of("dataplane", "control-plane")) {
            assertThat(script).as(image + " is built FROM pgfleet/postgresql").containsPattern(Pattern.compile(
                    "-f \"\\$ROOT/images/" + image + "\\.Containerfile\" \\\\\\n\\s+--build-arg BASE=\"localhost/pgfleet/postgresql:\\$version\""));
        }
        assertThat(Files.readAllLines(CONTAINERFILE)).contains("ARG BASE", "FROM ${BASE}");
    }

    @Test
    void theImageRunsAsTheUserTheChartExpectsAndHasAJavaRuntime() throws IOException {
        List<String> lines = Files.readAllLines(CONTAINERFILE);
        assertThat(lines).anyMatch(l -> l.contains("\"openjdk-${JAVA_MAJOR}-jre-headless\""));
        assertThat(ImageVersions.readFromRepository().get("java.major")).isEqualTo("17");
        assertThat(lines).contains("USER 10001");
        assertThat(Files.readString(VALUES)).contains("runAsUser: 10001");
        assertThat(lines).anyMatch(l -> l.startsWith("ENTRYPOINT [\"java\", \"-jar\", \"/opt/pgfleet/pgfleet-control-plane.jar\"]"));
    }

    /** Verification Jobs run this image with their own command: the jar and the user must be where the Job expects. */
    @Test
    void verificationJobsFindTheJarAndANamedUserInTheImage() throws IOException {
        List<String> lines = Files.readAllLines(CONTAINERFILE);
        assertThat(lines).anyMatch(l -> l.matches("COPY \\S+ " + Pattern.quote(BackupVerificationJob.JAR)));
        assertThat(lines).contains("USER " + BackupVerificationJob.USER_ID);
        // initdb looks its user up in /etc/passwd: the Job's uid must be a user of the image, not a bare number.
        assertThat(lines).anyMatch(l -> l.contains("useradd --uid " + BackupVerificationJob.USER_ID + " "));
    }

    /** The members run pgfleet's own data-plane image, in the app's defaults and in the chart alike. */
    @Test
    void theMembersRunTheDataPlaneImageInTheAppAndTheChart() throws IOException {
        KubernetesProperties defaults = new Binder(new MapConfigurationPropertySource())
                .bindOrCreate("pgfleet.kubernetes", KubernetesProperties.class);
        assertThat(defaults.patroniImage()).startsWith("pgfleet/dataplane:");
        java.util.regex.Matcher chartImage = Pattern.compile("(?m)^\\s+patroniImage: (\\S+)$").matcher(Files.readString(VALUES));
        assertThat(chartImage.find()).isTrue();
        assertThat(chartImage.group(1)).as("the chart's database image").isEqualTo(defaults.patroniImage());
    }
}
