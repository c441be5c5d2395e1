package dev.pgfleet.testsupport.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The chart's RBAC as rendered by Helm, read by the evaluator: with default values (databases in the release
 * namespace) and with the databases in a namespace of their own.
 */
class ChartRbacTest {

    @Test
    void withDefaultValuesTheControlPlaneWorksInTheReleaseNamespaceAndReadsNodes() {
        RbacPolicy chart = ChartRbac.installedAs("prod", "pgfleet-system", "pgfleet-system");

        assertAllowed(chart, true,
                "PATCH /apis/apps/v1/namespaces/pgfleet-system/statefulsets/s?fieldManager=pgfleet&force=true",
                "GET /api/v1/namespaces/pgfleet-system/pods?labelSelector=a%3Db",
                "DELETE /api/v1/namespaces/pgfleet-system/pods/shop-0",
                "POST /apis/batch/v1/namespaces/pgfleet-system/jobs",
                "GET /api/v1/nodes",
                "POST /apis/coordination.k8s.io/v1/namespaces/pgfleet-system/leases",
                "GET /apis/coordination.k8s.io/v1/namespaces/pgfleet-system/leases/prod-pgfleet-leader",
                "PATCH /apis/coordination.k8s.io/v1/namespaces/pgfleet-system/leases/prod-pgfleet-leader");
        assertAllowed(chart, false,
                "GET /api/v1/pods?labelSelector=a%3Db",
                "GET /api/v1/namespaces/other/pods",
                "PATCH /api/v1/nodes/n",
                "GET /apis/coordination.k8s.io/v1/namespaces/pgfleet-system/leases/someone-elses",
                "DELETE /apis/coordination.k8s.io/v1/namespaces/pgfleet-system/leases/prod-pgfleet-leader",
                "PUT /apis/coordination.k8s.io/v1/namespaces/pgfleet-system/leases/prod-pgfleet-leader",
                "GET /api/v1/namespaces/pgfleet-system/pods/shop-0/log",
                "POST /api/v1/namespaces/pgfleet-system/pods",
                "DELETE /api/v1/namespaces/pgfleet-system/pods",
                "GET /api/v1/secrets");
    }

    @Test
    void withADatabasesNamespaceDatabaseObjectsGoThereAndTheLeaseAndJobsStayInTheReleaseNamespace() {
        RbacPolicy chart = ChartRbac.installedAs("prod", "pgfleet-system", "tenant-databases");

        assertAllowed(chart, true,
                "PATCH /apis/apps/v1/namespaces/tenant-databases/statefulsets/s?fieldManager=pgfleet&force=true",
                "GET /api/v1/namespaces/tenant-databases/pods?watch=true",
                "PATCH /apis/coordination.k8s.io/v1/namespaces/pgfleet-system/leases/prod-pgfleet-leader",
                "POST /apis/batch/v1/namespaces/pgfleet-system/jobs",
                "GET /api/v1/namespaces/pgfleet-system/pods?labelSelector=a%3Db");
        assertAllowed(chart, false,
                "PATCH /apis/apps/v1/namespaces/pgfleet-system/statefulsets/s?fieldManager=pgfleet&force=true",
                "PATCH /apis/coordination.k8s.io/v1/namespaces/tenant-databases/leases/prod-pgfleet-leader",
                "POST /apis/batch/v1/namespaces/tenant-databases/jobs",
                "DELETE /api/v1/namespaces/pgfleet-system/pods/shop-0");
    }

    private static void assertAllowed(RbacPolicy chart, boolean allowed, String... requests) {
        for (String request : requests) {
            String[] methodAndPath = request.split(" ", 2);
            List<AuthorizationAttributes> attributes = AuthorizationAttributes.of(new ApiRequest(methodAndPath[0], methodAndPath[1]));
            assertThat(attributes).as(request).allSatisfy(a -> assertThat(chart.allows(a)).as(a.describe()).isEqualTo(allowed));
        }
    }
}
