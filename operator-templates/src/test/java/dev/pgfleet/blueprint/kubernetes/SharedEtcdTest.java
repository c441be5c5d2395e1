package dev.pgfleet.blueprint.kubernetes;

import static dev.pgfleet.blueprint.kubernetes.KubernetesFixtures.SETTINGS;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PodAffinityTerm;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The shared etcd as rendered: members that can be replaced, and never two on one node. */
class SharedEtcdTest {

    private static StatefulSet statefulSet() {
        return KubernetesBlueprint.sharedEtcd(SETTINGS).stream().filter(StatefulSet.class::isInstance).map(StatefulSet.class::cast)
                .findFirst().orElseThrow();
    }

    private static PodSpec pod() {
        return statefulSet().getSpec().getTemplate().getSpec();
    }

    private static Container container() {
        return pod().getContainers().get(0);
    }

    /**
     * The state flag is not fixed at `new`: the member script chooses it (new while forming, existing to rejoin), so a
     * member whose volume was lost can come back. Everything else etcd needs to join is in the arguments.
     */
    @Test
    void membersStartThroughTheMemberScriptWhichChoosesTheInitialClusterState() {
        List<String> args = container().getArgs();
        assertThat(args.get(0)).isEqualTo("pgfleet-etcd-member");
        assertThat(args).noneMatch(a -> a.startsWith("--initial-cluster-state"));
        assertThat(args).contains("--name=$(POD_NAME)", "--data-dir=/var/run/etcd/data",
                "--initial-cluster=pgfleet-etcd-0=" + EtcdMemberState.peerUrl(0, SETTINGS) + ",pgfleet-etcd-1="
                        + EtcdMemberState.peerUrl(1, SETTINGS) + ",pgfleet-etcd-2=" + EtcdMemberState.peerUrl(2, SETTINGS),
                "--initial-advertise-peer-urls=http://$(POD_NAME).pgfleet-etcd.pgfleet.svc:2380");
        assertThat(EtcdMemberState.peerUrl(2, SETTINGS)).isEqualTo("http://pgfleet-etcd-2.pgfleet-etcd.pgfleet.svc:2380");
    }

    @Test
    void theMembersStateComesFromAnOptionalConfigMapMountedReadOnly() {
        Volume state = pod().getVolumes().stream().filter(v -> v.getConfigMap() != null).findFirst().orElseThrow();
        assertThat(state.getConfigMap().getName()).isEqualTo(KubernetesNames.etcdMembersConfigMap());
        assertThat(state.getConfigMap().getOptional()).as("absent while the cluster forms: members start new").isTrue();
        assertThat(container().getVolumeMounts()).anySatisfy(m -> {
            assertThat(m.getName()).isEqualTo(state.getName());
            assertThat(m.getMountPath()).isEqualTo(EtcdMemberState.MOUNT);
            assertThat(m.getReadOnly()).isTrue();
        });
    }

    @Test
    void neverTwoMembersOnOneNode() {
        assertThat(pod().getAffinity().getPodAntiAffinity().getPreferredDuringSchedulingIgnoredDuringExecution()).isNullOrEmpty();
        List<PodAffinityTerm> required = pod().getAffinity().getPodAntiAffinity().getRequiredDuringSchedulingIgnoredDuringExecution();
        assertThat(required).singleElement().satisfies(term -> {
            assertThat(term.getTopologyKey()).isEqualTo("kubernetes.io/hostname");
            assertThat(term.getLabelSelector().getMatchLabels()).isEqualTo(KubernetesNames.etcdSelector());
        });
    }

    @Test
    void theControlPlanesConfigMapSaysExistingAndLetsInOnlyTheMembersItReAdded() {
        ConfigMap none = EtcdMemberState.configMap(SETTINGS, List.of());
        assertThat(none.getMetadata().getName()).isEqualTo("pgfleet-etcd-members");
        assertThat(none.getMetadata().getNamespace()).isEqualTo(SETTINGS.namespace());
        assertThat(none.getData()).containsExactly(java.util.Map.entry("cluster-state", "existing"));
        assertThat(EtcdMemberState.configMap(SETTINGS, List.of("pgfleet-etcd-2")).getData())
                .containsEntry("cluster-state", "existing").containsEntry("pgfleet-etcd-2", "join").hasSize(2);
    }
}
