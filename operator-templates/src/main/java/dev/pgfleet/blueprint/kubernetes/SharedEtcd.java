package dev.pgfleet.blueprint.kubernetes;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.ProbeBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetBuilder;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * One three-member etcd per namespace: the DCS of every database in it.
 *
 * <p>Shared because a database is small and many of them live in a namespace: a DCS per database would triple
 * the pods of a dev database and add an etcd quorum to every failure analysis, while Patroni is built to share
 * one: each database is its own Patroni scope and touches only the keys under its prefix,
 * {@code /pgfleet/<scope>/} (leader, members, config, sync, failover, ...), the layout the local runtime uses. Three members tolerate the loss of one; the
 * PodDisruptionBudget keeps drains from taking two, because a Patroni leader that cannot reach the DCS
 * demotes itself, and that would happen to every database in the namespace at once.
 *
 * <p>Plain HTTP inside the namespace (the NetworkPolicy admits only database members, the control plane in its
 * namespace, and the peers), with etcd authentication: the control plane enables it through etcd's API as
 * {@code root} and gives each database's scope its own user and role, read-write on its own prefix only (see
 * {@link dev.pgfleet.blueprint.Dcs}). /health still answers without credentials, so the probes need none.
 *
 * <p>A member whose volume is lost is replaced, not re-bootstrapped: see {@link EtcdMemberState}.
 */
final class SharedEtcd {
    static final int MEMBERS = 3;
    static final int CLIENT_PORT = 2379;
    static final int PEER_PORT = 2380;
    static final String DATA_VOLUME = "data";
    static final String DATA_MOUNT = "/var/run/etcd";
    static final String STATE_VOLUME = "member-state";
    static final String STORAGE = "2Gi";
    /** etcd refuses writes past this; Patroni's keys are a few KB per database, history is compacted hourly. */
    static final long QUOTA_BYTES = 1L << 30;
    /** pgfleet/dataplane's user. */
    static final long USER_ID = PatroniStatefulSet.DATAPLANE_UID;

    private SharedEtcd() {
    }

    static List<HasMetadata> objects(KubernetesSettings s) {
        return List.of(peerService(s), clientService(s), statefulSet(s), pdb(s), NetworkPolicies.etcd(s));
    }

    /** The peer and member addresses etcd advertises and Patroni connects to. */
    static String hosts(KubernetesSettings s) {
        return IntStream.range(0, MEMBERS).mapToObj(i -> KubernetesNames.etcdMemberHost(i, s) + ":" + CLIENT_PORT)
                .collect(Collectors.joining(","));
    }

    static String initialCluster(KubernetesSettings s) {
        return IntStream.range(0, MEMBERS)
                .mapToObj(i -> KubernetesNames.etcdPodName(i) + "=" + EtcdMemberState.peerUrl(i, s))
                .collect(Collectors.joining(","));
    }

    /** Headless and publishing not-ready pods: members must resolve each other before the cluster has a leader. */
    static Service peerService(KubernetesSettings s) {
        return new ServiceBuilder()
                .withMetadata(meta(KubernetesNames.etcdPeerService(), s))
                .withNewSpec()
                .withClusterIP("None")
                .withPublishNotReadyAddresses(true)
                .withSelector(KubernetesNames.etcdSelector())
                .withPorts(PatroniObjects.port("client", CLIENT_PORT), PatroniObjects.port("peer", PEER_PORT))
                .endSpec()
                .build();
    }

    static Service clientService(KubernetesSettings s) {
        return new ServiceBuilder()
                .withMetadata(meta(KubernetesNames.etcdClientService(), s))
                .withNewSpec()
                .withType("ClusterIP")
                .withSelector(KubernetesNames.etcdSelector())
                .withPorts(PatroniObjects.port("client", CLIENT_PORT))
                .endSpec()
                .build();
    }

