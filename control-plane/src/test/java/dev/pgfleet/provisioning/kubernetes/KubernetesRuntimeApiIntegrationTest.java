package dev.pgfleet.provisioning.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgfleet.blueprint.kubernetes.KubernetesNames;
import dev.pgfleet.testsupport.ControlPlane;
import dev.pgfleet.testsupport.kubernetes.ChartRbac;
import dev.pgfleet.testsupport.kubernetes.RecordingDispatcher;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The whole control plane with {@code pgfleet.runtime=kubernetes}, over real HTTP, against fabric8's mock API
 * server: admission refuses what the NVMe nodes cannot hold, and an accepted database's objects are applied
 * by the reconciler once this replica holds the Lease. Every request of the control plane (its own fabric8 client,
 * built from configuration as in a pod) is checked against the chart's RBAC.
 */
@Tag("integration")
class KubernetesRuntimeApiIntegrationTest {
    private static KubernetesMockServer server;
    private static RecordingDispatcher dispatcher;
    /** The test's own client, playing the cluster (nodes) and looking; its requests are not the control plane's. */
    private static KubernetesClient client;
    /** The shared etcd is real; the control plane reaches it as it would through a port-forward. */
    private static dev.pgfleet.provisioning.TestEtcd etcd;

    @BeforeAll
    static void startMockServer() throws Exception {
        etcd = dev.pgfleet.provisioning.TestEtcd.start();
        dispatcher = new RecordingDispatcher();
        server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), dispatcher, false);
        server.init();
        client = RecordingDispatcher.clusterClient(server);
        // The control plane's own client finds the mock through fabric8's system properties, as it would find a
        // real cluster through in-cluster configuration or a kubeconfig.
        System.setProperty("kubernetes.master", client.getConfiguration().getMasterUrl());
        System.setProperty("kubernetes.trust.certificates", "true");
        System.setProperty("kubernetes.auth.tryKubeConfig", "false");
        System.setProperty("kubernetes.auth.tryServiceAccount", "false");
        System.setProperty("kubernetes.namespace", "pgfleet");
    }

    @AfterAll
    static void stopMockServer() throws Exception {
        etcd.close();
        for (String p : new String[] {"kubernetes.master", "kubernetes.trust.certificates", "kubernetes.auth.tryKubeConfig",
                "kubernetes.auth.tryServiceAccount", "kubernetes.namespace"}) {
            System.clearProperty(p);
        }
        client.close();
        server.destroy();
    }

    @AfterEach
    void everyRequestOfTheControlPlaneIsOneTheChartAllows() {
        ChartRbac.assertAllowed(ChartRbac.installedAs("pgfleet", "pgfleet", "pgfleet"), dispatcher.drain());
    }

    @Test
    void admissionAndApplyThroughTheApi() throws Exception {
        nvmeNode("node-a");
        nvmeNode("node-b");
        try (ControlPlane cp = ControlPlane.start(Map.of("pgfleet.runtime", "kubernetes", "pgfleet.kubernetes.namespace", "pgfleet",
                "pgfleet.kubernetes.etcd-url", etcd.uri().toString()))) {
            String token = cp.createTenant("k8s-tenant");

            ControlPlane.Response refused = cp.post("/api/v1/databases", token, "{\"name\":\"shop\",\"plan\":\"ha\"}");
            assertThat(refused.status()).as(refused.body()).isEqualTo(422);
            assertThat(refused.isProblem()).isTrue();
            assertThat(refused.json().get("detail").asText()).contains("needs 3 NVMe nodes (one per member) but the cluster has 2");
            assertThat(cp.get("/api/v1/databases", token).json()).isEmpty();

            assertThat(cp.get("/api/v1/nodes", cp.adminToken()).json()).hasSize(2);

            nvmeNode("node-c");
            ControlPlane.Response accepted = cp.post("/api/v1/databases", token, "{\"name\":\"shop\",\"plan\":\"ha\"}");
            assertThat(accepted.status()).as(accepted.body()).isEqualTo(202);
            String id = accepted.json().get("id").asText();
            assertThat(accepted.json().at("/connection/pooler/host").asText()).endsWith(".pgfleet.svc");
            assertThat(accepted.json().at("/connection/readOnly/host").asText()).endsWith("-ro.pgfleet.svc");
            assertThat(cp.get("/api/v1/databases/" + accepted.json().get("id").asText() + "/credentials", token).json()
                    .get("readOnlyUri").asText()).contains("-ro.pgfleet.svc:5432/shop");

            String statefulSet = KubernetesNames.statefulSet(new dev.pgfleet.blueprint.ClusterSpec(id, "shop",
                    dev.pgfleet.blueprint.Plan.HA, 15));
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            StatefulSet sts = null;
            while (sts == null && System.nanoTime() < deadline) {
                sts = client.apps().statefulSets().inNamespace("pgfleet").withName(statefulSet).get();
                Thread.sleep(200);
            }
            assertThat(sts).as("the reconciler applied the StatefulSet once it held the lease").isNotNull();
            assertThat(sts.getSpec().getReplicas()).isEqualTo(3);
            // Its etcd user was made before the members were applied, through etcd's own API.
            assertThat(client.secrets().inNamespace("pgfleet").withName(KubernetesNames.etcdRootSecret()).get()).isNotNull();
            String rootPassword = new KubernetesEtcd(client, dev.pgfleet.blueprint.kubernetes.KubernetesSettings.defaults(),
                    java.net.http.HttpClient.newHttpClient(), new com.fasterxml.jackson.databind.ObjectMapper(), etcd.uri()).rootPassword();
            var root = new dev.pgfleet.provisioning.EtcdAccess(new dev.pgfleet.provisioning.EtcdClient(
                    java.net.http.HttpClient.newHttpClient(), new com.fasterxml.jackson.databind.ObjectMapper(), etcd.uri(), () -> rootPassword));
            assertThat(root.userExists(dev.pgfleet.blueprint.Dcs.scopeUser(id))).isTrue();
            assertThat(client.leases().inNamespace("pgfleet").withName("pgfleet-leader").get().getSpec().getHolderIdentity())
                    .isNotBlank();
            // No pods run in a mock: the database stays PROVISIONING and says what it waits for.
            assertThat(cp.get("/api/v1/databases/" + id, token).json().get("status").asText()).isIn("PENDING", "PROVISIONING");
            // The manifest export reads the live root object through the control plane's client: checked like the rest.
            ControlPlane.Response manifests = cp.get("/api/v1/databases/" + id + "/manifests", token);
            assertThat(manifests.status()).as(manifests.body()).isEqualTo(200);
            assertThat(dispatcher.requests()).as("the control plane's own requests are recorded, to be checked after the test")
                    .anyMatch(r -> r.path().contains("/statefulsets/" + statefulSet));
        }
    }

    private static void nvmeNode(String name) {
        client.nodes().resource(new NodeBuilder().withNewMetadata().withName(name).addToLabels("pgfleet.dev/storage", "nvme").endMetadata()
                .withNewStatus().addToAllocatable("cpu", new Quantity("8")).addToAllocatable("memory", new Quantity("32Gi")).endStatus()
                .build()).create();
    }
}
