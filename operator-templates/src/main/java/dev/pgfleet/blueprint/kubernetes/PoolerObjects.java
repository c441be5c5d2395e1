package dev.pgfleet.blueprint.kubernetes;

import dev.pgfleet.blueprint.ClusterSecrets;
import dev.pgfleet.blueprint.ClusterSpec;
import dev.pgfleet.blueprint.PgBouncerConfig;
import dev.pgfleet.blueprint.PoolerSettings;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.ProbeBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.ServicePortBuilder;
import io.fabric8.kubernetes.api.model.VolumeProjectionBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetBuilder;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * PgBouncer in transaction mode in front of the primary Service: two replicas, so the tenant endpoint survives
 * a pod restart or a node drain. The pooler connects to the primary Service's DNS name; when the leader
 * changes, the control plane points the Service's Endpoints at the new leader and new server connections reach
 * it with no reconfiguration.
 */
public final class PoolerObjects {
    public static final int LISTEN_PORT = 6432;
    static final String CONFIG_DIR = "/etc/pgbouncer";
    static final String INI_KEY = "pgbouncer.ini";
    static final String USERLIST_FILE = "userlist.txt";
    /** The hba file's key and file name: PgBouncerConfig.hbaFile puts it beside the auth file. */
    static final String HBA_KEY = "pgbouncer_hba.conf";
    static final int REPLICAS = 2;
    /** The uid/gid of pgfleet/dataplane's user; set explicitly so runAsNonRoot can be verified. */
    static final long USER_ID = PatroniStatefulSet.DATAPLANE_UID;
    static final long GROUP_ID = PatroniStatefulSet.DATAPLANE_UID;

    private PoolerObjects() {
    }

    /**
     * PgBouncer's own settings: all addresses (the pod IP is not known in advance), the auth file mounted from
     * the Secret, and an empty logfile, so PgBouncer logs to stderr only and nothing on the (read-only) root
     * file system needs to be writable; with {@code tls}, the files of the mounted TLS Secret (TlsObjects).
     */
    static PoolerSettings settings(boolean tls) {
        return new PoolerSettings("0.0.0.0", LISTEN_PORT, CONFIG_DIR + "/" + USERLIST_FILE, "", ClusterSecrets.POOLER_ADMIN_USER,
                tls ? TlsObjects.files() : null);
    }

    static String ini(ClusterSpec spec, KubernetesSettings s, boolean tls) {
        return PgBouncerConfig.renderIni(spec, settings(tls), KubernetesNames.primaryHost(spec, s), PatroniObjects.POSTGRES_PORT);
    }

    static ConfigMap config(ClusterSpec spec, KubernetesSettings s, Meta meta, boolean tls) {
        return new ConfigMapBuilder()
                .withMetadata(meta.owned(KubernetesNames.poolerConfig(spec), labels(spec)))
                .withData(configData(ini(spec, s, tls), tls))
                .build();
    }

    /**
     * A pooler ConfigMap's keys: pgbouncer.ini and, with TLS, the hba file the ini names (auth_type = hba: plaintext
     * only from loopback), which the Deployment projects beside the auth file (PgBouncerConfig.hbaFile).
     */
    static Map<String, String> configData(String ini, boolean tls) {
        Map<String, String> data = new TreeMap<>();
        data.put(INI_KEY, ini);
        if (tls) {
            data.put(HBA_KEY, PgBouncerConfig.renderHba());
        }
        return data;
    }