    static StatefulSet statefulSet(KubernetesSettings s) {
        String self = "$(POD_NAME)." + KubernetesNames.etcdPeerService() + "." + s.namespace() + ".svc";
        return new StatefulSetBuilder()
                .withMetadata(meta(KubernetesNames.etcdStatefulSet(), s))
                .withNewSpec()
                .withReplicas(MEMBERS)
                .withServiceName(KubernetesNames.etcdPeerService())
                // Parallel: a member is ready only once there is a quorum, so OrderedReady would wait forever for the first.
                .withPodManagementPolicy("Parallel")
                .withNewSelector().withMatchLabels(KubernetesNames.etcdSelector()).endSelector()
                .withNewTemplate()
                .withNewMetadata().withLabels(KubernetesNames.etcdLabels()).endMetadata()
                .withNewSpec()
                .withAutomountServiceAccountToken(false)
                .withEnableServiceLinks(false)
                .withNewSecurityContext()
                .withRunAsNonRoot(true).withRunAsUser(USER_ID).withRunAsGroup(USER_ID).withFsGroup(USER_ID)
                .withFsGroupChangePolicy("OnRootMismatch")
                .withNewSeccompProfile().withType("RuntimeDefault").endSeccompProfile()
                .endSecurityContext()
                .withNewAffinity()
                .withNewNodeAffinity().withNewRequiredDuringSchedulingIgnoredDuringExecution()
                .addNewNodeSelectorTerm().addNewMatchExpression().withKey(s.nvmeLabelKey()).withOperator("In")
                .withValues(s.nvmeLabelValue()).endMatchExpression().endNodeSelectorTerm()
                .endRequiredDuringSchedulingIgnoredDuringExecution().endNodeAffinity()
                // Required: two members on one node would make that node's loss a loss of quorum for every database
                // in the namespace. A cluster with fewer than three NVMe nodes leaves a member Pending (docs/kubernetes.md).
                .withNewPodAntiAffinity().addNewRequiredDuringSchedulingIgnoredDuringExecution()
                .withNewLabelSelector().withMatchLabels(KubernetesNames.etcdSelector()).endLabelSelector()
                .withTopologyKey("kubernetes.io/hostname")
                .endRequiredDuringSchedulingIgnoredDuringExecution().endPodAntiAffinity()
                .endAffinity()
                .addNewContainer()
                .withName("etcd")
                .withImage(s.etcdImage())
                // The image's entrypoint (pgfleet-dataplane) runs the program the first argument names:
                // pgfleet-etcd-member adds --initial-cluster-state as EtcdMemberState tells it (new or existing).
                .withArgs(
                        "pgfleet-etcd-member",
                        "--name=$(POD_NAME)",
                        "--data-dir=" + DATA_MOUNT + "/data",
                        "--listen-client-urls=http://0.0.0.0:" + CLIENT_PORT,
                        "--advertise-client-urls=http://" + self + ":" + CLIENT_PORT,
                        "--listen-peer-urls=http://0.0.0.0:" + PEER_PORT,
                        "--initial-advertise-peer-urls=http://" + self + ":" + PEER_PORT,
                        "--initial-cluster=" + initialCluster(s),
                        "--initial-cluster-token=" + KubernetesNames.ETCD_APP + "-" + s.namespace(),
                        // Patroni rewrites every leader key each loop; keep an hour of history, not all of it.
                        "--auto-compaction-mode=periodic",
                        "--auto-compaction-retention=1h",
                        "--quota-backend-bytes=" + QUOTA_BYTES)
                .addNewEnv().withName("POD_NAME").withNewValueFrom().withNewFieldRef().withFieldPath("metadata.name")
                .endFieldRef().endValueFrom().endEnv()
                .addNewPort().withName("client").withContainerPort(CLIENT_PORT).withProtocol("TCP").endPort()
                .addNewPort().withName("peer").withContainerPort(PEER_PORT).withProtocol("TCP").endPort()
                // /health fails without a leader: right for readiness, wrong for liveness (it would restart
                // members while the cluster forms), so liveness only checks that etcd listens.
                .withReadinessProbe(new ProbeBuilder().withNewHttpGet().withPath("/health").withNewPort(CLIENT_PORT)
                        .withScheme("HTTP").endHttpGet().withPeriodSeconds(5).withTimeoutSeconds(3).withFailureThreshold(3).build())
                .withLivenessProbe(tcpProbe())
                .withNewResources()
                .withRequests(new TreeMap<>(Map.of("cpu", new Quantity("100m"), "memory", new Quantity("256Mi"))))
                .withLimits(Map.of("memory", new Quantity("512Mi")))
                .endResources()
                .addNewVolumeMount().withName(DATA_VOLUME).withMountPath(DATA_MOUNT).endVolumeMount()
                .addNewVolumeMount().withName(STATE_VOLUME).withMountPath(EtcdMemberState.MOUNT).withReadOnly(true).endVolumeMount()
                .withNewSecurityContext()
                .withAllowPrivilegeEscalation(false).withReadOnlyRootFilesystem(true)
                .withNewCapabilities().withDrop("ALL").endCapabilities()
                .endSecurityContext()
                .endContainer()
                // Optional: it does not exist until the cluster has formed (the control plane writes it then).
                .addNewVolume().withName(STATE_VOLUME).withNewConfigMap().withName(KubernetesNames.etcdMembersConfigMap())
                .withOptional(true).endConfigMap().endVolume()
                .endSpec()
                .endTemplate()
                .addNewVolumeClaimTemplate()
                .withNewMetadata().withName(DATA_VOLUME).withLabels(KubernetesNames.etcdLabels()).endMetadata()
                .withNewSpec()
                .withAccessModes("ReadWriteOnce")
                .withStorageClassName(s.storageClass())
                .withNewResources().withRequests(Map.of("storage", new Quantity(STORAGE))).endResources()
                .endSpec()
                .endVolumeClaimTemplate()
                .endSpec()
                .build();
    }

    /** Keeps two of three members, a quorum, through node drains. */
    static PodDisruptionBudget pdb(KubernetesSettings s) {
        return new PodDisruptionBudgetBuilder()
                .withMetadata(meta(KubernetesNames.etcdPdb(), s))
                .withNewSpec()
                .withMaxUnavailable(new IntOrString(1))
                .withNewSelector().withMatchLabels(KubernetesNames.etcdSelector()).endSelector()
                .endSpec()
                .build();
    }

    private static Probe tcpProbe() {
        return new ProbeBuilder().withNewTcpSocket().withNewPort(CLIENT_PORT).endTcpSocket()
                .withInitialDelaySeconds(10).withPeriodSeconds(10).withTimeoutSeconds(3).withFailureThreshold(6).build();
    }

    private static ObjectMeta meta(String name, KubernetesSettings s) {
        return new ObjectMetaBuilder().withName(name).withNamespace(s.namespace())
                .withLabels(KubernetesNames.etcdLabels()).build();
    }
}
