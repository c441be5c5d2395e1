package dev.pgfleet.testsupport.kubernetes;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.PolicyRuleBuilder;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.api.model.rbac.RoleRef;
import io.fabric8.kubernetes.api.model.rbac.Subject;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * What one ServiceAccount may do, given Roles, ClusterRoles and their bindings: a pure evaluator that decides like
 * Kubernetes' RBAC authorizer (k8s.io/kubernetes/plugin/pkg/auth/authorizer/rbac, rbac/v1 helpers).
 *
 * <ul>
 *   <li>a namespaced request is allowed by a ClusterRoleBinding's ClusterRole, or by a RoleBinding in the request's
 *       namespace to a Role of that namespace or to a ClusterRole; a cluster-scoped request (or a list across all
 *       namespaces) only by ClusterRoleBindings;</li>
 *   <li>a rule matches when its verbs, apiGroups and resources match ({@code *} matches all; {@code pods/exec} names a
 *       subresource; {@code *}{@code /status} matches that subresource of every resource), and its resourceNames, if
 *       any, contain the request's name (so a request without a name, a list or create, never matches them);</li>
 *   <li>subjects match the ServiceAccount by kind ServiceAccount, by its user name
 *       {@code system:serviceaccount:<ns>:<name>}, or by the groups every ServiceAccount is in;</li>
 *   <li>non-resource URLs match a rule's nonResourceURLs exactly or by a trailing {@code *}; besides, Kubernetes binds
 *       {@code system:discovery} and {@code system:public-info-viewer} to every authenticated user, so discovery
 *       and version paths are allowed as they are on a real cluster.</li>
 * </ul>
 * Aggregated ClusterRoles and other authorizers (Node, webhooks) are not modelled: the chart uses none.
 */
public final class RbacPolicy {
    /** Granted to all authenticated users by the default ClusterRoleBindings system:discovery and system:public-info-viewer. */
    private static final List<PolicyRule> DEFAULT_NON_RESOURCE = List.of(new PolicyRuleBuilder().withVerbs("get")
            .withNonResourceURLs("/api", "/api/*", "/apis", "/apis/*", "/openapi", "/openapi/*", "/version", "/version/",
                    "/healthz", "/livez", "/readyz")
            .build());

    private final String serviceAccountNamespace;
    private final String serviceAccountName;
    private final List<HasMetadata> objects;

    private RbacPolicy(String serviceAccountNamespace, String serviceAccountName, List<HasMetadata> objects) {
        this.serviceAccountNamespace = Objects.requireNonNull(serviceAccountNamespace);
        this.serviceAccountName = Objects.requireNonNull(serviceAccountName);
        this.objects = List.copyOf(objects);
    }

    /** The rights of ServiceAccount namespace/name under the RBAC objects among {@code objects} (others are ignored). */
    public static RbacPolicy forServiceAccount(String namespace, String name, List<HasMetadata> objects) {
        return new RbacPolicy(namespace, name, objects.stream()
                .filter(o -> o instanceof Role || o instanceof ClusterRole || o instanceof RoleBinding || o instanceof ClusterRoleBinding)
                .toList());
    }

    /** The same policy with every Role and ClusterRole rule matching {@code rule} removed (a mutation, for tests of tests). */
    public RbacPolicy without(Predicate<PolicyRule> rule) {
        List<HasMetadata> mutated = new ArrayList<>();
        for (HasMetadata o : objects) {
            if (o instanceof Role role) {
                mutated.add(new io.fabric8.kubernetes.api.model.rbac.RoleBuilder(role)
                        .withRules(role.getRules().stream().filter(rule.negate()).toList()).build());
            } else if (o instanceof ClusterRole clusterRole) {
                mutated.add(new io.fabric8.kubernetes.api.model.rbac.ClusterRoleBuilder(clusterRole)
                        .withRules(clusterRole.getRules().stream().filter(rule.negate()).toList()).build());
            } else {
                mutated.add(o);
            }
        }
        return new RbacPolicy(serviceAccountNamespace, serviceAccountName, mutated);
    }

