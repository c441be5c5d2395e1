package dev.pgfleet.provisioning.kubernetes;

import java.util.List;
import java.util.Set;

/**
 * Every Kubernetes API permission the control plane uses: the KubernetesRuntime (server-side apply,
 * observe, delete of database objects), NVMe node admission, the leader election between control-plane
 * replicas, and backup verification Jobs. The Helm chart's RBAC must grant exactly these; a test compares the two.
 */
public final class KubernetesPermissions {
    private KubernetesPermissions() {
    }

    /** One rule: an API group ("" is core), a resource, verbs, and whether it is cluster-scoped. */
    public record Rule(String apiGroup, String resource, Set<String> verbs, boolean clusterScoped) {
    }

    private static final Set<String> APPLY = Set.of("get", "list", "watch", "create", "patch", "delete");

    public static final List<Rule> REQUIRED = List.of(
            new Rule("", "configmaps", APPLY, false),
            new Rule("", "secrets", APPLY, false),
            new Rule("", "services", APPLY, false),
            new Rule("", "serviceaccounts", APPLY, false),
            // endpoints: the control plane writes the primary and replica Services' Endpoints (they have no selector).
            // patch/update on pods, roles and rolebindings: Roles of databases created before the members stopped
            // needing API access are still applied/owned; see docs/kubernetes.md.
            new Rule("", "pods", Set.of("get", "list", "watch", "delete", "patch", "update"), false),
            // pods/exec: the kill-primary drill freezes, then SIGKILLs, a member's processes inside its pod (MemberCrash).
            // get and create: fabric8 execs over a websocket, whose GET clusters before Kubernetes 1.35 authorize as
            // get and 1.35 and later as create (AuthorizePodWebsocketUpgradeCreatePermission).
            new Rule("", "pods/exec", Set.of("get", "create"), false),
            new Rule("", "endpoints", Set.of("get", "list", "watch", "create", "patch", "update", "delete"), false),
            new Rule("", "persistentvolumeclaims", Set.of("get", "list", "watch", "delete"), false),
            new Rule("apps", "statefulsets", APPLY, false),
            new Rule("apps", "deployments", APPLY, false),
            new Rule("policy", "poddisruptionbudgets", APPLY, false),
            new Rule("networking.k8s.io", "networkpolicies", APPLY, false),
            new Rule("rbac.authorization.k8s.io", "roles", APPLY, false),
            new Rule("rbac.authorization.k8s.io", "rolebindings", APPLY, false),
            // patch, not update: fabric8's LeaseLock renews and hands over the Lease with a JSON merge patch (the
            // resourceVersion inside keeps it optimistic); the RBAC check of LeaseLeaderElectionMockTest found it.
            new Rule("coordination.k8s.io", "leases", Set.of("get", "create", "patch"), false),
            // Backup verification, in the control plane's own namespace beside the backup store's claim
            // (backup/KubernetesDumpVerification): a Job per verification, its pod found by label to read the
            // termination message, and the deny-all NetworkPolicy around those pods (server-side apply).
            new Rule("batch", "jobs", Set.of("get", "create", "delete"), false),
            new Rule("", "pods", Set.of("list"), false),
            new Rule("networking.k8s.io", "networkpolicies", Set.of("create", "patch"), false),
            new Rule("", "nodes", Set.of("get", "list", "watch"), true));
}
