package dev.pgfleet.blueprint.kubernetes;

import dev.pgfleet.blueprint.ClusterSpec;
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

/**
 * The Patroni members: one pgfleet/dataplane container per pod running Patroni with its own patroni.yml from the
 * config Secret (see PatroniObjects), data on an NVMe volume, pods only on NVMe nodes and, for ha, never two
 * members of a database on one node. The pods get no Kubernetes API token: etcd is the DCS, and the control plane,
 * not the pods, routes clients to the leader.
 */
final class PatroniStatefulSet {
    static final String DATA_VOLUME = "pgdata";
    static final String CONFIG_VOLUME = "patroni-config";
    /** The data-plane image's postgres user and group (images/dataplane.Containerfile). */
    static final long DATAPLANE_UID = 999L;

    private PatroniStatefulSet() {
    }

    /** @param tls whether the database has a TLS Secret to mount (see TlsObjects) */
    static StatefulSet build(ClusterSpec spec, KubernetesSettings s, Meta meta, boolean tls) {
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
                // OnDelete: the StatefulSet controller would restart members in ordinal order, leader included, with no
                // switchover; the control plane rolls them instead, replicas first, leader after a switchover (MemberRollout).
                .withNewUpdateStrategy().withType("OnDelete").endUpdateStrategy()
                .withNewTemplate()
                .withMetadata(meta.podTemplate(labels))
                .withNewSpec()
                .withServiceAccountName(KubernetesNames.serviceAccount(spec))
                .withAutomountServiceAccountToken(false)
                // Service links would add a variable for every Service in the namespace; Patroni reads PATRONI_*
                // variables as configuration, and a Service named "patroni-..." would make one.
                .withEnableServiceLinks(false)
                // A clean stop lets Patroni release the leader key at once instead of after its ttl.
                .withTerminationGracePeriodSeconds(300L)
                .withNewSecurityContext()
                .withRunAsUser(DATAPLANE_UID).withRunAsGroup(DATAPLANE_UID).withRunAsNonRoot(true)
                .withFsGroup(DATAPLANE_UID).withFsGroupChangePolicy("OnRootMismatch")
                .endSecurityContext()
                .withAffinity(affinity(spec, s, selector))
                .addNewContainer()
                .withName(MemberCrash.CONTAINER)
                .withImage(s.patroniImage())
                .withPorts(containerPort("postgresql", PatroniObjects.POSTGRES_PORT),
                        containerPort("patroni", PatroniObjects.PATRONI_PORT))
                // The image's entrypoint runs the program its first argument names; the kubelet expands $(POD_NAME).
                .withArgs("patroni", PatroniObjects.CONFIG_MOUNT + "/$(POD_NAME).yml")
                .withEnv(field("POD_NAME", "metadata.name"))
                .withNewResources().withRequests(resources).withLimits(resources).endResources()
                .withReadinessProbe(httpProbe("/readiness", 0, 5, 3, 3))
                .withLivenessProbe(httpProbe("/liveness", 30, 10, 5, 6))
                .addNewVolumeMount().withName(DATA_VOLUME).withMountPath(PatroniObjects.DATA_MOUNT).endVolumeMount()
                .addNewVolumeMount().withName(CONFIG_VOLUME).withMountPath(PatroniObjects.CONFIG_MOUNT).withReadOnly(true)
                .endVolumeMount()
                .addNewVolumeMount().withName("dshm").withMountPath("/dev/shm").endVolumeMount()
                .addAllToVolumeMounts(tls ? List.of(TlsObjects.mount()) : List.of())
                .withNewSecurityContext().withAllowPrivilegeEscalation(false).withPrivileged(false)
                .withNewCapabilities().withDrop("ALL").endCapabilities().endSecurityContext()
                .endContainer()
                // Parallel workers (HNSW builds) allocate dynamic shared memory in /dev/shm; the container default is 64 MB.
                // Readable by the pod's group only: the files hold the superuser, replication, REST API and etcd passwords.
                .addNewVolume().withName(CONFIG_VOLUME).withNewSecret().withSecretName(KubernetesNames.patroniConfig(spec))
                .withDefaultMode(0440).endSecret().endVolume()
                .addNewVolume().withName("dshm").withNewEmptyDir().withMedium("Memory").endEmptyDir().endVolume()
                .addAllToVolumes(tls ? List.of(TlsObjects.volume(spec)) : List.of())
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

    static EnvVar field(String name, String path) {
        return new EnvVarBuilder().withName(name).withNewValueFrom().withNewFieldRef().withFieldPath(path).endFieldRef()
                .endValueFrom().build();
    }
}
