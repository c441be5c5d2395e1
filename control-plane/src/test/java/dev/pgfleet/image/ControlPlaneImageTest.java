package dev.pgfleet.image;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgfleet.blueprint.kubernetes.BackupVerificationJob;
import dev.pgfleet.system.PgfleetProperties;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

/**
 * The control-plane image cannot be built here (no container engine), but what it must agree with can be
 * checked: its PostgreSQL (pg_dump, pg_restore, the verification's scratch server) is the newest major version
 * the databases run, else a backup of the newest ones would fail (pg_dump refuses newer servers).
 */
class ControlPlaneImageTest {
    private static final Path DOCKERFILE = Path.of("Dockerfile");
    private static final Path VALUES = Path.of("..", "helm", "pgfleet", "values.yaml");

    @Test
    void theImagesPostgresqlMatchesTheDatabasesNewestMajorVersion() throws IOException {
        Matcher base = Pattern.compile("(?m)^FROM pgvector/pgvector:[0-9.]+-pg(\\d+)$").matcher(Files.readString(DOCKERFILE));
        assertThat(base.find()).as("the image is based on PostgreSQL with pgvector").isTrue();
        int imageMajor = Integer.parseInt(base.group(1));

        PgfleetProperties.Kubernetes defaults = new Binder(new MapConfigurationPropertySource())
                .bindOrCreate("pgfleet.kubernetes", PgfleetProperties.Kubernetes.class);
        assertThat(defaults.postgresVersions().stream().max(Integer::compare)).hasValue(imageMajor);
        // The members run pgfleet's own data-plane image (PostgreSQL 15, pinned in images/), in the app and the chart.
        assertThat(defaults.patroniImage()).startsWith("pgfleet/dataplane:");
        Matcher chartImage = Pattern.compile("(?m)^\\s+patroniImage: (\\S+)$").matcher(Files.readString(VALUES));
        assertThat(chartImage.find()).isTrue();
        assertThat(chartImage.group(1)).as("the chart's database image").isEqualTo(defaults.patroniImage());
    }

    @Test
    void theImageRunsAsTheUserTheChartExpectsAndHasAJavaRuntime() throws IOException {
        List<String> lines = Files.readAllLines(DOCKERFILE);
        assertThat(lines).anyMatch(l -> l.contains("openjdk-17-jre-headless"));
        assertThat(lines).contains("USER 10001");
        assertThat(Files.readString(VALUES)).contains("runAsUser: 10001");
        assertThat(lines).anyMatch(l -> l.startsWith("ENTRYPOINT [\"java\", \"-jar\", \"/opt/pgfleet/pgfleet-control-plane.jar\"]"));
    }

    /** Verification Jobs run this image with their own command: the jar and the user must be where the Job expects. */
    @Test
    void verificationJobsFindTheJarAndANamedUserInTheImage() throws IOException {
        List<String> lines = Files.readAllLines(DOCKERFILE);
        assertThat(lines).anyMatch(l -> l.matches("COPY \\S+ " + Pattern.quote(BackupVerificationJob.JAR)));
        assertThat(lines).contains("USER " + BackupVerificationJob.USER_ID);
        // initdb looks its user up in /etc/passwd: the Job's uid must be a user of the image, not a bare number.
        assertThat(lines).anyMatch(l -> l.contains("useradd --uid " + BackupVerificationJob.USER_ID + " "));
    }
}
