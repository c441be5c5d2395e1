package dev.pgfleet.blueprint.kubernetes;

import dev.pgfleet.blueprint.ClusterSpec;
import dev.pgfleet.blueprint.ReadOnlyEndpoint;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyEgressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyEgressRuleBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRuleBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeerBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPortBuilder;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Who may talk to a database's pods. Tenants reach only the pooler (6432, from anywhere: the tenant
 * endpoint). PostgreSQL (5432) and Patroni's REST API (8008) accept only this database's members, the
 * control plane, and (PostgreSQL only) this database's poolers, the read-only one included. The members may reach each other, the shared
 * etcd's clients port and DNS; not the Kubernetes API (they have no token: the control plane routes to the leader).
 *
 * <p>The control plane is recognised by its pod label {@value KubernetesNames#NAME_LABEL}=
 * {@value KubernetesNames#CONTROL_PLANE_APP} in its own namespace only (the Helm chart may install it outside the
 * databases' namespace): a label alone is not an identity, anyone who may create a pod anywhere could set it. The
 * namespace is matched by {@value #NAMESPACE_NAME_LABEL}, which Kubernetes sets itself and nobody can change.
 * Every other peer is a pod selector without a namespace selector, which means this policy's namespace.
 */
final class NetworkPolicies {
    static final int DNS_PORT = 53;
    static final String NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name";

    private NetworkPolicies() {
    }

    static NetworkPolicy postgres(ClusterSpec spec, KubernetesSettings s, Meta meta) {
        LabelSelector members = selector(KubernetesNames.selector(spec, KubernetesNames.POSTGRES_COMPONENT));
        LabelSelector poolers = selector(KubernetesNames.selector(spec, KubernetesNames.POOLER_COMPONENT));
        int pg = PatroniObjects.POSTGRES_PORT;
        int rest = PatroniObjects.PATRONI_PORT;
        return new NetworkPolicyBuilder()
                .withMetadata(meta.owned(KubernetesNames.networkPolicy(spec), PatroniObjects.labels(spec)))
                .withNewSpec()
                .withPodSelector(members)
                .withPolicyTypes("Ingress", "Egress")
                .withIngress(
                        ingress(List.of(pods(members)), tcp(pg), tcp(rest)),
                        ingress(List.of(controlPlane(s)), tcp(pg), tcp(rest)),
                        ingress(ReadOnlyEndpoint.offeredFor(spec.plan())
                                ? List.of(pods(poolers), pods(selector(KubernetesNames.selector(spec,
                                        KubernetesNames.READ_ONLY_POOLER_COMPONENT))))
                                : List.of(pods(poolers)), tcp(pg)))
                .withEgress(concat(
                        List.of(egress(List.of(pods(members)), tcp(pg), tcp(rest)),
                                egress(List.of(pods(selector(KubernetesNames.etcdSelector()))), tcp(SharedEtcd.CLIENT_PORT))),
                        dns()))
                .endSpec()
                .build();
    }

    static NetworkPolicy pooler(ClusterSpec spec, Meta meta) {
        LabelSelector members = selector(KubernetesNames.selector(spec, KubernetesNames.POSTGRES_COMPONENT));
        return new NetworkPolicyBuilder()
                .withMetadata(meta.owned(KubernetesNames.poolerNetworkPolicy(spec), PoolerObjects.labels(spec)))
                .withNewSpec()
                .withPodSelector(selector(KubernetesNames.selector(spec, KubernetesNames.POOLER_COMPONENT)))
                .withPolicyTypes("Ingress", "Egress")
                .withIngress(ingress(List.of(), tcp(PoolerObjects.LISTEN_PORT)))
                .withEgress(concat(List.of(egress(List.of(pods(members)), tcp(PatroniObjects.POSTGRES_PORT))), dns()))
                .endSpec()
                .build();
    }

    /** The shared etcd takes clients from every database's members and the control plane, and peers from itself. */
    static NetworkPolicy etcd(KubernetesSettings s) {
        LabelSelector etcd = selector(KubernetesNames.etcdSelector());
        LabelSelector anyMember = selector(Map.of(
                KubernetesNames.MANAGED_BY_LABEL, KubernetesNames.MANAGER,
                KubernetesNames.COMPONENT_LABEL, KubernetesNames.POSTGRES_COMPONENT));
        return new NetworkPolicyBuilder()
                .withNewMetadata().withName(KubernetesNames.etcdNetworkPolicy()).withNamespace(s.namespace())
                .withLabels(KubernetesNames.etcdLabels()).endMetadata()
                .withNewSpec()
                .withPodSelector(etcd)
                .withPolicyTypes("Ingress")
                .withIngress(
                        ingress(List.of(pods(anyMember), controlPlane(s)), tcp(SharedEtcd.CLIENT_PORT)),
                        ingress(List.of(pods(etcd)), tcp(SharedEtcd.CLIENT_PORT), tcp(SharedEtcd.PEER_PORT)))
                .endSpec()
                .build();
    }

    private static List<NetworkPolicyEgressRule> dns() {
        return List.of(egress(List.of(), port("UDP", DNS_PORT), port("TCP", DNS_PORT)));
    }

    /** Pods labelled as the control plane, in the control plane's namespace only. */
    private static NetworkPolicyPeer controlPlane(KubernetesSettings s) {
        return new NetworkPolicyPeerBuilder()
                .withNamespaceSelector(selector(Map.of(NAMESPACE_NAME_LABEL, s.controlPlaneNamespace())))
                .withPodSelector(selector(Map.of(KubernetesNames.NAME_LABEL, KubernetesNames.CONTROL_PLANE_APP)))
                .build();
    }

    private static NetworkPolicyPeer pods(LabelSelector selector) {
        return new NetworkPolicyPeerBuilder().withPodSelector(selector).build();
    }

    private static NetworkPolicyIngressRule ingress(List<NetworkPolicyPeer> from, NetworkPolicyPort... ports) {
        NetworkPolicyIngressRuleBuilder rule = new NetworkPolicyIngressRuleBuilder().withPorts(ports);
        return from.isEmpty() ? rule.build() : rule.withFrom(from).build();
    }

    private static NetworkPolicyEgressRule egress(List<NetworkPolicyPeer> to, NetworkPolicyPort... ports) {
        NetworkPolicyEgressRuleBuilder rule = new NetworkPolicyEgressRuleBuilder().withPorts(ports);
        return to.isEmpty() ? rule.build() : rule.withTo(to).build();
    }

    private static NetworkPolicyPort tcp(int port) {
        return port("TCP", port);
    }

    private static NetworkPolicyPort port(String protocol, int port) {
        return new NetworkPolicyPortBuilder().withProtocol(protocol).withPort(new IntOrString(port)).build();
    }

    private static LabelSelector selector(Map<String, String> labels) {
        return new LabelSelectorBuilder().withMatchLabels(new TreeMap<>(labels)).build();
    }

    @SafeVarargs
    private static List<NetworkPolicyEgressRule> concat(List<NetworkPolicyEgressRule>... lists) {
        return Arrays.stream(lists).flatMap(List::stream).toList();
    }
}
