package dev.pgfleet.testsupport.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBuilder;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.PolicyRuleBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBuilder;
import io.fabric8.kubernetes.api.model.rbac.Subject;
import io.fabric8.kubernetes.api.model.rbac.SubjectBuilder;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** The RBAC evaluator, decided like Kubernetes' authorizer would on golden cases. */
class RbacPolicyTest {
    private static final Subject CONTROL_PLANE = new SubjectBuilder().withKind("ServiceAccount").withName("cp").withNamespace("system").build();
    private static final Subject SOMEONE_ELSE = new SubjectBuilder().withKind("ServiceAccount").withName("cp").withNamespace("other").build();

    /**
     * Role "db" in namespace db: pods get/list/delete, pods/exec create, leases get/list/update only "the-lease",
     * everything's status patch; bound to the control plane. Role "db" in namespace db2 exists but is bound to another
     * account. ClusterRole "nodes": nodes get/list, bound cluster-wide; ClusterRole "secrets-reader": secrets get,
     * bound only in namespace db by a RoleBinding. ClusterRole "metrics": the non-resource URL /metrics.
     */
    private static final List<HasMetadata> OBJECTS = List.of(
            role("db", "db", rule("", "pods", "get", "list", "delete"), rule("", "pods/exec", "create"),
                    new PolicyRuleBuilder(rule("coordination.k8s.io", "leases", "get", "list", "update")).withResourceNames("the-lease").build(),
                    rule("*", "*/status", "patch")),
            roleBinding("db", "db", "Role", "db", CONTROL_PLANE),
            role("db2", "db", rule("", "pods", "*")),
            roleBinding("db2", "db", "Role", "db", SOMEONE_ELSE),
            new ClusterRoleBuilder().withNewMetadata().withName("nodes").endMetadata().withRules(rule("", "nodes", "get", "list")).build(),
            new ClusterRoleBindingBuilder().withNewMetadata().withName("nodes").endMetadata().withNewRoleRef()
                    .withApiGroup("rbac.authorization.k8s.io").withKind("ClusterRole").withName("nodes").endRoleRef()
                    .withSubjects(CONTROL_PLANE).build(),
            new ClusterRoleBuilder().withNewMetadata().withName("secrets-reader").endMetadata().withRules(rule("", "secrets", "get")).build(),
            roleBinding("db", "secrets", "ClusterRole", "secrets-reader", CONTROL_PLANE),
            new ClusterRoleBuilder().withNewMetadata().withName("metrics").endMetadata()
                    .withRules(new PolicyRuleBuilder().withVerbs("get").withNonResourceURLs("/metrics").build()).build(),
            new ClusterRoleBindingBuilder().withNewMetadata().withName("metrics").endMetadata().withNewRoleRef()
                    .withKind("ClusterRole").withName("metrics").endRoleRef()
                    .withSubjects(new SubjectBuilder().withKind("Group").withName("system:serviceaccounts:system").build()).build());

    private final RbacPolicy policy = RbacPolicy.forServiceAccount("system", "cp", OBJECTS);

    @ParameterizedTest(name = "{0} {1} -> {2}")
    @CsvSource(delimiter = '|', textBlock = """
            GET    | /api/v1/namespaces/db/pods/p                                       | true  | granted by the Role
            GET    | /api/v1/namespaces/db/pods                                         | true  | list
            GET    | /api/v1/namespaces/db/pods?watch=true                              | false | watch is not list
            DELETE | /api/v1/namespaces/db/pods/p                                       | true  | delete
            DELETE | /api/v1/namespaces/db/pods                                         | false | deletecollection is not delete
            PATCH  | /api/v1/namespaces/db/pods/p                                       | false | verb not in the rule
            GET    | /api/v1/pods                                                       | false | all namespaces: cluster scope, Roles do not apply
            GET    | /api/v1/namespaces/db2/pods                                        | false | namespace mismatch: db2's Role is someone else's
            GET    | /api/v1/namespaces/elsewhere/pods/p                                | false | no binding in that namespace
            GET    | /apis/apps/v1/namespaces/db/pods/p                                 | false | wrong API group
            POST   | /api/v1/namespaces/db/pods/p/exec?command=kill                     | true  | exec over SPDY is create on pods/exec
            GET    | /api/v1/namespaces/db/pods/p/log                                   | false | pods does not grant pods/log
            PATCH  | /apis/apps/v1/namespaces/db/statefulsets/s/status                  | true  | */status matches every status subresource
            PATCH  | /apis/apps/v1/namespaces/db/statefulsets/s                         | false | */status is not the resource
            GET    | /apis/coordination.k8s.io/v1/namespaces/db/leases/the-lease        | true  | resourceNames
            PUT    | /apis/coordination.k8s.io/v1/namespaces/db/leases/the-lease        | true  | resourceNames
            GET    | /apis/coordination.k8s.io/v1/namespaces/db/leases/another          | false | another name
            GET    | /apis/coordination.k8s.io/v1/namespaces/db/leases                  | false | a list names nothing
            GET    | /apis/coordination.k8s.io/v1/namespaces/db/leases?fieldSelector=metadata.name%3Dthe-lease | true | a list by exact name
            GET    | /api/v1/nodes                                                      | true  | ClusterRoleBinding: cluster-scoped
            GET    | /api/v1/nodes/n                                                    | true  | get
            PATCH  | /api/v1/nodes/n                                                    | false | verb
            GET    | /api/v1/namespaces/db/nodes/n                                      | true  | a ClusterRoleBinding grants in every namespace too
            GET    | /api/v1/namespaces/db/secrets/s                                    | true  | ClusterRole bound by a RoleBinding, in its namespace
            GET    | /api/v1/namespaces/elsewhere/secrets/s                             | false | ... and nowhere else
            GET    | /api/v1/secrets                                                    | false | ... nor cluster-wide
            GET    | /metrics                                                           | true  | non-resource URL, bound to the account's group
            GET    | /version                                                           | true  | discovery: every authenticated user
            GET    | /apis/apps/v1                                                      | true  | discovery
            POST   | /version                                                           | false | discovery is get only
            GET    | /debug/pprof                                                       | false | non-resource URL not granted
            """)
    void decidesLikeTheKubernetesAuthorizer(String method, String path, boolean allowed, String why) {
        AuthorizationAttributes request = AuthorizationAttributes.of(new ApiRequest(method, path)).get(0);
        assertThat(policy.allows(request)).as(why + ": " + request.describe()).isEqualTo(allowed);
    }

