package dev.pgfleet.provisioning.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgfleet.system.PgfleetProperties;
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

/** A replica that loses the Lease stops reconciling, and competes again (fabric8's elector alone would not). */
class LeaseLeaderElectionMockTest {

    @Test
    void losingTheLeaseStopsReconcilingUntilItIsWonBack() throws Exception {
        KubernetesMockServer server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(),
                new ServerSideApplyCrudDispatcher(), false);
        server.init();
        try (KubernetesClient client = server.createClient()) {
            PgfleetProperties properties = new PgfleetProperties(null, new PgfleetProperties.Db(null, null, null), 10,
                    new PgfleetProperties.Reconcile(Duration.ofSeconds(5), Duration.ofMinutes(5), Duration.ofSeconds(30), 1),
                    null, null, "kubernetes", new PgfleetProperties.Kubernetes("pgfleet", "local-nvme", "pgfleet.dev/storage=nvme",
                    "dataplane", "pgbouncer", "etcd", "retain", "pgfleet-leader", List.of(15)), null);
            LeaseLeaderElection election = new LeaseLeaderElection(client, properties);
            election.start();
            try {
                await(election::mayReconcile, "leads at first");

                // Another replica takes the lease over (as after this one was cut off from the API server).
                client.leases().inNamespace("pgfleet").withName("pgfleet-leader").edit(lease -> {
                    lease.getSpec().setHolderIdentity("another-replica");
                    lease.getSpec().setRenewTime(ZonedDateTime.now());
                    lease.getSpec().setLeaseDurationSeconds(3);
                    return lease;
                });
                await(() -> !election.mayReconcile(), "stops reconciling once the lease is someone else's");

                // The other replica's lease expires without renewal: this one competes again and wins.
                await(election::mayReconcile, "leads again");
                assertThat(client.leases().inNamespace("pgfleet").withName("pgfleet-leader").get().getSpec().getHolderIdentity())
                        .isNotEqualTo("another-replica");
            } finally {
                election.stop();
            }
        } finally {
            server.destroy();
        }
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as(what).isLessThan(deadline);
            Thread.sleep(100);
        }
    }
}
