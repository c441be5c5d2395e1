package dev.pgfleet.testsupport.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.TemplateCommand;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesResource;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * Renders the chart under helm/pgfleet through the real Helm library (helm-java) into fabric8 objects, as
 * {@code helm template} would.
 *
 * <p>Unlike the helm CLI, helm-java's {@code template()} lets {@code lookup} call the API server of the default
 * kubeconfig (localhost:8080 where there is none, which may well be a running control plane). So every render passes
 * the secrets the chart would otherwise generate with {@code lookup} ({@link #SECRET_VALUES}).
 */
public final class HelmChart {
    public static final Path CHART = Path.of("..", "helm", "pgfleet");

    public static final String MASTER_KEY = "c2VjcmV0LWZvci10ZXN0cw:00112233445566778899aabbccddeeff";
    public static final String ADMIN_TOKEN = "pgf_admin-token-for-tests-0123456789abcdef";
    /** The values that keep rendering away from {@code lookup} (see the class comment). */
    public static final String SECRET_VALUES = """
            masterKey:
              value: "%s"
            adminToken:
              value: "%s"
              dashboardPassword: dashboard-password-for-tests
            metadata:
              bundled:
                password: bundled-password-for-tests
            """.formatted(MASTER_KEY, ADMIN_TOKEN);

    private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();
    private static Path secretValuesFile;

    private HelmChart() {
    }

    /** The chart rendered as release {@code release} in {@code namespace}, with its defaults changed by {@code values}. */
    public static List<HasMetadata> render(String release, String namespace, UnaryOperator<TemplateCommand> values) {
        TemplateCommand template = new Helm(CHART).template().withName(release).withNamespace(namespace)
                .withValuesFile(secretValuesFile());
        String manifests = values.apply(template).call();
        List<HasMetadata> objects = new ArrayList<>();
        for (String document : manifests.split("(?m)^---\\s*$")) {
            boolean empty = document.lines().map(String::strip).allMatch(line -> line.isEmpty() || line.startsWith("#"));
            if (!empty) {
                KubernetesResource parsed = SERIALIZATION.unmarshal(document, KubernetesResource.class);
                assertThat(parsed).as(document).isInstanceOf(HasMetadata.class);
                objects.add((HasMetadata) parsed);
            }
        }
        return objects;
    }

    private static synchronized Path secretValuesFile() {
        try {
            if (secretValuesFile == null) {
                Path file = Files.createTempFile("pgfleet-chart-secrets", ".yaml");
                file.toFile().deleteOnExit();
                secretValuesFile = Files.writeString(file, SECRET_VALUES);
            }
            return secretValuesFile;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