    public boolean allows(AuthorizationAttributes request) {
        if (!request.resourceRequest()) {
            return DEFAULT_NON_RESOURCE.stream().anyMatch(rule -> matchesNonResource(rule, request))
                    || rulesFor(request).stream().anyMatch(rule -> matchesNonResource(rule, request));
        }
        return rulesFor(request).stream().anyMatch(rule -> matchesResource(rule, request));
    }

    /** Every rule that applies to this ServiceAccount for a request in the request's namespace (or cluster-wide). */
    private List<PolicyRule> rulesFor(AuthorizationAttributes request) {
        List<PolicyRule> rules = new ArrayList<>();
        for (HasMetadata o : objects) {
            if (o instanceof ClusterRoleBinding binding && boundHere(binding.getSubjects())) {
                clusterRole(binding.getRoleRef()).ifPresent(role -> rules.addAll(role.getRules()));
            }
            if (o instanceof RoleBinding binding && request.resourceRequest() && !request.namespace().isEmpty()
                    && request.namespace().equals(binding.getMetadata().getNamespace()) && boundHere(binding.getSubjects())) {
                RoleRef ref = binding.getRoleRef();
                if ("ClusterRole".equals(ref.getKind())) {
                    clusterRole(ref).ifPresent(role -> rules.addAll(role.getRules()));
                } else {
                    role(ref, binding.getMetadata().getNamespace()).ifPresent(role -> rules.addAll(role.getRules()));
                }
            }
        }
        return rules;
    }

    private boolean boundHere(List<Subject> subjects) {
        return subjects != null && subjects.stream().anyMatch(this::isThisServiceAccount);
    }

    private boolean isThisServiceAccount(Subject subject) {
        return switch (subject.getKind()) {
            case "ServiceAccount" -> serviceAccountName.equals(subject.getName())
                    && serviceAccountNamespace.equals(subject.getNamespace());
            case "User" -> ("system:serviceaccount:" + serviceAccountNamespace + ":" + serviceAccountName).equals(subject.getName());
            case "Group" -> List.of("system:serviceaccounts", "system:serviceaccounts:" + serviceAccountNamespace, "system:authenticated")
                    .contains(subject.getName());
            default -> false;
        };
    }

    private Optional<ClusterRole> clusterRole(RoleRef ref) {
        return objects.stream().filter(ClusterRole.class::isInstance).map(ClusterRole.class::cast)
                .filter(role -> role.getMetadata().getName().equals(ref.getName())).findFirst();
    }

    private Optional<Role> role(RoleRef ref, String namespace) {
        return objects.stream().filter(Role.class::isInstance).map(Role.class::cast)
                .filter(role -> role.getMetadata().getName().equals(ref.getName()) && namespace.equals(role.getMetadata().getNamespace()))
                .findFirst();
    }

    static boolean matchesResource(PolicyRule rule, AuthorizationAttributes request) {
        return contains(rule.getVerbs(), request.verb())
                && contains(rule.getApiGroups(), request.apiGroup())
                && resourceMatches(rule.getResources(), request)
                && (isEmpty(rule.getResourceNames()) || rule.getResourceNames().contains(request.name()) && !request.name().isEmpty());
    }

    private static boolean resourceMatches(List<String> ruleResources, AuthorizationAttributes request) {
        if (ruleResources == null) {
            return false;
        }
        for (String ruleResource : ruleResources) {
            if (ruleResource.equals("*") || ruleResource.equals(request.combinedResource())) {
                return true;
            }
            if (!request.subresource().isEmpty() && ruleResource.equals("*/" + request.subresource())) {
                return true;
            }
        }
        return false;
    }

    private static boolean matchesNonResource(PolicyRule rule, AuthorizationAttributes request) {
        if (!contains(rule.getVerbs(), request.verb()) || rule.getNonResourceURLs() == null) {
            return false;
        }
        return rule.getNonResourceURLs().stream().anyMatch(url -> url.equals("*") || url.equals(request.path())
                || url.endsWith("*") && request.path().startsWith(url.substring(0, url.length() - 1)));
    }

    private static boolean contains(List<String> values, String value) {
        return values != null && (values.contains("*") || values.contains(value));
    }

    private static boolean isEmpty(List<String> values) {
        return values == null || values.isEmpty();
    }
}
