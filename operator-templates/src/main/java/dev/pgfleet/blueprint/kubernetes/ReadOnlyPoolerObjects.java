package dev.pgfleet.blueprint.kubernetes;

import dev.pgfleet.blueprint.ClusterSpec;
import dev.pgfleet.blueprint.ReadOnlyEndpoint;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.ServicePortBuilder;
import io.fabric8.kubernetes.api.model.VolumeProjection;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyBuilder;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetBuilder;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The read-only endpoint on Kubernetes (plans with replicas): a second PgBouncer Deployment and Service whose server
 * connections go to the replica Service, whose Endpoints the control plane writes (the running replicas within the
 * lag bound, else the leader: LeaderRouting). kube-proxy spreads new connections over those Endpoints, which is what
 * HAProxy does locally, so no proxy runs here.
 *
 * <p>The Deployment and NetworkPolicy are the main pooler's ({@link PoolerObjects}, {@link NetworkPolicies}) with
 * another name, component label and ConfigMap, rather than a second copy of their code: whatever the main pooler's pod
 * gets (image, probes, security context, TLS mounts) the read-only one gets too.
 */
final class ReadOnlyPoolerObjects {
    private ReadOnlyPoolerObjects() {
    }

    /**
     * Its objects, in the order to apply them; none for a plan without replicas.
     *
     * @param tls whether the database has a TLS Secret: mounted and used exactly as by the main pooler
     */
    static List<HasMetadata> objects(ClusterSpec spec, KubernetesSettings s, Meta meta, boolean tls) {
        if (!ReadOnlyEndpoint.offeredFor(spec.plan())) {
            return List.of();
        }
        return List.of(service(spec, meta), config(spec, s, meta, tls), deployment(spec, s, meta, tls), pdb(spec, meta),
                networkPolicy(spec, meta));
    }

    static String ini(ClusterSpec spec, KubernetesSettings s, boolean tls) {
        return ReadOnlyEndpoint.renderPoolerIni(spec, PoolerObjects.settings(tls), KubernetesNames.replicaHost(spec, s),
                PatroniObjects.POSTGRES_PORT);
    }

    static ConfigMap config(ClusterSpec spec, KubernetesSettings s, Meta meta, boolean tls) {
        return new ConfigMapBuilder()
                .withMetadata(meta.owned(KubernetesNames.readOnlyPooler(spec), labels(spec)))
                // The same keys as the main pooler's (the Deployment, copied from the main one, projects them).
                .withData(PoolerObjects.configData(ini(spec, s, tls), tls))
                .build();
    }

    static Deployment deployment(ClusterSpec spec, KubernetesSettings s, Meta meta, boolean tls) {
        Deployment main = PoolerObjects.deployment(spec, s, meta, tls);
        Map<String, String> selector = selector(spec);
        Deployment d = new DeploymentBuilder(main)
                .withMetadata(meta.owned(KubernetesNames.readOnlyPooler(spec), labels(spec)))
                .editSpec()
                .withNewSelector().withMatchLabels(selector).endSelector()
                // Only the labels: annotations the main pod template carries (the spec hash, ...) stay.
                .editTemplate().editMetadata().withLabels(new TreeMap<>(labels(spec))).endMetadata().endTemplate()
                .endSpec()
                .build();
        var pod = d.getSpec().getTemplate().getSpec();
        pod.getAffinity().getPodAntiAffinity().getPreferredDuringSchedulingIgnoredDuringExecution()
                .forEach(term -> term.getPodAffinityTerm().setLabelSelector(
                        new LabelSelectorBuilder().withMatchLabels(new TreeMap<>(selector)).build()));
        String mainConfig = KubernetesNames.poolerConfig(spec);
        pod.getVolumes().stream().filter(v -> v.getProjected() != null)
                .flatMap(v -> v.getProjected().getSources().stream())
                .map(VolumeProjection::getConfigMap)
                .filter(c -> c != null && mainConfig.equals(c.getName()))
                .forEach(c -> c.setName(KubernetesNames.readOnlyPooler(spec)));
        return d;
    }

    /** The tenant's read-only endpoint: PostgreSQL's usual port in front, PgBouncer's port behind. */
    static Service service(ClusterSpec spec, Meta meta) {
        return new ServiceBuilder()
                .withMetadata(meta.owned(KubernetesNames.readOnlyPooler(spec), labels(spec)))
                .withNewSpec()
                .withType("ClusterIP")
                .withSelector(selector(spec))
                .withPorts(new ServicePortBuilder().withName("postgresql").withProtocol("TCP")
                        .withPort(PatroniObjects.POSTGRES_PORT).withTargetPort(new IntOrString(PoolerObjects.LISTEN_PORT)).build())
                .endSpec()
                .build();
    }

    static PodDisruptionBudget pdb(ClusterSpec spec, Meta meta) {
        return new PodDisruptionBudgetBuilder()
                .withMetadata(meta.owned(KubernetesNames.readOnlyPooler(spec), labels(spec)))
                .withNewSpec()
                .withMaxUnavailable(new IntOrString(1))
                .withNewSelector().withMatchLabels(selector(spec)).endSelector()
                .endSpec()
                .build();
    }

    /** The main pooler's: tenants reach its port from anywhere, it reaches the members' PostgreSQL port and DNS. */
    static NetworkPolicy networkPolicy(ClusterSpec spec, Meta meta) {
        return new NetworkPolicyBuilder(NetworkPolicies.pooler(spec, meta))
                .withMetadata(meta.owned(KubernetesNames.readOnlyPooler(spec), labels(spec)))
                .editSpec().withNewPodSelector().withMatchLabels(new TreeMap<>(selector(spec))).endPodSelector().endSpec()
                .build();
    }

    static Map<String, String> labels(ClusterSpec spec) {
        return KubernetesNames.labels(spec, KubernetesNames.READ_ONLY_POOLER_COMPONENT);
    }

    static Map<String, String> selector(ClusterSpec spec) {
        return KubernetesNames.selector(spec, KubernetesNames.READ_ONLY_POOLER_COMPONENT);
    }
}