    /** @param tls whether the database has a TLS Secret to mount (see TlsObjects) */
    static Deployment deployment(ClusterSpec spec, KubernetesSettings s, Meta meta, boolean tls) {
        Map<String, String> labels = labels(spec);
        Map<String, String> selector = KubernetesNames.selector(spec, KubernetesNames.POOLER_COMPONENT);
        return new DeploymentBuilder()
                .withMetadata(meta.owned(KubernetesNames.poolerDeployment(spec), labels))
                .withNewSpec()
                .withReplicas(REPLICAS)
                .withNewSelector().withMatchLabels(selector).endSelector()
                // Never fewer than REPLICAS ready poolers during a rollout.
                .withNewStrategy().withType("RollingUpdate").withNewRollingUpdate()
                .withMaxUnavailable(new IntOrString(0)).withMaxSurge(new IntOrString(1)).endRollingUpdate().endStrategy()
                .withNewTemplate()
                .withMetadata(meta.podTemplate(labels))
                .withNewSpec()
                .withAutomountServiceAccountToken(false)
                .withEnableServiceLinks(false)
                .withNewSecurityContext()
                .withRunAsNonRoot(true).withRunAsUser(USER_ID).withRunAsGroup(GROUP_ID).withFsGroup(GROUP_ID)
                .withNewSeccompProfile().withType("RuntimeDefault").endSeccompProfile()
                .endSecurityContext()
                .withNewAffinity().withNewPodAntiAffinity()
                .addNewPreferredDuringSchedulingIgnoredDuringExecution().withWeight(100)
                .withNewPodAffinityTerm().withNewLabelSelector().withMatchLabels(selector).endLabelSelector()
                .withTopologyKey("kubernetes.io/hostname").endPodAffinityTerm()
                .endPreferredDuringSchedulingIgnoredDuringExecution()
                .endPodAntiAffinity().endAffinity()
                .addNewContainer()
                .withName("pgbouncer")
                .withImage(s.pgbouncerImage())
                // The image's entrypoint (pgfleet-dataplane) runs the program the first argument names.
                .withArgs(args())
                .addNewPort().withName("pgbouncer").withContainerPort(LISTEN_PORT).withProtocol("TCP").endPort()
                .withReadinessProbe(tcpProbe(0, 5, 3))
                .withLivenessProbe(tcpProbe(10, 10, 6))
                .withNewResources()
                .withRequests(new TreeMap<>(Map.of("cpu", new Quantity("100m"), "memory", new Quantity("64Mi"))))
                .withLimits(Map.of("memory", new Quantity("128Mi")))
                .endResources()
                .addNewVolumeMount().withName("config").withMountPath(CONFIG_DIR).withReadOnly(true).endVolumeMount()
                .addAllToVolumeMounts(tls ? List.of(TlsObjects.mount()) : List.of())
                .withNewSecurityContext()
                .withAllowPrivilegeEscalation(false).withReadOnlyRootFilesystem(true)
                .withNewCapabilities().withDrop("ALL").endCapabilities()
                .endSecurityContext()
                .endContainer()
                .addNewVolume().withName("config").withNewProjected()
                .withDefaultMode(0440)
                .withSources(
                        new VolumeProjectionBuilder().withNewConfigMap().withName(KubernetesNames.poolerConfig(spec))
                                .addNewItem().withKey(INI_KEY).withPath(INI_KEY).endItem()
                                .addAllToItems(tls ? List.of(new io.fabric8.kubernetes.api.model.KeyToPath(HBA_KEY, null, HBA_KEY))
                                        : List.of())
                                .endConfigMap().build(),
                        new VolumeProjectionBuilder().withNewSecret().withName(KubernetesNames.secret(spec))
                                .addNewItem().withKey(KubernetesBlueprint.POOLER_USERLIST_KEY).withPath(USERLIST_FILE).endItem()
                                .endSecret().build())
                .endProjected().endVolume()
                .addAllToVolumes(tls ? List.of(TlsObjects.volume(spec)) : List.of())
                .endSpec()
                .endTemplate()
                .endSpec()
                .build();
    }

    /** The tenant endpoint: PostgreSQL's usual port in front, PgBouncer's port behind. */
    static Service service(ClusterSpec spec, Meta meta) {
        return new ServiceBuilder()
                .withMetadata(meta.owned(KubernetesNames.poolerService(spec), labels(spec)))
                .withNewSpec()
                .withType("ClusterIP")
                .withSelector(KubernetesNames.selector(spec, KubernetesNames.POOLER_COMPONENT))
                .withPorts(new ServicePortBuilder().withName("postgresql").withProtocol("TCP")
                        .withPort(PatroniObjects.POSTGRES_PORT).withTargetPort(new IntOrString(LISTEN_PORT)).build())
                .endSpec()
                .build();
    }

    /** One of the two poolers may be evicted at a time; the other keeps serving. */
    static PodDisruptionBudget pdb(ClusterSpec spec, Meta meta) {
        return new PodDisruptionBudgetBuilder()
                .withMetadata(meta.owned(KubernetesNames.poolerPdb(spec), labels(spec)))
                .withNewSpec()
                .withMaxUnavailable(new IntOrString(1))
                .withNewSelector().withMatchLabels(KubernetesNames.selector(spec, KubernetesNames.POOLER_COMPONENT)).endSelector()
                .endSpec()
                .build();
    }

    static Map<String, String> labels(ClusterSpec spec) {
        return KubernetesNames.labels(spec, KubernetesNames.POOLER_COMPONENT);
    }

    private static Probe tcpProbe(int initialDelay, int period, int failures) {
        return new ProbeBuilder()
                .withNewTcpSocket().withNewPort(LISTEN_PORT).endTcpSocket()
                .withInitialDelaySeconds(initialDelay)
                .withPeriodSeconds(period)
                .withTimeoutSeconds(3)
                .withFailureThreshold(failures)
                .build();
    }

    /** PgBouncer with the mounted file, in the foreground. */
    static List<String> args() {
        return List.of("pgbouncer", CONFIG_DIR + "/" + INI_KEY);
    }
}
