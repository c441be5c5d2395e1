package dev.pgfleet.blueprint.kubernetes;

import static dev.pgfleet.blueprint.kubernetes.KubernetesFixtures.spec;
import static dev.pgfleet.blueprint.kubernetes.PatroniStatefulSetTest.only;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pgfleet.blueprint.ClusterSpec;
import dev.pgfleet.blueprint.Plan;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class PoolerAndNetworkPolicyTest {

    @ParameterizedTest
    @EnumSource(Plan.class)
    void pgbouncerPoolsTransactionsInFrontOfThePrimaryService(Plan plan) {
        ClusterSpec spec = spec(plan);
        String ini = only(spec, ConfigMap.class, KubernetesNames.poolerConfig(spec)).getData().get("pgbouncer.ini");
        assertThat(ini).contains("pool_mode = transaction\n")
                .contains("shop = host=shop-3f1c2b7a-primary.pgfleet.svc port=5432 dbname='shop'\n")
                .contains("listen_addr = 0.0.0.0\n").contains("listen_port = 6432\n")
                .contains("auth_file = /etc/pgbouncer/userlist.txt\n")
                .contains("admin_users = pgfleet_admin\n")
                .contains("logfile = \n");
    }

    @Test
    void pgbouncerRunsTwiceAsNonRootWithItsFilesMounted() {
        ClusterSpec spec = spec(Plan.HA);
        Deployment deployment = only(spec, Deployment.class, KubernetesNames.poolerDeployment(spec));
        assertThat(deployment.getSpec().getReplicas()).isEqualTo(2);
        PodSpec pod = deployment.getSpec().getTemplate().getSpec();
        Container c = pod.getContainers().get(0);
        assertThat(c.getCommand()).as("the data-plane image's entrypoint runs the program the first argument names").isEmpty();
        assertThat(c.getArgs()).containsExactly("pgbouncer", "/etc/pgbouncer/pgbouncer.ini");
        assertThat(c.getReadinessProbe().getTcpSocket().getPort().getIntVal()).isEqualTo(6432);
        assertThat(c.getLivenessProbe().getTcpSocket().getPort().getIntVal()).isEqualTo(6432);
        assertThat(c.getResources().getRequests()).containsKeys("cpu", "memory");
        assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
        assertThat(pod.getSecurityContext().getRunAsUser()).isPositive();
        assertThat(c.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
        assertThat(c.getVolumeMounts()).singleElement().satisfies(m -> assertThat(m.getMountPath()).isEqualTo("/etc/pgbouncer"));
        var sources = pod.getVolumes().get(0).getProjected().getSources();
        assertThat(sources.get(0).getConfigMap().getName()).isEqualTo(KubernetesNames.poolerConfig(spec));
        assertThat(sources.get(0).getConfigMap().getItems().get(0).getPath()).isEqualTo("pgbouncer.ini");
        assertThat(sources.get(1).getSecret().getName()).isEqualTo(KubernetesNames.secret(spec));
        assertThat(sources.get(1).getSecret().getItems().get(0).getKey()).isEqualTo("pooler-userlist");
        assertThat(sources.get(1).getSecret().getItems().get(0).getPath()).isEqualTo("userlist.txt");

        Service service = only(spec, Service.class, KubernetesNames.poolerService(spec));
        assertThat(service.getSpec().getPorts()).singleElement().satisfies(p -> {
            assertThat(p.getPort()).isEqualTo(5432);
            assertThat(p.getTargetPort().getIntVal()).isEqualTo(6432);
        });
        assertThat(service.getSpec().getSelector()).isEqualTo(KubernetesNames.selector(spec, KubernetesNames.POOLER_COMPONENT));
    }

    @ParameterizedTest
    @EnumSource(Plan.class)
    void disruptionBudgetsNeverBlockADrain(Plan plan) {
        ClusterSpec spec = spec(plan);
        PodDisruptionBudget members = only(spec, PodDisruptionBudget.class, KubernetesNames.pdb(spec));
        assertThat(members.getSpec().getMaxUnavailable().getIntVal()).isEqualTo(1);
        assertThat(members.getSpec().getSelector().getMatchLabels())
                .isEqualTo(KubernetesNames.selector(spec, KubernetesNames.POSTGRES_COMPONENT));
    }

    @Test
    void tenantsReachOnlyThePoolerFromAnywhere() {
        ClusterSpec spec = spec(Plan.HA);
        NetworkPolicy pooler = only(spec, NetworkPolicy.class, KubernetesNames.poolerNetworkPolicy(spec));
        assertThat(pooler.getSpec().getPolicyTypes()).containsExactly("Ingress", "Egress");
        assertThat(pooler.getSpec().getIngress()).singleElement().satisfies(rule -> {
            assertThat(rule.getFrom()).isNullOrEmpty();
            assertThat(rule.getPorts()).extracting(p -> p.getPort().getIntVal()).containsExactly(6432);
        });
        assertThat(pooler.getSpec().getEgress().get(0).getTo()).singleElement().satisfies(peer -> assertThat(peer.getPodSelector()
                .getMatchLabels()).isEqualTo(KubernetesNames.selector(spec, KubernetesNames.POSTGRES_COMPONENT)));
    }

    @Test
    void postgresAcceptsOnlyItsMembersItsPoolersAndTheControlPlane() {
        ClusterSpec spec = spec(Plan.HA);
        NetworkPolicy policy = only(spec, NetworkPolicy.class, KubernetesNames.networkPolicy(spec));
        assertThat(policy.getSpec().getPodSelector().getMatchLabels())
                .isEqualTo(KubernetesNames.selector(spec, KubernetesNames.POSTGRES_COMPONENT));
        List<NetworkPolicyIngressRule> ingress = policy.getSpec().getIngress();
        assertThat(ingress).allSatisfy(rule -> assertThat(rule.getFrom()).isNotEmpty());
        assertThat(ingress).flatExtracting(NetworkPolicyIngressRule::getPorts).extracting(NetworkPolicyPort::getPort)
                .extracting(p -> p.getIntVal()).containsOnly(5432, 8008);

        NetworkPolicyPeer members = ingress.get(0).getFrom().get(0);
        assertThat(members.getPodSelector().getMatchLabels()).isEqualTo(KubernetesNames.selector(spec, KubernetesNames.POSTGRES_COMPONENT));
        NetworkPolicyPeer controlPlane = ingress.get(1).getFrom().get(0);
        assertThat(controlPlane.getPodSelector().getMatchLabels()).containsEntry("app.kubernetes.io/name", "pgfleet-control-plane");
        // A label alone is not an identity: only the control plane's own namespace, by the label Kubernetes sets.
        assertThat(controlPlane.getNamespaceSelector().getMatchLabels())
                .isEqualTo(java.util.Map.of("kubernetes.io/metadata.name", "pgfleet-system"));
        assertThat(controlPlane.getNamespaceSelector().getMatchExpressions()).isNullOrEmpty();
        NetworkPolicyIngressRule fromPoolers = ingress.get(2);
        assertThat(fromPoolers.getFrom().get(0).getPodSelector().getMatchLabels())
                .isEqualTo(KubernetesNames.selector(spec, KubernetesNames.POOLER_COMPONENT));
        assertThat(fromPoolers.getPorts()).extracting(p -> p.getPort().getIntVal()).containsExactly(5432);

        assertThat(policy.getSpec().getEgress()).anySatisfy(rule -> {
            assertThat(rule.getTo()).singleElement().satisfies(peer -> assertThat(peer.getPodSelector().getMatchLabels())
                    .isEqualTo(KubernetesNames.etcdSelector()));
            assertThat(rule.getPorts()).extracting(p -> p.getPort().getIntVal()).containsExactly(2379);
        });
        assertThat(policy.getSpec().getEgress()).anySatisfy(rule -> assertThat(rule.getPorts())
                .extracting(NetworkPolicyPort::getProtocol, p -> p.getPort().getIntVal())
                .contains(org.assertj.core.groups.Tuple.tuple("UDP", 53), org.assertj.core.groups.Tuple.tuple("TCP", 53)));
    }
}