    /** The websocket exec is get before Kubernetes 1.35 and create after: a Role with create alone fails on older clusters. */
    @Test
    void aWebsocketExecIsAllowedOnlyWithGetAndCreate() {
        List<AuthorizationAttributes> exec = AuthorizationAttributes.of(new ApiRequest("GET", "/api/v1/namespaces/db/pods/p/exec?command=kill"));
        assertThat(exec).extracting(policy::allows).as("the Role grants create only").containsExactly(false, true);
        RbacPolicy both = RbacPolicy.forServiceAccount("system", "cp", List.of(role("db", "x", rule("", "pods/exec", "get", "create")),
                roleBinding("db", "x", "Role", "x", CONTROL_PLANE)));
        assertThat(exec).allMatch(both::allows);
    }

    @Test
    void onlyTheNamedServiceAccountHasTheRights() {
        AuthorizationAttributes get = AuthorizationAttributes.of(new ApiRequest("GET", "/api/v1/namespaces/db/pods/p")).get(0);
        assertThat(RbacPolicy.forServiceAccount("system", "other", OBJECTS).allows(get)).isFalse();
        assertThat(RbacPolicy.forServiceAccount("other", "cp", OBJECTS).allows(get)).isFalse();
        assertThat(RbacPolicy.forServiceAccount("other", "cp", OBJECTS)
                .allows(AuthorizationAttributes.of(new ApiRequest("GET", "/api/v1/namespaces/db2/pods")).get(0))).isTrue();
    }

    @Test
    void anApplyThatCreatesNeedsCreateAndTheFailureSaysSo() {
        ApiRequest apply = new ApiRequest("PATCH", "/api/v1/namespaces/db/pods/p?fieldManager=pgfleet", "application/apply-patch+yaml", 201, "{}");
        RbacPolicy patchOnly = RbacPolicy.forServiceAccount("system", "cp", List.of(role("db", "db", rule("", "pods", "patch")),
                roleBinding("db", "db", "Role", "db", CONTROL_PLANE)));

        assertThat(ChartRbac.deniedRequests(patchOnly, List.of(apply)))
                .containsExactly("PATCH /api/v1/namespaces/db/pods/p?fieldManager=pgfleet -> create pods \"p\" in db: not granted");
    }

    @Test
    void everyDeniedRequestIsListed() {
        List<ApiRequest> requests = List.of(new ApiRequest("GET", "/api/v1/namespaces/db/pods/p"),
                new ApiRequest("PATCH", "/api/v1/namespaces/x/pods/y"), new ApiRequest("GET", "/api/v1/pods?labelSelector=a%3Db"));

        assertThatThrownBy(() -> ChartRbac.assertAllowed(policy, requests))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("2 of 3 requests")
                .hasMessageContaining("PATCH /api/v1/namespaces/x/pods/y -> patch pods \"y\" in x: not granted")
                .hasMessageContaining("GET /api/v1/pods?labelSelector=a%3Db -> list pods cluster-wide: not granted")
                .message().doesNotContain("/namespaces/db/pods/p");
        ChartRbac.assertAllowed(policy, requests.subList(0, 1));
    }

    @Test
    void aMutatedPolicyLacksExactlyTheRemovedRule() {
        AuthorizationAttributes list = AuthorizationAttributes.of(new ApiRequest("GET", "/api/v1/nodes")).get(0);
        RbacPolicy withoutNodes = policy.without(rule -> rule.getResources().contains("nodes"));
        assertThat(withoutNodes.allows(list)).isFalse();
        assertThat(withoutNodes.allows(AuthorizationAttributes.of(new ApiRequest("GET", "/api/v1/namespaces/db/pods/p")).get(0))).isTrue();
        assertThat(policy.allows(list)).as("the original is unchanged").isTrue();
    }

    private static PolicyRule rule(String group, String resource, String... verbs) {
        return new PolicyRuleBuilder().withApiGroups(group).withResources(resource).withVerbs(verbs).build();
    }

    private static HasMetadata role(String namespace, String name, PolicyRule... rules) {
        return new RoleBuilder().withNewMetadata().withNamespace(namespace).withName(name).endMetadata().withRules(rules).build();
    }

    private static HasMetadata roleBinding(String namespace, String name, String kind, String roleName, Subject subject) {
        return new RoleBindingBuilder().withNewMetadata().withNamespace(namespace).withName(name).endMetadata()
                .withNewRoleRef().withApiGroup("rbac.authorization.k8s.io").withKind(kind).withName(roleName).endRoleRef()
                .withSubjects(subject).build();
    }
}
