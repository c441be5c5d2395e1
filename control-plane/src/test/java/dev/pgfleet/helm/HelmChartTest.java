package dev.pgfleet.helm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import com.marcnuri.helm.TemplateCommand;
import dev.pgfleet.provisioning.kubernetes.KubernetesPermissions;
import dev.pgfleet.testsupport.kubernetes.HelmChart;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.api.model.rbac.Subject;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Helm chart under helm/pgfleet, through the real Helm library (helm-java): lint, render, schema
 * validation, and RBAC that matches {@link KubernetesPermissions#REQUIRED} exactly.
 *
 * <p>Renders go through {@link HelmChart}, which passes the secrets the chart would otherwise generate with
 * {@code lookup} (see there why); the generating path is covered by lint, which never contacts a cluster.
 */
class HelmChartTest {
    private static final Path CHART = HelmChart.CHART;
    private static final String RELEASE = "prod";
    private static final String FULLNAME = "prod-pgfleet";
    private static final String NAMESPACE = "pgfleet-system";
    private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

    /** External metadata values, as an operator would write them in a values file. */
    private static final String EXTERNAL_METADATA_VALUES = """
            metadata:
              external:
                enabled: true
                url: jdbc:postgresql://metadata.example.com:5432/pgfleet
                user: pgfleet
                existingSecret: pgfleet-metadata
              bundled:
                enabled: false
            """;

    private static final String MASTER_KEY = HelmChart.MASTER_KEY;
    private static final String ADMIN_TOKEN = HelmChart.ADMIN_TOKEN;

    @TempDir
    static Path tmp;

    private static List<HasMetadata> defaults;

    @BeforeAll
    static void renderDefaults() {
        defaults = render(template -> template);
    }

    // --- lint ---

    @Test
    void lintPassesStrictWithDefaultValues() {
        assertLintClean(CHART);
    }

    @Test
    @SuppressWarnings("unchecked")
    void lintPassesStrictWithExternalMetadata() throws IOException {
        // helm-java's lint takes no values: lint a copy of the chart whose values.yaml carries them.
        Path chart = copyChart(tmp.resolve("external-chart"));
        Map<String, Object> values = SERIALIZATION.unmarshal(Files.readString(chart.resolve("values.yaml")), Map.class);
        merge(values, SERIALIZATION.unmarshal(EXTERNAL_METADATA_VALUES, Map.class));
        Files.writeString(chart.resolve("values.yaml"), SERIALIZATION.asYaml(values));

        assertLintClean(chart);
        assertThat(kinds(render(template -> template.withValuesFile(externalValuesFile()))))
                .doesNotContain("StatefulSet");
    }

    // --- rendering with defaults ---

    @Test
    void everyRenderedDocumentIsAKnownKubernetesObject() {
        assertThat(defaults).allSatisfy(object -> {
            assertThat(object).isNotInstanceOf(GenericKubernetesResource.class);
            assertThat(object.getMetadata().getName()).isNotBlank();
        });
        assertThat(kinds(defaults)).containsExactlyInAnyOrder(
                "ServiceAccount", "ConfigMap", "Secret", "Secret", "Secret", "Service", "Service", "Service", "Deployment",
                "StatefulSet", "Role", "Role", "Role", "RoleBinding", "RoleBinding", "RoleBinding", "ClusterRole",
                "ClusterRoleBinding", "PodDisruptionBudget", "PersistentVolumeClaim");
        assertThat(defaults).filteredOn(o -> !(o instanceof ClusterRole || o instanceof ClusterRoleBinding))
                .allSatisfy(o -> assertThat(o.getMetadata().getNamespace()).isEqualTo(NAMESPACE));
    }

    @Test
    void deploymentRunsTwoHardenedReplicasWithActuatorProbes() {
        Deployment deployment = one(defaults, Deployment.class);
        assertThat(deployment.getSpec().getReplicas()).isEqualTo(2);

        var pod = deployment.getSpec().getTemplate().getSpec();
        assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
        assertThat(pod.getSecurityContext().getRunAsUser()).isEqualTo(10001L);
        assertThat(pod.getSecurityContext().getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
        assertThat(pod.getAffinity().getPodAntiAffinity().getPreferredDuringSchedulingIgnoredDuringExecution())
                .singleElement()
                .satisfies(term -> assertThat(term.getPodAffinityTerm().getLabelSelector().getMatchLabels())
                        .isEqualTo(deployment.getSpec().getSelector().getMatchLabels()));

        Container container = pod.getContainers().get(0);
        assertThat(container.getImage()).isEqualTo("pgfleet/control-plane:0.1.0-SNAPSHOT");
        assertThat(container.getPorts()).singleElement()
                .satisfies(port -> assertThat(port.getContainerPort()).isEqualTo(8080));
        var security = container.getSecurityContext();
        assertThat(security.getRunAsNonRoot()).isTrue();
        assertThat(security.getReadOnlyRootFilesystem()).isTrue();
        assertThat(security.getAllowPrivilegeEscalation()).isFalse();
        assertThat(security.getCapabilities().getDrop()).containsExactly("ALL");

        assertThat(container.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/actuator/health/liveness");
        assertThat(container.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/actuator/health/readiness");
        assertThat(container.getStartupProbe().getHttpGet().getPath()).isEqualTo("/actuator/health/liveness");
        assertThat(container.getStartupProbe().getPeriodSeconds() * container.getStartupProbe().getFailureThreshold())
                .as("startup budget in seconds").isGreaterThanOrEqualTo(120);

        // Writable home and /tmp on emptyDirs, backups on their claim; everything else is read-only.
        assertThat(container.getVolumeMounts()).extracting("mountPath")
                .containsExactlyInAnyOrder("/var/lib/pgfleet", "/tmp", "/var/lib/pgfleet-backups");
        assertThat(pod.getVolumes()).filteredOn(volume -> !volume.getName().equals("backups"))
                .allSatisfy(volume -> assertThat(volume.getEmptyDir()).isNotNull());

        assertThat(one(defaults, Service.class, FULLNAME).getSpec().getPorts()).singleElement().satisfies(port -> {
            assertThat(port.getPort()).isEqualTo(80);
            assertThat(port.getTargetPort().getStrVal()).isEqualTo("http");
        });
        assertThat(one(defaults, PodDisruptionBudget.class).getSpec().getMinAvailable().getIntVal()).isEqualTo(1);
    }

    @Test
    void environmentSelectsTheKubernetesRuntimeAndLeaderElection() {
        Map<String, EnvVar> env = env(defaults);
        assertThat(env.get("PGFLEET_RUNTIME").getValue()).isEqualTo("kubernetes");
        assertThat(env.get("PGFLEET_KUBERNETES_LEASE_NAME").getValue()).isEqualTo(FULLNAME + "-leader");
        assertThat(env.get("POD_NAME").getValueFrom().getFieldRef().getFieldPath()).isEqualTo("metadata.name");
        assertThat(env.get("PGFLEET_KUBERNETES_NAMESPACE").getValue()).isEqualTo(NAMESPACE);
        assertThat(env.get("PGFLEET_KUBERNETES_STORAGE_CLASS").getValue()).isEqualTo("local-nvme");
        assertThat(env.get("PGFLEET_KUBERNETES_NVME_LABEL").getValue()).isEqualTo("pgfleet.dev/storage=nvme");
        assertThat(env.get("PGFLEET_KUBERNETES_PVC_RETENTION").getValue()).isEqualTo("retain");
        assertThat(env.get("PGFLEET_KUBERNETES_PATRONI_IMAGE").getValue()).isNotBlank();
        assertThat(env.get("PGFLEET_KUBERNETES_PGBOUNCER_IMAGE").getValue()).isNotBlank();
        assertThat(env.get("PGFLEET_HOME").getValue()).isEqualTo("/var/lib/pgfleet");
        assertThat(env.get("JAVA_TOOL_OPTIONS").getValue()).contains("MaxRAMPercentage");
        assertThat(env.get("PGFLEET_MASTER_KEY").getValueFrom().getSecretKeyRef().getName()).isEqualTo(FULLNAME);
        assertThat(env.get("PGFLEET_DB_PASSWORD").getValueFrom().getSecretKeyRef().getName())
                .isEqualTo(FULLNAME + "-postgresql");
        assertThat(env.get("PGFLEET_ADMIN_TOKEN").getValueFrom().getSecretKeyRef().getName())
                .isEqualTo(FULLNAME + "-admin");
        assertThat(env.get("PGFLEET_ADMIN_PASSWORD").getValueFrom().getSecretKeyRef().getKey()).isEqualTo("dashboard-password");

        // Every Secret reference points at a key the chart renders.
        Map<String, Secret> secrets = new HashMap<>();
        ofKind(defaults, Secret.class).forEach(secret -> secrets.put(secret.getMetadata().getName(), secret));
        env.values().stream().filter(e -> e.getValueFrom() != null && e.getValueFrom().getSecretKeyRef() != null)
                .map(e -> e.getValueFrom().getSecretKeyRef())
                .forEach(ref -> assertThat(secrets).hasEntrySatisfying(ref.getName(),
                        secret -> assertThat(secret.getData()).containsKey(ref.getKey())));
    }

    @Test
    void secretsAreNeverEmpty() {
        assertThat(ofKind(defaults, Secret.class)).hasSize(3).allSatisfy(secret -> {
            assertThat(secret.getData()).isNotEmpty();
            secret.getData().forEach((key, value) -> assertThat(decode(value)).as(key).isNotBlank());
        });
        assertThat(decode(one(defaults, Secret.class, FULLNAME).getData().get("master-key"))).isEqualTo(MASTER_KEY);
        assertThat(decode(one(defaults, Secret.class, FULLNAME + "-admin").getData().get("token"))).isEqualTo(ADMIN_TOKEN);
        assertThat(decode(one(defaults, Secret.class, FULLNAME + "-admin").getData().get("dashboard-password")))
                .isEqualTo("dashboard-password-for-tests");
        assertThat(decode(one(defaults, Secret.class, FULLNAME + "-postgresql").getData().get("password")))
                .isEqualTo("bundled-password-for-tests");
    }

    @Test
    void bundledPostgresqlIsTheDefaultMetadataDatabase() {
        StatefulSet postgres = one(defaults, StatefulSet.class);
        assertThat(postgres.getMetadata().getName()).isEqualTo(FULLNAME + "-postgresql");
        Container container = postgres.getSpec().getTemplate().getSpec().getContainers().get(0);
        assertThat(container.getImage()).isEqualTo("docker.io/library/postgres:15");
        var podSecurity = postgres.getSpec().getTemplate().getSpec().getSecurityContext();
        assertThat(podSecurity.getRunAsNonRoot()).isTrue();
        assertThat(podSecurity.getRunAsUser()).isEqualTo(999L);
        assertThat(podSecurity.getFsGroup()).isEqualTo(999L);
        assertThat(container.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
        assertThat(postgres.getSpec().getVolumeClaimTemplates()).singleElement()
                .satisfies(claim -> assertThat(claim.getSpec().getResources().getRequests()).containsKey("storage"));

        Service service = one(defaults, Service.class, FULLNAME + "-postgresql");
        assertThat(service.getSpec().getSelector())
                .isEqualTo(postgres.getSpec().getSelector().getMatchLabels());
        assertThat(env(defaults).get("PGFLEET_DB_URL").getValue())
                .isEqualTo("jdbc:postgresql://" + FULLNAME + "-postgresql:5432/pgfleet");
    }

    @Test
    void externalMetadataReplacesTheBundledDatabase() {
        List<HasMetadata> objects = render(template -> template.withValuesFile(externalValuesFile()));
        assertThat(ofKind(objects, StatefulSet.class)).isEmpty();
        assertThat(objects).noneMatch(o -> o.getMetadata().getName().endsWith("-postgresql"));

        Map<String, EnvVar> env = env(objects);
        assertThat(env.get("PGFLEET_DB_URL").getValue()).isEqualTo("jdbc:postgresql://metadata.example.com:5432/pgfleet");
        assertThat(env.get("PGFLEET_DB_USER").getValue()).isEqualTo("pgfleet");
        assertThat(env.get("PGFLEET_DB_PASSWORD").getValueFrom().getSecretKeyRef().getName())
                .isEqualTo("pgfleet-metadata");
    }

    // --- backups ---

    @Test
    void backupsGoToAReadWriteManyClaimEveryReplicaMountsAndUninstallKeeps() {
        PersistentVolumeClaim claim = one(defaults, PersistentVolumeClaim.class, FULLNAME + "-backups");
        assertThat(claim.getSpec().getAccessModes()).containsExactly("ReadWriteMany");
        assertThat(claim.getSpec().getResources().getRequests().get("storage").toString()).isEqualTo("100Gi");
        assertThat(claim.getSpec().getStorageClassName()).as("the cluster's default class").isNull();
        assertThat(claim.getMetadata().getAnnotations()).containsEntry("helm.sh/resource-policy", "keep");

        Deployment deployment = one(defaults, Deployment.class);
        var pod = deployment.getSpec().getTemplate().getSpec();
        assertThat(pod.getVolumes()).filteredOn(v -> v.getName().equals("backups")).singleElement()
                .satisfies(v -> assertThat(v.getPersistentVolumeClaim().getClaimName()).isEqualTo(FULLNAME + "-backups"));
        assertThat(pod.getContainers().get(0).getVolumeMounts()).filteredOn(m -> m.getName().equals("backups")).singleElement()
                .satisfies(m -> assertThat(m.getMountPath()).isEqualTo("/var/lib/pgfleet-backups"));
        Map<String, EnvVar> env = env(defaults);
        assertThat(env.get("PGFLEET_BACKUP_DIRECTORY").getValue()).isEqualTo("/var/lib/pgfleet-backups");
        assertThat(env.get("PGFLEET_BACKUP_DIRECTORY_FORMAT_ABOVE").getValue()).isEqualTo("4GB");
        assertThat(env.get("PGFLEET_BACKUP_PARALLEL_JOBS").getValue()).isEqualTo("0");
        assertThat(deployment.getSpec().getStrategy()).as("rolling updates: every replica can mount the claim").isNull();
        // Verification Jobs: beside the claim, from the control plane's own image, anywhere (ReadWriteMany).
        assertThat(env.get("PGFLEET_BACKUP_VERIFICATION_NAMESPACE").getValue()).isEqualTo(NAMESPACE);
        assertThat(env.get("PGFLEET_BACKUP_VERIFICATION_IMAGE").getValue())
                .isEqualTo(pod.getContainers().get(0).getImage());
        assertThat(env.get("PGFLEET_BACKUP_VERIFICATION_CLAIM_NAME").getValue()).isEqualTo(FULLNAME + "-backups");
        assertThat(env.get("PGFLEET_BACKUP_VERIFICATION_SAME_NODE_AS_CONTROL_PLANE").getValue()).isEqualTo("false");
        assertThat(env.get("PGFLEET_BACKUP_VERIFICATION_ACTIVE_DEADLINE").getValue()).isEqualTo("6h");
    }

    @Test
    void anExistingClaimIsMountedAndNoneIsCreated() {
        List<HasMetadata> objects = render(template -> template.set("backups.persistence.existingClaim", "nfs-backups"));

        assertThat(ofKind(objects, PersistentVolumeClaim.class)).isEmpty();
        assertThat(one(objects, Deployment.class).getSpec().getTemplate().getSpec().getVolumes())
                .filteredOn(v -> v.getName().equals("backups")).singleElement()
                .satisfies(v -> assertThat(v.getPersistentVolumeClaim().getClaimName()).isEqualTo("nfs-backups"));
    }

    @Test
    void aReadWriteOnceStoreNeedsOneReplicaAndRecreatesOnUpgrade() {
        assertRenderFails(template -> template.set("backups.persistence.accessMode", "ReadWriteOnce"),
                "use ReadWriteMany");

        List<HasMetadata> objects = render(template -> template.set("backups.persistence.accessMode", "ReadWriteOnce")
                .set("replicaCount", 1).set("backups.persistence.storageClass", "fast-ssd"));

        PersistentVolumeClaim claim = one(objects, PersistentVolumeClaim.class);
        assertThat(claim.getSpec().getAccessModes()).containsExactly("ReadWriteOnce");
        assertThat(claim.getSpec().getStorageClassName()).isEqualTo("fast-ssd");
        assertThat(one(objects, Deployment.class).getSpec().getStrategy().getType()).isEqualTo("Recreate");
        assertThat(env(objects).get("PGFLEET_BACKUP_VERIFICATION_SAME_NODE_AS_CONTROL_PLANE").getValue())
                .as("a ReadWriteOnce claim attaches to one node: verification Jobs run there").isEqualTo("true");
    }

    @Test
    void aReadWriteOncePodStoreIsRefusedBecauseVerificationJobsMountItToo() {
        assertRenderFails(template -> template.set("backups.persistence.accessMode", "ReadWriteOncePod").set("replicaCount", 1),
                "verified in a Job");
    }

    @Test
    void withoutPersistenceBackupsStayInTheHome() {
        List<HasMetadata> objects = render(template -> template.set("backups.persistence.enabled", false));

        assertThat(ofKind(objects, PersistentVolumeClaim.class)).isEmpty();
        assertThat(env(objects)).doesNotContainKey("PGFLEET_BACKUP_DIRECTORY")
                .doesNotContainKey("PGFLEET_BACKUP_VERIFICATION_CLAIM_NAME");
        assertThat(one(objects, Deployment.class).getSpec().getTemplate().getSpec().getVolumes())
                .noneMatch(v -> v.getName().equals("backups"));
    }

    // --- values validation ---

    @Test
    void schemaRejectsBadValues() {
        assertRenderFails(template -> template.set("replicaCount", "two"), "replicaCount");
        assertRenderFails(template -> template.set("kubernetes.pvcRetention", "forever"), "pvcRetention");
        assertRenderFails(template -> template.set("image.pullPolicy", "Sometimes"), "pullPolicy");
        assertRenderFails(template -> template.set("masterKey.value", "no-salt"), "masterKey");
        assertRenderFails(template -> template.set("adminToken.value", "too-short"), "adminToken");
        assertRenderFails(template -> template.set("adminToken.dashboardPassword", "short"), "dashboardPassword");
        assertRenderFails(template -> template.set("kubernetes.nvmeNodeLabel", "pgfleet.dev/storage"), "nvmeNodeLabel");
        assertRenderFails(template -> template.set("replicaCont", 2), "replicaCont");
        assertRenderFails(template -> template.set("backups.persistence.accessMode", "ReadManyTimes"), "accessMode");
        assertRenderFails(template -> template.set("backups.directoryFormatAbove", "4 gigs"), "directoryFormatAbove");
        assertRenderFails(template -> template.set("backups.parallelJobs", -1), "parallelJobs");
        assertRenderFails(template -> template.set("backups.verification.activeDeadline", "forever"), "activeDeadline");
    }

    @Test
    void exactlyOneMetadataDatabaseMustBeEnabled() {
        assertRenderFails(template -> template.set("metadata.bundled.enabled", false), "exactly one metadata database");
        assertRenderFails(template -> template.set("metadata.external.enabled", true)
                .set("metadata.external.url", "jdbc:postgresql://db:5432/pgfleet")
                .set("metadata.external.user", "pgfleet")
                .set("metadata.external.existingSecret", "db"), "exactly one metadata database");
        assertRenderFails(template -> template.set("metadata.external.enabled", true)
                .set("metadata.bundled.enabled", false), "metadata.external.url");
    }

    @Test
    void singleReplicaHasNoDisruptionBudget() {
        List<HasMetadata> objects = render(template -> template.set("replicaCount", 1));
        assertThat(one(objects, Deployment.class).getSpec().getReplicas()).isEqualTo(1);
        assertThat(ofKind(objects, PodDisruptionBudget.class)).isEmpty();
    }

    // --- RBAC ---

    @Test
    void rbacGrantsExactlyTheRequiredPermissions() {
        assertRbacMatchesRequired(defaults);
    }

    @Test
    void databaseRolesFollowTheDatabasesNamespaceWhileTheLeaseStaysInTheReleaseNamespace() {
        List<HasMetadata> objects = render(template -> template.set("kubernetes.namespace", "tenant-databases"));
        assertRbacMatchesRequired(objects);
        assertThat(env(objects).get("PGFLEET_KUBERNETES_NAMESPACE").getValue())
                .isEqualTo("tenant-databases");
        for (Role role : ofKind(objects, Role.class)) {
            // The Lease, and the verification Jobs beside the backup store's claim, stay in the release namespace.
            boolean releaseNamespace = role.getRules().stream()
                    .anyMatch(rule -> rule.getResources().contains("leases") || rule.getResources().contains("jobs"));
            assertThat(role.getMetadata().getNamespace()).as(role.getMetadata().getName())
                    .isEqualTo(releaseNamespace ? NAMESPACE : "tenant-databases");
        }
    }

    @Test
    void everyRoleIsBoundToTheControlPlaneServiceAccount() {
        String serviceAccount = one(defaults, Deployment.class).getSpec().getTemplate().getSpec().getServiceAccountName();
        assertThat(one(defaults, ServiceAccount.class).getMetadata().getName()).isEqualTo(serviceAccount);
        Subject expected = new Subject(null, "ServiceAccount", serviceAccount, NAMESPACE);

        Set<String> boundRoles = new TreeSet<>();
        for (RoleBinding binding : ofKind(defaults, RoleBinding.class)) {
            assertThat(binding.getSubjects()).containsExactly(expected);
            assertThat(binding.getRoleRef().getKind()).isEqualTo("Role");
            boundRoles.add(binding.getMetadata().getNamespace() + "/" + binding.getRoleRef().getName());
        }
        assertThat(boundRoles).containsExactlyInAnyOrderElementsOf(ofKind(defaults, Role.class).stream()
                .map(role -> role.getMetadata().getNamespace() + "/" + role.getMetadata().getName()).toList());

        ClusterRoleBinding clusterBinding = one(defaults, ClusterRoleBinding.class);
        assertThat(clusterBinding.getSubjects()).containsExactly(expected);
        assertThat(clusterBinding.getRoleRef().getName()).isEqualTo(one(defaults, ClusterRole.class).getMetadata().getName());
    }

    private static void assertRbacMatchesRequired(List<HasMetadata> objects) {
        // "apiGroup/resource" -> the union of verbs granted, per scope.
        Map<String, Set<String>> namespaced = grants(ofKind(objects, Role.class).stream()
                .flatMap(role -> role.getRules().stream()));
        Map<String, Set<String>> clusterScoped = grants(ofKind(objects, ClusterRole.class).stream()
                .flatMap(role -> role.getRules().stream()));

        Map<String, Set<String>> requiredNamespaced = new HashMap<>();
        Map<String, Set<String>> requiredClusterScoped = new HashMap<>();
        for (KubernetesPermissions.Rule rule : KubernetesPermissions.REQUIRED) {
            (rule.clusterScoped() ? requiredClusterScoped : requiredNamespaced)
                    .merge(rule.apiGroup() + "/" + rule.resource(), new TreeSet<>(rule.verbs()), HelmChartTest::union);
        }
        assertThat(namespaced).as("Role rules").isEqualTo(requiredNamespaced);
        assertThat(clusterScoped).as("ClusterRole rules").isEqualTo(requiredClusterScoped);
    }

    private static Map<String, Set<String>> grants(Stream<PolicyRule> rules) {
        Map<String, Set<String>> grants = new HashMap<>();
        rules.forEach(rule -> {
            assertThat(rule.getNonResourceURLs()).as("non-resource URLs").isNullOrEmpty();
            assertThat(rule.getVerbs()).as("wildcard verbs").doesNotContain("*");
            for (String group : rule.getApiGroups()) {
                for (String resource : rule.getResources()) {
                    grants.merge(group + "/" + resource, new TreeSet<>(rule.getVerbs()), HelmChartTest::union);
                }
            }
        });
        return grants;
    }

    private static Set<String> union(Set<String> a, Set<String> b) {
        Set<String> union = new TreeSet<>(a);
        union.addAll(b);
        return union;
    }

    // --- helpers ---

    private static void assertLintClean(Path chart) {
        LintResult result = new Helm(chart).lint().strict().call();
        assertThat(result.isFailed()).as("lint failed: %s", result.getMessages()).isFalse();
        assertThat(result.getMessages()).noneMatch(message -> message.contains("[ERROR]") || message.contains("[WARNING]"));
    }

    private static List<HasMetadata> render(UnaryOperator<TemplateCommand> values) {
        return HelmChart.render(RELEASE, NAMESPACE, values);
    }

    private static void assertRenderFails(UnaryOperator<TemplateCommand> values, String messagePart) {
        assertThatThrownBy(() -> render(values))
                .isInstanceOf(IllegalStateException.class)
                .message().containsIgnoringCase(messagePart);
    }

    private static Path externalValuesFile() {
        return valuesFile("external-metadata.yaml", EXTERNAL_METADATA_VALUES);
    }

    private static Path valuesFile(String name, String yaml) {
        try {
            return Files.writeString(tmp.resolve(name), yaml);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path copyChart(Path target) throws IOException {
        try (Stream<Path> files = Files.walk(CHART)) {
            for (Path source : files.toList()) {
                Path copy = target.resolve(CHART.relativize(source).toString());
                if (Files.isDirectory(source)) {
                    Files.createDirectories(copy);
                } else {
                    Files.copy(source, copy);
                }
            }
        }
        return target;
    }

    /** Deep-merges overrides into values, like Helm merges a values file over the chart's values.yaml. */
    @SuppressWarnings("unchecked")
    private static void merge(Map<String, Object> values, Map<String, Object> overrides) {
        overrides.forEach((key, override) -> {
            if (override instanceof Map && values.get(key) instanceof Map) {
                merge((Map<String, Object>) values.get(key), (Map<String, Object>) override);
            } else {
                values.put(key, override);
            }
        });
    }

    private static List<String> kinds(List<HasMetadata> objects) {
        return objects.stream().map(HasMetadata::getKind).toList();
    }

    private static <T extends HasMetadata> List<T> ofKind(List<HasMetadata> objects, Class<T> type) {
        return objects.stream().filter(type::isInstance).map(type::cast).toList();
    }

    private static <T extends HasMetadata> T one(List<HasMetadata> objects, Class<T> type) {
        List<T> matches = ofKind(objects, type);
        assertThat(matches).as(type.getSimpleName()).hasSize(1);
        return matches.get(0);
    }

    private static <T extends HasMetadata> T one(List<HasMetadata> objects, Class<T> type, String name) {
        List<T> matches = ofKind(objects, type).stream().filter(o -> name.equals(o.getMetadata().getName())).toList();
        assertThat(matches).as(type.getSimpleName() + " " + name).hasSize(1);
        return matches.get(0);
    }

    /** The container's environment: its env entries plus the ConfigMaps it takes with envFrom. */
    private static Map<String, EnvVar> env(List<HasMetadata> objects) {
        Deployment deployment = one(objects, Deployment.class);
        var container = deployment.getSpec().getTemplate().getSpec().getContainers().get(0);
        Map<String, EnvVar> env = new HashMap<>();
        for (var source : container.getEnvFrom()) {
            ConfigMap configMap = one(objects, ConfigMap.class, source.getConfigMapRef().getName());
            configMap.getData().forEach((k, v) -> assertThat(env.put(k, new EnvVar(k, v, null))).as("duplicate env " + k).isNull());
        }
        for (EnvVar var : container.getEnv()) {
            assertThat(env.put(var.getName(), var)).as("duplicate env " + var.getName()).isNull();
        }
        return env;
    }

    private static String decode(String base64) {
        return new String(Base64.getDecoder().decode(base64), StandardCharsets.UTF_8);
    }
}
