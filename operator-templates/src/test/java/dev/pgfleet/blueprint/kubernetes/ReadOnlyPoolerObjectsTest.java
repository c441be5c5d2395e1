package dev.pgfleet.blueprint.kubernetes;

import static dev.pgfleet.blueprint.kubernetes.KubernetesFixtures.spec;
import static dev.pgfleet.blueprint.kubernetes.PatroniStatefulSetTest.only;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pgfleet.blueprint.ClusterSpec;
import dev.pgfleet.blueprint.Plan;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ReadOnlyPoolerObjectsTest {
    private static final ClusterSpec HA = spec(Plan.HA);
    private static final String NAME = "shop-3f1c2b7a-ro";

    @Test
    void onlyPlansWithReplicasGetIt() {
        assertThat(KubernetesFixtures.all(spec(Plan.DEV))).extracting(o -> o.getMetadata().getName()).doesNotContain(NAME);
        assertThat(KubernetesFixtures.all(HA)).filteredOn(o -> o.getMetadata().getName().equals(NAME))
                .extracting(HasMetadata::getKind)
                .containsExactly("Service", "ConfigMap", "Deployment", "PodDisruptionBudget", "NetworkPolicy");
    }

    @Test
    void pgbouncerSendsReadOnlyServerConnectionsToTheReplicaService() {
        String ini = only(HA, ConfigMap.class, NAME).getData().get("pgbouncer.ini");
        assertThat(ini).contains("shop = host=shop-3f1c2b7a-replicas.pgfleet.svc port=5432 dbname='shop'"
                        + " connect_query='SET default_transaction_read_only = on'\n")
                .contains("server_reset_query_always = 1\n")
                .contains("pool_mode = transaction\n");
    }

    /** The main pooler's pod with its own labels and ConfigMap; neither Service can select the other's pods. */
    @Test
    void itsPodsAreTheMainPoolersUnderTheirOwnComponent() {
        Deployment main = only(HA, Deployment.class, KubernetesNames.poolerDeployment(HA));
        Deployment readOnly = only(HA, Deployment.class, NAME);
        Map<String, String> selector = readOnly.getSpec().getSelector().getMatchLabels();
        assertThat(selector).containsEntry(KubernetesNames.COMPONENT_LABEL, KubernetesNames.READ_ONLY_POOLER_COMPONENT);
        assertThat(readOnly.getSpec().getTemplate().getMetadata().getLabels()).containsAllEntriesOf(selector);
        assertThat(main.getSpec().getTemplate().getMetadata().getLabels())
                .containsEntry(KubernetesNames.COMPONENT_LABEL, KubernetesNames.POOLER_COMPONENT);
        assertThat(only(HA, Service.class, NAME).getSpec().getSelector()).isEqualTo(selector);
        assertThat(only(HA, PodDisruptionBudget.class, NAME).getSpec().getSelector().getMatchLabels()).isEqualTo(selector);
        assertThat(only(HA, NetworkPolicy.class, NAME).getSpec().getPodSelector().getMatchLabels()).isEqualTo(selector);

        PodSpec pod = readOnly.getSpec().getTemplate().getSpec();
        PodSpec mainPod = main.getSpec().getTemplate().getSpec();
        assertThat(pod.getContainers()).isEqualTo(mainPod.getContainers());
        assertThat(pod.getSecurityContext()).isEqualTo(mainPod.getSecurityContext());
        assertThat(pod.getAffinity().getPodAntiAffinity().getPreferredDuringSchedulingIgnoredDuringExecution().get(0)
                .getPodAffinityTerm().getLabelSelector().getMatchLabels()).isEqualTo(selector);
        assertThat(pod.getVolumes().get(0).getProjected().getSources()).anySatisfy(source ->
                assertThat(source.getConfigMap() == null ? null : source.getConfigMap().getName()).isEqualTo(NAME));
        // The main pooler's objects are unchanged by the copy (built fresh each time, but checked anyway).
        assertThat(mainPod.getVolumes().get(0).getProjected().getSources()).anySatisfy(source ->
                assertThat(source.getConfigMap() == null ? null : source.getConfigMap().getName())
                        .isEqualTo(KubernetesNames.poolerConfig(HA)));
    }

    @Test
    void theMembersAcceptTheReadOnlyPoolerOnPostgresOnly() {
        NetworkPolicy members = only(HA, NetworkPolicy.class, KubernetesNames.networkPolicy(HA));
        assertThat(members.getSpec().getIngress()).anySatisfy(rule -> {
            assertThat(rule.getFrom()).anySatisfy(peer -> assertThat(peer.getPodSelector().getMatchLabels())
                    .containsEntry(KubernetesNames.COMPONENT_LABEL, KubernetesNames.READ_ONLY_POOLER_COMPONENT));
            assertThat(rule.getPorts()).singleElement().satisfies(p -> assertThat(p.getPort().getIntVal()).isEqualTo(5432));
        });
    }
}
