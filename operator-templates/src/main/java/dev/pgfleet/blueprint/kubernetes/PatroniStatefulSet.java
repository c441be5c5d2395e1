package dev.pgfleet.blueprint.kubernetes;

import dev.pgfleet.blueprint.ClusterSecrets;
import dev.pgfleet.blueprint.ClusterSpec;
import dev.pgfleet.blueprint.Dcs;
import dev.pgfleet.blueprint.Resources;
import io.fabric8.kubernetes.api.model.Affinity;
import io.fabric8.kubernetes.api.model.AffinityBuilder;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.ContainerPortBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.PodAntiAffinity;
import io.fabric8.kubernetes.api.model.PodAntiAffinityBuilder;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.ProbeBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * The Patroni members: one Spilo container per pod, data on an NVMe volume, pods only on NVMe nodes and, for
 * ha, never two members of a database on one node.
 *
 * <p>Spilo is configured by environment (its documented variables) plus SPILO_CONFIGURATION, the blueprint's
 * cluster-wide Patroni configuration from the ConfigMap. Patroni's REST API password cannot be passed as
 * PATRONI_RESTAPI_PASSWORD: Spilo's runit script clears every variable but a short allow-list before it
 * starts Patroni. It is therefore added to SPILO_CONFIGURATION by the kubelet's $(VAR) expansion of two
 * earlier variables (the ConfigMap's text and the Secret's password), so the password never sits in a
 * ConfigMap or in the pod spec.
 */
final class PatroniStatefulSet {
    static final String DATA_VOLUME = "pgdata";
    static final String DATA_MOUNT = "/home/postgres/pgdata";
    /** Spilo's user is uid 101, group 103 (postgres); the pod runs Spilo's entrypoint as root, which drops to it. */
    static final long SPILO_FS_GROUP = 103L;
    static final String CONFIG_ENV = "PGFLEET_PATRONI_CONFIGURATION";
    static final String REST_PASSWORD_ENV = "PGFLEET_RESTAPI_PASSWORD";

    private PatroniStatefulSet() {
    }

    static StatefulSet build(ClusterSpec spec, KubernetesSettings s, Meta meta) {
        Map<String, String> labels = PatroniObjects.labels(spec);
        Map<String, String> selector = KubernetesNames.selector(spec, KubernetesNames.POSTGRES_COMPONENT);
        Resources r = spec.memberResources();
        Map<String, Quantity> resources = new TreeMap<>(Map.of(
                "cpu", new Quantity(Integer.toString(r.cpus())),
                "memory", new Quantity(Long.toString(r.memoryBytes()))));
        return new StatefulSetBuilder()
                .withMetadata(meta.owned(KubernetesNames.statefulSet(spec), labels))
                .withNewSpec()
                .withReplicas(spec.plan().members())
                .withServiceName(KubernetesNames.membersService(spec))
                // All members start at once and race for Patroni's initialize key; OrderedReady would also keep
                // later members from being recreated while an earlier one is not ready.
                .withPodManagementPolicy("Parallel")
                .withNewSelector().withMatchLabels(selector).endSelector()
                .withNewUpdateStrategy().withType("RollingUpdate").endUpdateStrategy()
                .withNewTemplate()
                .withMetadata(meta.podTemplate(labels))
                .withNewSpec()
                .withServiceAccountName(KubernetesNames.serviceAccount(spec))
                .withAutomountServiceAccountToken(true)
                // Service links would add variables for every Service in the namespace, and Spilo reads any
                // ETCD_*, ETCD3_*, ZOOKEEPER_*... variable as DCS configuration (a database named "etcd3" would do).
                .withEnableServiceLinks(false)
                // A clean stop lets Patroni release the leader key at once instead of after its ttl.
                .withTerminationGracePeriodSeconds(300L)
                .withNewSecurityContext()
                .withFsGroup(SPILO_FS_GROUP).withFsGroupChangePolicy("OnRootMismatch")
                .endSecurityContext()
                .withAffinity(affinity(spec, s, selector))
                .addNewContainer()
                .withName("postgres")
                .withImage(s.patroniImage())
                .withPorts(containerPort("postgresql", PatroniObjects.POSTGRES_PORT),
                        containerPort("patroni", PatroniObjects.PATRONI_PORT))
                .withEnv(env(spec, s))
                .withNewResources().withRequests(resources).withLimits(resources).endResources()
                .withReadinessProbe(httpProbe("/readiness", 0, 5, 3, 3))
                .withLivenessProbe(httpProbe("/liveness", 30, 10, 5, 6))
                .addNewVolumeMount().withName(DATA_VOLUME).withMountPath(DATA_MOUNT).endVolumeMount()
                .addNewVolumeMount().withName("dshm").withMountPath("/dev/shm").endVolumeMount()
                .withNewSecurityContext().withAllowPrivilegeEscalation(false).withPrivileged(false).endSecurityContext()
                .endContainer()
                // Parallel workers (HNSW builds) allocate dynamic shared memory in /dev/shm; the container default is 64 MB.
                .addNewVolume().withName("dshm").withNewEmptyDir().withMedium("Memory").endEmptyDir().endVolume()
                .endSpec()
                .endTemplate()
                // Fixed for the life of the StatefulSet (Kubernetes refuses changes): no spec hash here.
                .addNewVolumeClaimTemplate()
                .withNewMetadata().withName(DATA_VOLUME).withLabels(new TreeMap<>(labels)).endMetadata()
                .withNewSpec()
                .withAccessModes("ReadWriteOnce")
                .withStorageClassName(s.storageClass())
                .withNewResources().withRequests(Map.of("storage", new Quantity(spec.plan().storageGiB() + "Gi"))).endResources()
                .endSpec()
                .endVolumeClaimTemplate()
                .endSpec()
                .build();
    }

