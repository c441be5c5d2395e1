package dev.pgfleet.blueprint.kubernetes;

import dev.pgfleet.blueprint.ClusterSpec;
import dev.pgfleet.blueprint.Dcs;
import dev.pgfleet.blueprint.PatroniMember;
import dev.pgfleet.blueprint.PatroniConfig;
import dev.pgfleet.blueprint.TrustedNetworks;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.ServicePortBuilder;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetBuilder;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.IntStream;

/**
 * The Patroni side of a database, except the StatefulSet: each member's patroni.yml, the ServiceAccount, the
 * Services and the PodDisruptionBudget.
 *
 * <p>Each member's configuration is {@link PatroniConfig#render}, the very builder the local runtime uses, with the
 * member named after its pod, one key per member in a Secret (it holds the passwords). The pod reads its own key,
 * chosen by the kubelet's $(POD_NAME) expansion of the container's arguments: no entrypoint renders anything, and
 * what the golden file shows is byte for byte what Patroni reads.
 *
 * <p>How clients find the leader: the primary and replica Services have no selector. The control plane, which
 * observes each member's role through Patroni, writes their Endpoints (see docs/kubernetes.md). No pod labels itself,
 * so the pods need no Kubernetes API access at all, and a partitioned former leader cannot keep itself in the
 * primary Service.
 */
final class PatroniObjects {
    /** Patroni's DCS namespace, set explicitly: the same key layout as the local runtime's (/pgfleet/&lt;scope&gt;/leader). */
    static final String DCS_NAMESPACE = "/pgfleet/";
    static final int POSTGRES_PORT = 5432;
    static final int PATRONI_PORT = 8008;
    /** Where the member's volume is mounted; the data directory is a subdirectory (the volume's root may hold lost+found). */
    static final String DATA_MOUNT = "/var/lib/pgfleet";
    static final String CONFIG_MOUNT = KubernetesBlueprint.PATRONI_CONFIG_MOUNT;

    private PatroniObjects() {
    }

    /** The Secret key holding one member's patroni.yml: the pod's name, which is also the Patroni member name. */
    static String configKey(ClusterSpec spec, int ordinal) {
        return KubernetesNames.podName(spec, ordinal) + ".yml";
    }

    static Secret config(ClusterSpec spec, KubernetesSettings s, DatabaseSecrets secrets, Meta meta) {
        Dcs dcs = new Dcs(IntStream.range(0, SharedEtcd.MEMBERS)
                .mapToObj(i -> KubernetesNames.etcdMemberHost(i, s) + ":" + SharedEtcd.CLIENT_PORT).toList(), DCS_NAMESPACE);
        Map<String, String> data = new TreeMap<>();
        for (int i = 0; i < spec.plan().members(); i++) {
            // Pod IPs are not known here (nor stable): the NetworkPolicy admits only members, the control plane and
            // the poolers to PostgreSQL and the REST API, and pg_hba still limits the owner to its own database.
            data.put(configKey(spec, i), PatroniConfig.render(spec, member(spec, i, s, secrets.tls() != null), dcs, secrets.cluster(),
                    TrustedNetworks.anywhere()));
        }
        return new SecretBuilder()
                .withMetadata(meta.owned(KubernetesNames.patroniConfig(spec), labels(spec)))
                .withType("Opaque")
                .withStringData(data)
                .build();
    }

    /**
     * A member as its pod runs it: named after the pod, reached through its name under the headless Service
     * (namespace-qualified, without a cluster domain: the resolver's search list completes it), logging to stderr,
     * presenting the certificate of the mounted TLS Secret when the database has one ({@code tls}).
     */
    static PatroniMember member(ClusterSpec spec, int ordinal, KubernetesSettings s, boolean tls) {
        return new PatroniMember(KubernetesNames.podName(spec, ordinal), "0.0.0.0", KubernetesNames.memberHost(spec, ordinal, s),
                POSTGRES_PORT, PATRONI_PORT, DATA_MOUNT + "/pgdata",
                "/usr/lib/postgresql/" + spec.postgresMajorVersion() + "/bin", DATA_MOUNT + "/pgpass", null,
                tls ? TlsObjects.files() : null);
    }

    static ServiceAccount serviceAccount(ClusterSpec spec, Meta meta) {
        return new ServiceAccountBuilder()
                .withMetadata(meta.owned(KubernetesNames.serviceAccount(spec), labels(spec)))
                .build();
    }

    /**
     * Headless, over all members, ready or not: the StatefulSet's serviceName, so each member has a DNS name
     * (&lt;pod&gt;.&lt;service&gt;.&lt;namespace&gt;.svc) from the moment it starts. The replica Service is not reused
     * for this: it must not contain the leader, and clients of it want one virtual IP, not DNS round-robin.
     */
    static Service membersService(ClusterSpec spec, Meta meta) {
        return new ServiceBuilder()
                .withMetadata(meta.owned(KubernetesNames.membersService(spec), labels(spec)))
                .withNewSpec()
                .withClusterIP("None")
                .withPublishNotReadyAddresses(true)
                .withSelector(KubernetesNames.selector(spec, KubernetesNames.POSTGRES_COMPONENT))
                .withPorts(port("postgresql", POSTGRES_PORT), port("patroni", PATRONI_PORT))
                .endSpec()
                .build();
    }

    /** The leader only; its Endpoints are the control plane's (see the class comment). */
    static Service primaryService(ClusterSpec spec, Meta meta) {
        return roleService(KubernetesNames.primaryService(spec), spec, meta);
    }

    /** The members other than the leader; Endpoints written by the control plane as for the primary. */
    static Service replicaService(ClusterSpec spec, Meta meta) {
        return roleService(KubernetesNames.replicaService(spec), spec, meta);
    }

    /**
     * Both plans get maxUnavailable 1. For ha that keeps two of three members (the synchronous standby
     * survives) through a node drain. For dev (one member) any budget that protected the member would block
     * every drain of its node forever (maxUnavailable 0); a dev database has no standby and accepts the
     * downtime. Emitting the object for both keeps the object list the same for every plan.
     */
    static PodDisruptionBudget pdb(ClusterSpec spec, Meta meta) {
        return new PodDisruptionBudgetBuilder()
                .withMetadata(meta.owned(KubernetesNames.pdb(spec), labels(spec)))
                .withNewSpec()
                .withMaxUnavailable(new IntOrString(1))
                .withNewSelector().withMatchLabels(KubernetesNames.selector(spec, KubernetesNames.POSTGRES_COMPONENT)).endSelector()
                .endSpec()
                .build();
    }

    static Map<String, String> labels(ClusterSpec spec) {
        return KubernetesNames.labels(spec, KubernetesNames.POSTGRES_COMPONENT);
    }

    private static Service roleService(String name, ClusterSpec spec, Meta meta) {
        return new ServiceBuilder()
                .withMetadata(meta.owned(name, labels(spec)))
                .withNewSpec()
                .withType("ClusterIP")
                // No selector: Kubernetes neither fills nor empties its Endpoints; only the control plane does.
                .withPorts(port("postgresql", POSTGRES_PORT))
                .endSpec()
                .build();
    }

    static ServicePort port(String name, int port) {
        return new ServicePortBuilder().withName(name).withProtocol("TCP").withPort(port)
                .withTargetPort(new IntOrString(port)).build();
    }
}
