package dev.pgfleet.blueprint.kubernetes;

import dev.pgfleet.blueprint.ClusterSpec;
import dev.pgfleet.blueprint.PatroniConfig;
import dev.pgfleet.blueprint.TrustedNetworks;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Endpoints;
import io.fabric8.kubernetes.api.model.EndpointsBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.ServicePortBuilder;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetBuilder;
import io.fabric8.kubernetes.api.model.rbac.PolicyRuleBuilder;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBuilder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * The Patroni side of a database, except the StatefulSet: Spilo's configuration, its RBAC, the Services and
 * the PodDisruptionBudget.
 *
 * <p>How the primary Service follows the leader: Spilo runs with etcd as the DCS, and on Kubernetes it installs
 * its callback (callback_role.py) as Patroni's on_start/on_role_change/on_stop hook. The callback patches the
 * member's own pod with the label {@value KubernetesNames#ROLE_LABEL}={@value KubernetesNames#ROLE_PRIMARY} or
 * {@value KubernetesNames#ROLE_REPLICA} (and removes it on stop). The primary Service selects this database's
 * pods with the leader value, so after a failover or switchover kube-proxy routes to the new leader as soon as
 * the label moves, and PgBouncer, which connects to the primary Service, follows without being reconfigured.
 * That needs the pod to reach the Kubernetes API and to be allowed to patch its pod (the Role below).
 *
 * <p>On promotion the callback first patches an Endpoints object named after the scope (Zalando's operator
 * backs a selector-less Service with it), and some Spilo releases retry that PATCH forever when the object
 * is missing, which would leave the new leader unlabelled. So the blueprint creates that Endpoints object
 * (no Service uses it) and lets the pods patch only it.
 */
final class PatroniObjects {
    /** The ConfigMap key holding the cluster-wide Patroni configuration Spilo merges over its template. */
    static final String CONFIG_KEY = "patroni.yml";
    /** Patroni's DCS namespace, set explicitly: the same key layout as the local runtime's (/pgfleet/&lt;scope&gt;/leader). */
    static final String DCS_NAMESPACE = "/pgfleet/";
    static final int POSTGRES_PORT = 5432;
    static final int PATRONI_PORT = 8008;

    private PatroniObjects() {
    }

    /**
     * The blueprint's cluster-wide Patroni configuration, as Spilo's SPILO_CONFIGURATION (which wins over
     * Spilo's template key by key, and replaces its lists).
     */
    static ConfigMap config(ClusterSpec spec, Meta meta) {
        return new ConfigMapBuilder()
                .withMetadata(meta.owned(KubernetesNames.patroniConfig(spec), labels(spec)))
                .withData(Map.of(CONFIG_KEY, dev.pgfleet.blueprint.Yaml.dump(spiloConfiguration(spec))))
                .build();
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> spiloConfiguration(ClusterSpec spec) {
        // Pod IPs are not known here (nor stable): the NetworkPolicy admits only members, the control plane and
        // the poolers to PostgreSQL, and pg_hba still limits the owner to its own database.
        Map<String, Object> clusterWide = PatroniConfig.clusterWide(spec, TrustedNetworks.anywhere());
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("namespace", DCS_NAMESPACE);
        doc.putAll(clusterWide);
        Map<String, Object> postgresql = (Map<String, Object>) doc.get("postgresql");
        List<String> hba = new ArrayList<>();
        // Spilo's Patroni, post_init.sh and cron jobs connect through the Unix socket inside the container
        // (use_unix_socket); the socket is not reachable from outside the pod, and every network connection
        // still goes through the blueprint's scram-sha-256 rules below.
        hba.add("local all all trust");
        hba.add("local replication all trust");
        hba.addAll((List<String>) postgresql.get("pg_hba"));
        postgresql.put("pg_hba", hba);
        return doc;
    }

    static ServiceAccount serviceAccount(ClusterSpec spec, Meta meta) {
        return new ServiceAccountBuilder()
                .withMetadata(meta.owned(KubernetesNames.serviceAccount(spec), labels(spec)))
                .build();
    }

    /**
     * What Spilo's role callback does (callback_role.py): PATCH its own pod's role label, and the scope's Endpoints
     * on promotion. Nothing else: no get, list or watch of pods, so a member cannot enumerate the namespace's
     * pods (their labels, images and environment references); etcd, not the Kubernetes API, is the DCS.
     */
    static Role role(ClusterSpec spec, Meta meta) {
        List<String> pods = IntStream.range(0, spec.plan().members()).mapToObj(i -> KubernetesNames.podName(spec, i)).toList();
        return new RoleBuilder()
                .withMetadata(meta.owned(KubernetesNames.role(spec), labels(spec)))
                .withRules(
                        new PolicyRuleBuilder().withApiGroups("").withResources("pods").withResourceNames(pods)
                                .withVerbs("patch", "update").build(),
                        new PolicyRuleBuilder().withApiGroups("").withResources("endpoints")
                                .withResourceNames(KubernetesNames.leaderEndpoints(spec))
                                .withVerbs("get", "patch", "update").build())
                .build();
    }

    static RoleBinding roleBinding(ClusterSpec spec, Meta meta) {
        return new RoleBindingBuilder()
                .withMetadata(meta.owned(KubernetesNames.roleBinding(spec), labels(spec)))
                .withNewRoleRef("rbac.authorization.k8s.io", "Role", KubernetesNames.role(spec))
                .addNewSubject().withKind("ServiceAccount").withName(KubernetesNames.serviceAccount(spec))
                .withNamespace(meta.namespace()).endSubject()
                .build();
    }

    /** The callback's PATCH target (see the class comment); subsets are Spilo's, the blueprint never sets them. */
    static Endpoints leaderEndpoints(ClusterSpec spec, Meta meta) {
        Map<String, String> labels = KubernetesNames.merge(labels(spec),
                Map.of("endpointslice.kubernetes.io/skip-mirror", "true"));
        return new EndpointsBuilder()
                .withMetadata(meta.owned(KubernetesNames.leaderEndpoints(spec), labels))
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

    static Service primaryService(ClusterSpec spec, Meta meta) {
        return roleService(KubernetesNames.primaryService(spec), KubernetesNames.ROLE_PRIMARY, spec, meta);
    }

    static Service replicaService(ClusterSpec spec, Meta meta) {
        return roleService(KubernetesNames.replicaService(spec), KubernetesNames.ROLE_REPLICA, spec, meta);
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

    private static Service roleService(String name, String role, ClusterSpec spec, Meta meta) {
        return new ServiceBuilder()
                .withMetadata(meta.owned(name, labels(spec)))
                .withNewSpec()
                .withType("ClusterIP")
                .withSelector(KubernetesNames.merge(KubernetesNames.selector(spec, KubernetesNames.POSTGRES_COMPONENT),
                        Map.of(KubernetesNames.ROLE_LABEL, role)))
                .withPorts(port("postgresql", POSTGRES_PORT))
                .endSpec()
                .build();
    }

    static ServicePort port(String name, int port) {
        return new ServicePortBuilder().withName(name).withProtocol("TCP").withPort(port)
                .withTargetPort(new IntOrString(port)).build();
    }
}