    /** Spilo's environment, in the order the kubelet resolves it ($(VAR) only sees variables defined earlier). */
    static List<EnvVar> env(ClusterSpec spec, KubernetesSettings s) {
        String secret = KubernetesNames.secret(spec);
        return List.of(
                value("SCOPE", spec.scope()),
                value("PGVERSION", Integer.toString(spec.postgresMajorVersion())),
                value("PGROOT", DATA_MOUNT + "/pgroot"),
                field("POD_IP", "status.podIP"),
                field("POD_NAMESPACE", "metadata.namespace"),
                // Skips Spilo's probing of cloud metadata endpoints (which NetworkPolicy blocks anyway).
                value("SPILO_PROVIDER", "local"),
                // Spilo's documented format: quoted "host:port" items, read as a YAML list.
                value("ETCD3_HOSTS", etcd3HostsForSpilo(s)),
                // Spilo turns ETCD3_<PARAM> into etcd3.<param> of patroni.yml: the scope's own etcd user.
                value("ETCD3_USERNAME", Dcs.scopeUser(spec.scope())),
                secretValue("ETCD3_PASSWORD", secret, KubernetesBlueprint.DCS_PASSWORD_KEY),
                value("KUBERNETES_ROLE_LABEL", KubernetesNames.ROLE_LABEL),
                value("PGUSER_SUPERUSER", ClusterSecrets.SUPERUSER),
                secretValue("PGPASSWORD_SUPERUSER", secret, KubernetesBlueprint.SUPERUSER_PASSWORD_KEY),
                value("PGUSER_STANDBY", ClusterSecrets.REPLICATION_USER),
                secretValue("PGPASSWORD_STANDBY", secret, KubernetesBlueprint.REPLICATION_PASSWORD_KEY),
                new EnvVarBuilder().withName(CONFIG_ENV).withNewValueFrom().withNewConfigMapKeyRef()
                        .withName(KubernetesNames.patroniConfig(spec)).withKey(PatroniObjects.CONFIG_KEY).endConfigMapKeyRef()
                        .endValueFrom().build(),
                secretValue(REST_PASSWORD_ENV, secret, KubernetesBlueprint.REST_API_PASSWORD_KEY),
                value("SPILO_CONFIGURATION", spiloConfigurationTemplate()));
    }

    /** The ConfigMap's YAML followed by the REST API's credentials; the kubelet substitutes both. */
    static String spiloConfigurationTemplate() {
        return "$(" + CONFIG_ENV + ")"
                + "restapi:\n"
                + "  authentication:\n"
                + "    username: " + ClusterSecrets.REST_API_USER + "\n"
                + "    password: '$(" + REST_PASSWORD_ENV + ")'\n";
    }

    static String etcd3HostsForSpilo(KubernetesSettings s) {
        return IntStream.range(0, SharedEtcd.MEMBERS)
                .mapToObj(i -> "\"" + KubernetesNames.etcdMemberHost(i, s) + ":" + SharedEtcd.CLIENT_PORT + "\"")
                .collect(Collectors.joining(","));
    }

    private static Affinity affinity(ClusterSpec spec, KubernetesSettings s, Map<String, String> selector) {
        AffinityBuilder affinity = new AffinityBuilder()
                .withNewNodeAffinity()
                .withNewRequiredDuringSchedulingIgnoredDuringExecution()
                .addNewNodeSelectorTerm()
                .addNewMatchExpression()
                .withKey(s.nvmeLabelKey()).withOperator("In").withValues(s.nvmeLabelValue())
                .endMatchExpression()
                .endNodeSelectorTerm()
                .endRequiredDuringSchedulingIgnoredDuringExecution()
                .endNodeAffinity();
        if (spec.plan().members() > 1) {
            // Required, not preferred: two members on one node would let one node failure take the leader and
            // its synchronous standby together. A member that cannot be placed stays Pending (visible in status).
            PodAntiAffinity antiAffinity = new PodAntiAffinityBuilder()
                    .addNewRequiredDuringSchedulingIgnoredDuringExecution()
                    .withNewLabelSelector().withMatchLabels(selector).endLabelSelector()
                    .withTopologyKey("kubernetes.io/hostname")
                    .endRequiredDuringSchedulingIgnoredDuringExecution()
                    .build();
            affinity.withPodAntiAffinity(antiAffinity);
        }
        return affinity.build();
    }

    private static Probe httpProbe(String path, int initialDelay, int period, int timeout, int failures) {
        return new ProbeBuilder()
                .withNewHttpGet().withPath(path).withNewPort(PatroniObjects.PATRONI_PORT).withScheme("HTTP").endHttpGet()
                .withInitialDelaySeconds(initialDelay)
                .withPeriodSeconds(period)
                .withTimeoutSeconds(timeout)
                .withFailureThreshold(failures)
                .build();
    }

    private static ContainerPort containerPort(String name, int port) {
        return new ContainerPortBuilder().withName(name).withContainerPort(port).withProtocol("TCP").build();
    }

    static EnvVar value(String name, String value) {
        return new EnvVarBuilder().withName(name).withValue(value).build();
    }

    static EnvVar field(String name, String path) {
        return new EnvVarBuilder().withName(name).withNewValueFrom().withNewFieldRef().withFieldPath(path).endFieldRef()
                .endValueFrom().build();
    }

    private static EnvVar secretValue(String name, String secret, String key) {
        return new EnvVarBuilder().withName(name).withNewValueFrom().withNewSecretKeyRef().withName(secret).withKey(key)
                .endSecretKeyRef().endValueFrom().build();
    }
}
