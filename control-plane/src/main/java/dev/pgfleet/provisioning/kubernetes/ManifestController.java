package dev.pgfleet.provisioning.kubernetes;

import dev.pgfleet.blueprint.kubernetes.KubernetesBlueprint;
import dev.pgfleet.blueprint.kubernetes.KubernetesSettings;
import dev.pgfleet.database.Database;
import dev.pgfleet.database.DatabaseService;
import dev.pgfleet.provisioning.DesiredCluster;
import dev.pgfleet.provisioning.DesiredClusters;
import dev.pgfleet.security.CurrentTenant;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.swagger.v3.oas.annotations.Operation;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

/**
 * Exports, as multi-document YAML, exactly the objects the Kubernetes runtime applies for a database (for
 * review and GitOps), whichever runtime is active. Secrets are built from placeholders, so no real secret
 * value can reach the export.
 */
@RestController
class ManifestController {
    static final String REDACTED = "<redacted>";
    static final String UNKNOWN_UID = "<uid of the root ConfigMap, assigned by the API server>";
    /** Readable YAML for people and GitOps diffs: quotes only where YAML would misread a string. */
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
            .enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS));

    private final DatabaseService databases;
    private final DesiredClusters desiredClusters;
    private final KubernetesSettings settings;
    private final ObjectProvider<KubernetesClient> client;

    ManifestController(DatabaseService databases, DesiredClusters desiredClusters, KubernetesSettings settings,
                       ObjectProvider<KubernetesClient> client) {
        this.databases = databases;
        this.desiredClusters = desiredClusters;
        this.settings = settings;
        this.client = client;
    }

    @GetMapping(value = "/api/v1/databases/{id}/manifests", produces = "application/yaml")
    @Operation(summary = "The Kubernetes objects of a database as multi-document YAML, secrets redacted")
    String manifests(@PathVariable UUID id) throws JsonProcessingException {
        Database database = databases.get(CurrentTenant.get(), id);
        DesiredCluster desired = desiredClusters.of(database);
        ConfigMap root = KubernetesBlueprint.root(desired.spec(), settings);
        List<HasMetadata> objects = new ArrayList<>();
        objects.add(root);
        objects.addAll(KubernetesBlueprint.databaseObjects(desired.spec(), settings, KubernetesSecrets.redacted(REDACTED, desired.tls()),
                fetchRootUid(root)));
        StringBuilder yaml = new StringBuilder();
        for (HasMetadata object : objects) {
            yaml.append("---\n").append(YAML.writeValueAsString(object));
        }
        return yaml.toString();
    }

    /** The real uid when the Kubernetes runtime has created the root object, else a placeholder that says so. */
    private String fetchRootUid(ConfigMap root) {
        KubernetesClient k8s = client.getIfAvailable();
        if (k8s == null) {
            return UNKNOWN_UID;
        }
        ConfigMap live = k8s.configMaps().inNamespace(settings.namespace()).withName(root.getMetadata().getName()).get();
        return live == null ? UNKNOWN_UID : live.getMetadata().getUid();
    }
}
