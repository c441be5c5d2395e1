package dev.pgfleet.provisioning.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgfleet.blueprint.kubernetes.KubernetesSettings;
import dev.pgfleet.testsupport.Polling;
import dev.pgfleet.testsupport.kubernetes.ChartRbac;
import dev.pgfleet.testsupport.kubernetes.RecordingDispatcher;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.util.HashMap;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/**
 * A replica that loses the Lease stops reconciling, and competes again (fabric8's elector alone would not). The
 * databases live in a namespace of their own, as the chart allows: the Lease stays in the control plane's namespace,
 * and every request of the elector is checked against the chart's RBAC.
 */
// Waits on a mock server and poll intervals, not the CPU: runs alongside other classes (surefire's configuration in control-plane/pom.xml).
@org.junit.jupiter.api.parallel.Execution(org.junit.jupiter.api.parallel.ExecutionMode.CONCURRENT)
@org.junit.jupiter.api.parallel.ResourceLock("LeaseLeaderElectionMockTest") // its own methods one at a time
class LeaseLeaderElectionMockTest {
    private static final String RELEASE_NAMESPACE = "pgfleet-system";

    @Test
    void losingTheLeaseStopsReconcilingUntilItIsWonBack() throws Exception {
        RecordingDispatcher dispatcher = new RecordingDispatcher();
        KubernetesMockServer server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), dispatcher, false);
        server.init();
        KubernetesSettings defaults = KubernetesSettings.defaults();
        KubernetesSettings settings = new KubernetesSettings("tenant-databases", defaults.patroniImage(), defaults.pgbouncerImage(),
                defaults.etcdImage(), defaults.storageClass(), defaults.nvmeLabelKey(), defaults.nvmeLabelValue(), RELEASE_NAMESPACE);
        // The test's client plays the other replica; the elector's requests are the control plane's.
        try (KubernetesClient client = RecordingDispatcher.clusterClient(server); KubernetesClient controlPlane = server.createClient()) {
            KubernetesProperties properties = new KubernetesProperties(settings.namespace(), "local-nvme", "pgfleet.dev/storage=nvme",
                    "dataplane", "pgbouncer", "etcd", "retain", "pgfleet-leader", List.of(15), "cluster.local", null);
            LeaseLeaderElection election = new LeaseLeaderElection(controlPlane, properties, settings);
            election.start();
            try {
                await(election::mayReconcile, "leads at first");

                // Another replica takes the lease over (as after this one was cut off from the API server).
                // The edit is optimistic (resourceVersion), so it conflicts (409) when the elector renews in between: retried,
                // as a real replica's would be.
                for (int attempt = 1; ; attempt++) {
                    try {
                        client.leases().inNamespace(RELEASE_NAMESPACE).withName("pgfleet-leader").edit(lease -> {
                            lease.getSpec().setHolderIdentity("another-replica");
                            lease.getSpec().setRenewTime(ZonedDateTime.now());
                            lease.getSpec().setLeaseDurationSeconds(3);
                            return lease;
                        });
                        break;
                    } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
                        if (e.getCode() != 409 || attempt == 10) {
                            throw e;
                        }
                    }
                }
                await(() -> !election.mayReconcile(), "stops reconciling once the lease is someone else's");

                // The other replica's lease expires without renewal: this one competes again and wins.
                await(election::mayReconcile, "leads again");
                assertThat(client.leases().inNamespace(RELEASE_NAMESPACE).withName("pgfleet-leader").get().getSpec().getHolderIdentity())
                        .isNotEqualTo("another-replica");
            } finally {
                election.stop();
            }
            assertThat(client.leases().inNamespace(settings.namespace()).list().getItems()).as("no Lease among the databases").isEmpty();
        } finally {
            server.destroy();
        }
        // Release "pgfleet": the chart's Lease is "pgfleet-leader", the name the control plane is given.
        ChartRbac.assertAllowed(ChartRbac.installedAs("pgfleet", RELEASE_NAMESPACE, settings.namespace()), dispatcher.requests());
    }

    private static void await(BooleanSupplier condition, String what) {
        Polling.until(what, Duration.ofSeconds(60), Duration.ofMillis(100), condition);
    }
}
