package dev.pgfleet.testsupport.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** Requests as the API server's RequestInfoFactory reads them: golden cases. */
class AuthorizationAttributesTest {

    @ParameterizedTest(name = "{0} {1} -> {2}")
    @CsvSource(delimiter = '|', textBlock = """
            GET    | /api/v1/namespaces/x/pods/y                                          | get pods "y" in x
            GET    | /api/v1/namespaces/x/pods                                            | list pods in x
            GET    | /api/v1/namespaces/x/pods?labelSelector=a%3Db&watch=true             | watch pods in x
            GET    | /api/v1/namespaces/x/pods?watch=1&resourceVersion=5                  | watch pods in x
            GET    | /api/v1/namespaces/x/pods?watch=false                                | list pods in x
            GET    | /api/v1/pods?labelSelector=app%3Dpgfleet                             | list pods cluster-wide
            GET    | /api/v1/namespaces/x/secrets?fieldSelector=metadata.name%3Ds         | list secrets "s" in x
            GET    | /api/v1/namespaces/x/secrets?fieldSelector=metadata.name%3D%3Ds&watch=true | watch secrets "s" in x
            GET    | /api/v1/namespaces/x/secrets?fieldSelector=metadata.name!%3Ds        | list secrets in x
            GET    | /api/v1/watch/namespaces/x/pods                                      | watch pods in x
            POST   | /api/v1/namespaces/x/pods                                            | create pods in x
            PUT    | /apis/coordination.k8s.io/v1/namespaces/x/leases/l                   | update leases.coordination.k8s.io "l" in x
            PATCH  | /apis/apps/v1/namespaces/x/statefulsets/s?fieldManager=pgfleet&force=true | patch statefulsets.apps "s" in x
            PATCH  | /apis/apps/v1/namespaces/x/deployments/d/status                      | patch deployments/status.apps "d" in x
            DELETE | /apis/batch/v1/namespaces/x/jobs/j                                   | delete jobs.batch "j" in x
            DELETE | /api/v1/namespaces/x/pods?labelSelector=a%3Db                        | deletecollection pods in x
            GET    | /api/v1/namespaces/x/pods/y/log?container=c                          | get pods/log "y" in x
            POST   | /api/v1/namespaces/x/pods/y/exec?command=sh                          | create pods/exec "y" in x
            POST   | /api/v1/namespaces/x/pods/y/portforward                              | create pods/portforward "y" in x
            GET    | /api/v1/nodes                                                        | list nodes cluster-wide
            GET    | /api/v1/nodes/n                                                      | get nodes "n" cluster-wide
            GET    | /api/v1/namespaces/x                                                 | get namespaces "x" in x
            PUT    | /api/v1/namespaces/x/finalize                                        | update namespaces/finalize "x" in x
            GET    | /version                                                             | get /version
            GET    | /apis                                                                | get /apis
            GET    | /apis/apps/v1                                                        | get /apis/apps/v1
            """)
    void requestsMapToTheirAuthorizationAttributes(String method, String path, String described) {
        List<AuthorizationAttributes> attributes = AuthorizationAttributes.of(new ApiRequest(method, path));
        assertThat(attributes).singleElement().satisfies(a -> assertThat(a.describe()).isEqualTo(described));
    }

    @Test
    void theFieldsOfANamespacedSubresourceRequest() {
        AuthorizationAttributes exec = AuthorizationAttributes.parse("GET", "/api/v1/namespaces/db/pods/shop-0/exec?command=kill");
        assertThat(exec).isEqualTo(new AuthorizationAttributes(true, "get", "", "pods", "exec", "db", "shop-0",
                "/api/v1/namespaces/db/pods/shop-0/exec"));
        assertThat(exec.combinedResource()).isEqualTo("pods/exec");
    }

    /** Kubernetes before 1.35 authorizes the websocket exec as get, 1.35 and later as create: a chart needs both. */
    @Test
    void aWebsocketExecNeedsGetAndCreate() {
        assertThat(AuthorizationAttributes.of(new ApiRequest("GET", "/api/v1/namespaces/x/pods/y/exec?command=sh&stdout=true")))
                .extracting(AuthorizationAttributes::describe)
                .containsExactly("get pods/exec \"y\" in x", "create pods/exec \"y\" in x");
    }

    @Test
    void aServerSideApplyThatCreatedItsObjectAlsoNeedsCreate() {
        String path = "/api/v1/namespaces/x/configmaps/c?fieldManager=pgfleet&force=true";
        ApiRequest created = new ApiRequest("PATCH", path, "application/apply-patch+yaml", 201, "{}");
        ApiRequest updated = new ApiRequest("PATCH", path, "application/apply-patch+yaml", 200, "{}");
        ApiRequest mergePatchCreated = new ApiRequest("PATCH", path, "application/merge-patch+json", 201, "{}");

        assertThat(AuthorizationAttributes.of(created)).extracting(AuthorizationAttributes::verb).containsExactly("patch", "create");
        assertThat(AuthorizationAttributes.of(updated)).extracting(AuthorizationAttributes::verb).containsExactly("patch");
        assertThat(AuthorizationAttributes.of(mergePatchCreated)).extracting(AuthorizationAttributes::verb).containsExactly("patch");
    }
}
