package dev.pgfleet.provisioning.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.ArgumentMatchers.anyInt;
import static org.mockito.ArgumentMatchers.anyList;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pgfleet.blueprint.ClusterSecrets;
import dev.pgfleet.blueprint.ClusterSpec;
import dev.pgfleet.blueprint.Plan;
import dev.pgfleet.blueprint.kubernetes.KubernetesBlueprint;
import dev.pgfleet.blueprint.kubernetes.KubernetesNames;
import dev.pgfleet.blueprint.kubernetes.KubernetesSettings;
import dev.pgfleet.database.Database;
import dev.pgfleet.provisioning.ClusterObservation;
import dev.pgfleet.provisioning.DesiredCluster;
import dev.pgfleet.provisioning.DesiredClusters;
import dev.pgfleet.problem.Unprocessable;
import dev.pgfleet.testsupport.kubernetes.ChartRbac;
import dev.pgfleet.testsupport.kubernetes.RecordingDispatcher;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.util.HashMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The Kubernetes runtime against fabric8's mock API server in CRUD mode (no cluster can run here), with
 * server-side apply emulated by {@link ServerSideApplyCrudDispatcher}; every request the runtime sends is checked
 * against the chart's RBAC after each test.
 */
@Tag("integration")
class KubernetesRuntimeIntegrationTest {
    private static KubernetesMockServer server;
    private static RecordingDispatcher dispatcher;
    /** The test's own client: it plays the cluster (nodes, pods, status) and looks; its requests are not checked. */
    private static KubernetesClient client;
    /** The runtime's client: every request it sends must be one the chart's RBAC allows. */
    private static KubernetesClient controlPlane;
    /** The shared etcd the runtime administers is real: only the API server is a mock. */
    private static dev.pgfleet.provisioning.TestEtcd etcd;

    @BeforeAll
    static void startMockServer() throws Exception {
        etcd = dev.pgfleet.provisioning.TestEtcd.start();
        dispatcher = new RecordingDispatcher();
        server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), dispatcher, false);
        server.init();
        client = RecordingDispatcher.clusterClient(server);
        controlPlane = server.createClient();
    }

    @AfterAll
    static void stopMockServer() throws Exception {
        etcd.close();
        client.close();
        controlPlane.close();
        server.destroy();
    }

    private final KubernetesSettings settings = KubernetesSettings.defaults();
    private final java.time.Instant[] now = {java.time.Instant.parse("2026-01-01T00:00:00Z")};
    private KubernetesRuntime runtime;

    @BeforeEach
    void createRuntime() {
        runtime = runtime("retain");
    }

    private KubernetesRuntime runtime(String pvcRetention) {
        KubernetesProperties properties = new KubernetesProperties(settings.namespace(), settings.storageClass(),
                settings.nvmeLabelKey() + "=" + settings.nvmeLabelValue(), settings.patroniImage(), settings.pgbouncerImage(),
                settings.etcdImage(), pvcRetention, "pgfleet-leader", List.of(15), "cluster.local", null);
        return new KubernetesRuntime(controlPlane, settings, properties, new ObjectMapper(),
                new dev.pgfleet.system.process.LocalProcesses(dev.pgfleet.system.process.DataPlaneUser.forCurrentProcess("postgres")),
                new KubernetesEtcd(controlPlane, settings, java.net.http.HttpClient.newHttpClient(), new ObjectMapper(), etcd.uri()), databaseId -> false,
                new java.time.Clock() {
                    @Override
                    public java.time.ZoneId getZone() {
                        return java.time.ZoneOffset.UTC;
                    }

                    @Override
                    public java.time.Clock withZone(java.time.ZoneId zone) {
                        return this;
                    }

                    @Override
                    public java.time.Instant instant() {
                        return now[0];
                    }
                });
    }

    private static DesiredCluster desired(Plan plan) {
        UUID id = UUID.randomUUID();
        ClusterSpec spec = new ClusterSpec(id.toString(), "shop", plan, 15);
        return new DesiredCluster(id, spec, new ClusterSecrets("su", "repl", "rest", "dcs"), "owner-pw",
                "SCRAM-SHA-256$4096:c2FsdA==$a:b", "admin-pw", "SCRAM-SHA-256$4096:c2FsdA==$c:d",
                IntStream.range(0, plan.members()).mapToObj(i -> new DesiredCluster.MemberSlot(i, KubernetesNames.podName(spec, i), 5432, 8008)).toList(),
                5432, null);
    }

    private List<HasMetadata> live(DesiredCluster d) {
        List<HasMetadata> out = new ArrayList<>();
        for (HasMetadata o : KubernetesBlueprint.databaseObjects(d.spec(), settings, KubernetesSecrets.of(d), "x")) {
            HasMetadata found = client.resource(o).inNamespace(settings.namespace()).get();
            if (found != null) {
                out.add(found);
            }
        }
        return out;
    }

    @AfterEach
    void everyRequestOfTheRuntimeIsOneTheChartAllows() {
        ChartRbac.assertAllowed(ChartRbac.installedAs("pgfleet", settings.controlPlaneNamespace(), settings.namespace()),
                dispatcher.drain());
    }

    private StatefulSet statefulSet(DesiredCluster d) {
        return client.apps().statefulSets().inNamespace(settings.namespace()).withName(KubernetesNames.statefulSet(d.spec())).get();
    }

    @Test
    void createsEveryObjectOnNvmeNodesWithAntiAffinityAndATransactionPooler() {
        DesiredCluster ha = desired(Plan.HA);
        runtime.ensureMembers(ha);

        int expected = KubernetesBlueprint.databaseObjects(ha.spec(), settings, KubernetesSecrets.of(ha), "x").size();
        assertThat(live(ha)).hasSize(expected);
        StatefulSet sts = statefulSet(ha);
        assertThat(sts.getSpec().getReplicas()).isEqualTo(3);
        var term = sts.getSpec().getTemplate().getSpec().getAffinity().getNodeAffinity()
                .getRequiredDuringSchedulingIgnoredDuringExecution().getNodeSelectorTerms().get(0).getMatchExpressions().get(0);
        assertThat(term.getKey()).isEqualTo("pgfleet.dev/storage");
        assertThat(term.getValues()).containsExactly("nvme");
        assertThat(sts.getSpec().getVolumeClaimTemplates().get(0).getSpec().getStorageClassName()).isEqualTo("local-nvme");
        assertThat(sts.getSpec().getTemplate().getSpec().getAffinity().getPodAntiAffinity()
                .getRequiredDuringSchedulingIgnoredDuringExecution().get(0).getTopologyKey()).isEqualTo("kubernetes.io/hostname");
        String ini = client.configMaps().inNamespace(settings.namespace()).withName(KubernetesNames.poolerConfig(ha.spec())).get()
                .getData().values().stream().filter(v -> v.contains("[pgbouncer]")).findFirst().orElseThrow();
        assertThat(ini).contains("pool_mode = transaction");
        // The read-only pooler: its own Deployment behind its own Service, pointed at the replica Service.
        String readOnly = KubernetesNames.readOnlyPooler(ha.spec());
        assertThat(client.apps().deployments().inNamespace(settings.namespace()).withName(readOnly).get()).isNotNull();
        assertThat(client.services().inNamespace(settings.namespace()).withName(readOnly).get().getSpec().getSelector())
                .containsEntry(KubernetesNames.COMPONENT_LABEL, KubernetesNames.READ_ONLY_POOLER_COMPONENT);
        assertThat(client.configMaps().inNamespace(settings.namespace()).withName(readOnly).get().getData().get("pgbouncer.ini"))
                .contains("host=" + KubernetesNames.replicaHost(ha.spec(), settings) + " ")
                .contains("connect_query='SET default_transaction_read_only = on'");
        String root = KubernetesBlueprint.root(ha.spec(), settings).getMetadata().getName();
        String rootUid = client.configMaps().inNamespace(settings.namespace()).withName(root).get().getMetadata().getUid();
        assertThat(live(ha)).allSatisfy(o -> assertThat(o.getMetadata().getOwnerReferences()).singleElement()
                .satisfies(ref -> assertThat(ref.getUid()).isEqualTo(rootUid)));
        assertThat(KubernetesBlueprint.sharedEtcd(settings)).allSatisfy(o ->
                assertThat(client.resource(o).inNamespace(settings.namespace()).get()).isNotNull());
    }

    @Test
    void devHasNoAntiAffinity() {
        DesiredCluster dev = desired(Plan.DEV);
        runtime.ensureMembers(dev);
        var affinity = statefulSet(dev).getSpec().getTemplate().getSpec().getAffinity();
        assertThat(affinity.getPodAntiAffinity()).isNull();
        assertThat(statefulSet(dev).getSpec().getReplicas()).isEqualTo(1);
        assertThat(client.apps().deployments().inNamespace(settings.namespace())
                .withName(KubernetesNames.readOnlyPooler(dev.spec())).get()).as("no replicas, no read-only pooler").isNull();
    }

    @Test
    void applyingTwiceChangesNothingAndTheSecondTimeWritesNothing() {
        DesiredCluster ha = desired(Plan.HA);
        runtime.ensureMembers(ha);
        Map<String, Object> first = specsOf(live(ha));
        int appliesBefore = dispatcher.applies();
        runtime.ensureMembers(ha);
        assertThat(dispatcher.applies() - appliesBefore).as("no object changed, none is applied again (KubernetesAtRestIntegrationTest)")
                .isZero();
        assertThat(specsOf(live(ha))).isEqualTo(first);
    }

    /**
     * A hand edit leaves the applied hash as it was but bumps the resourceVersion: the next pass applies the object
     * again (ChangedObjectApplier), long before the periodic full apply.
     */
    @Test
    void aHandEditedStatefulSetIsRevertedAtTheNextPass() {
        DesiredCluster ha = desired(Plan.HA);
        runtime.ensureMembers(ha);
        client.apps().statefulSets().inNamespace(settings.namespace()).withName(KubernetesNames.statefulSet(ha.spec()))
                .edit(s -> {
                    s.getSpec().setReplicas(1);
                    s.getSpec().getTemplate().getSpec().getContainers().get(0).setImage("someone/else:latest");
                    return s;
                });
        assertThat(statefulSet(ha).getSpec().getReplicas()).isEqualTo(1);
        assertThat(statefulSet(ha).getMetadata().getAnnotations()).as("the edit kept the applied hash")
                .containsKey(ChangedObjectApplier.APPLIED_HASH_ANNOTATION);

        runtime.ensureMembers(ha);

        assertThat(statefulSet(ha).getSpec().getReplicas()).isEqualTo(3);
        assertThat(statefulSet(ha).getSpec().getTemplate().getSpec().getContainers().get(0).getImage()).isEqualTo(settings.patroniImage());
    }

    @Test
    void deletionCascadesAndKeepsVolumesUnlessToldOtherwise() {
        for (String retention : List.of("retain", "delete")) {
            KubernetesRuntime r = runtime(retention);
            DesiredCluster d = desired(Plan.DEV);
            r.ensureMembers(d);
            client.persistentVolumeClaims().inNamespace(settings.namespace()).resource(new PersistentVolumeClaimBuilder()
                    .withNewMetadata().withName("pgdata-" + d.id()).addToLabels(KubernetesNames.DATABASE_ID_LABEL, d.spec().scope())
                    .endMetadata().build()).create();

            r.deleteCluster(d);

            assertThat(live(d)).isEmpty();
            String root = KubernetesBlueprint.root(d.spec(), settings).getMetadata().getName();
            assertThat(client.configMaps().inNamespace(settings.namespace()).withName(root).get()).isNull();
            boolean volumeKept = client.persistentVolumeClaims().inNamespace(settings.namespace()).withName("pgdata-" + d.id()).get() != null;
            assertThat(volumeKept).as("pvc with retention " + retention).isEqualTo(retention.equals("retain"));
        }
    }

    @Test
    void admissionRefusesWhatTheNvmeNodesCannotHold() {
        nvmeNode("node-a", "8", "32Gi");
        nvmeNode("node-b", "8", "32Gi");
        client.nodes().resource(new NodeBuilder().withNewMetadata().withName("node-c").endMetadata()
                .withNewStatus().addToAllocatable("cpu", new Quantity("8")).addToAllocatable("memory", new Quantity("32Gi")).endStatus()
                .build()).create();

        Database ha = database("ha");
        assertThatThrownBy(() -> runtime.place(ha, List.of("shop-0", "shop-1", "shop-2")))
                .isInstanceOfSatisfying(Unprocessable.class, e -> {
                    assertThat(e.getMessage()).contains("needs 3 NVMe nodes").contains("has 2");
                });

        Database dev = database("dev");
        runtime.place(dev, List.of("shop-0"));
        // Members are named after their pods: the names Patroni knows them by (each pod's patroni.yml says so).
        String pod0 = KubernetesNames.podName(DesiredClusters.specOf(dev), 0);
        verify(dev).assignPorts(anyInt(), org.mockito.ArgumentMatchers.argThat(members -> members.size() == 1
                && members.get(0).getName().equals(pod0) && !pod0.equals("shop-0")));

        nvmeNode("node-d", "1", "1Gi");
        assertThatThrownBy(() -> runtime.place(ha, List.of("shop-0", "shop-1", "shop-2")))
                .hasMessageContaining("needs 2 CPU and 4096 MiB free on 3 NVMe nodes; only 2 have that much left");

        assertThat(runtime.fetchNodes()).extracting(n -> n.name() + ":" + n.nvme())
                .containsExactly("node-a:true", "node-b:true", "node-c:false", "node-d:true");
    }

    /**
     * The chart lets the control plane read pods only in the databases' namespace: admission counts pgfleet's members
     * there, and neither asks for nor counts pods of another namespace (on a real cluster, a list across all
     * namespaces is refused with 403; the RBAC check after each test would fail on it here).
     */
    @Test
    void admissionCountsOnlyTheMembersOfTheDatabasesNamespace() {
        nvmeNode("node-x", "8", "32Gi");
        client.pods().inNamespace("another-pgfleet").resource(memberPodOn("node-x", "theirs-0", "6")).create();
        client.pods().inNamespace(settings.namespace()).resource(memberPodOn("node-x", "ours-0", "1")).create();
        try {
            assertThat(runtime.fetchNodes()).filteredOn(n -> n.name().equals("node-x")).singleElement().satisfies(n -> {
                assertThat(n.members()).isEqualTo(1);
                assertThat(n.usedCpuMillis()).isEqualTo(1000);
            });
        } finally {
            client.pods().inNamespace("another-pgfleet").withName("theirs-0").delete();
            client.pods().inNamespace(settings.namespace()).withName("ours-0").delete();
            client.nodes().withName("node-x").delete();
        }
    }

    private static io.fabric8.kubernetes.api.model.Pod memberPodOn(String node, String name, String cpu) {
        return new PodBuilder().withNewMetadata().withName(name)
                .addToLabels(KubernetesNames.MANAGED_BY_LABEL, KubernetesNames.MANAGER)
                .addToLabels(KubernetesNames.COMPONENT_LABEL, KubernetesNames.POSTGRES_COMPONENT).endMetadata()
                .withNewSpec().withNodeName(node).addNewContainer().withName("postgres").withNewResources()
                .addToRequests("cpu", new Quantity(cpu)).addToRequests("memory", new Quantity("1Gi")).endResources()
                .endContainer().endSpec().build();
    }

    /**
     * Roles come from Patroni's /cluster (served here on 127.0.0.77:8008, the address of the first pod: every
     * 127/8 address is loopback, and binding one of them does not clash with anything on 127.0.0.1), and the
     * runtime points the selector-less primary Service at the leader's pod only, the replica Service at the
     * others; after a failover exactly the new leader is in the primary Service.
     */
    @Test
    void patronisLeaderBecomesTheOnlyAddressOfThePrimaryServiceAndFollowsAFailover() throws Exception {
        DesiredCluster ha = desired(Plan.HA);
        runtime.ensureMembers(ha);
        String[] ips = {"127.0.0.77", "127.0.0.78", "127.0.0.79"};
        for (int i = 0; i < 3; i++) {
            client.pods().inNamespace(settings.namespace()).resource(new PodBuilder().withNewMetadata()
                    .withName(KubernetesNames.podName(ha.spec(), i))
                    .addToLabels(KubernetesNames.DATABASE_ID_LABEL, ha.spec().scope())
                    .addToLabels(KubernetesNames.COMPONENT_LABEL, KubernetesNames.POSTGRES_COMPONENT).endMetadata()
                    .withNewStatus().withPhase("Running").withPodIP(ips[i])
                    .addNewCondition().withType("Ready").withStatus("True").endCondition().endStatus()
                    .build()).create();
        }
        String[] leader = {KubernetesNames.podName(ha.spec(), 1)};
        long[] lag = {0, 0, 0};
        com.sun.net.httpserver.HttpServer patroni = com.sun.net.httpserver.HttpServer.create(
                new java.net.InetSocketAddress(java.net.InetAddress.getByName(ips[0]), 8008), 0);
        patroni.createContext("/cluster", exchange -> {
            StringBuilder members = new StringBuilder();
            for (int i = 0; i < 3; i++) {
                String name = KubernetesNames.podName(ha.spec(), i);
                String role = name.equals(leader[0]) ? "leader" : i == 0 ? "sync_standby" : "replica";
                members.append(i == 0 ? "" : ",").append("{\"name\":\"").append(name).append("\",\"role\":\"").append(role)
                        .append("\",\"state\":\"").append(role.equals("leader") ? "running" : "streaming").append("\",\"lag\":")
                        .append(lag[i]).append('}');
            }
            byte[] body = ("{\"members\":[" + members + "]}").getBytes(java.nio.charset.StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        patroni.start();
        try {
            ClusterObservation obs = runtime.observeCluster(ha);

            assertThat(obs.leader()).contains(KubernetesNames.podName(ha.spec(), 1));
            assertThat(obs.members()).extracting(ClusterObservation.MemberObservation::role)
                    .containsExactly("sync_standby", "leader", "replica");
            assertThat(endpointIps(KubernetesNames.primaryService(ha.spec()))).containsExactly(ips[1]);
            assertThat(endpointIps(KubernetesNames.replicaService(ha.spec()))).containsExactly(ips[0], ips[2]);
            io.fabric8.kubernetes.api.model.Endpoints primary = client.endpoints().inNamespace(settings.namespace())
                    .withName(KubernetesNames.primaryService(ha.spec())).get();
            assertThat(primary.getSubsets().get(0).getAddresses().get(0).getTargetRef().getName())
                    .isEqualTo(KubernetesNames.podName(ha.spec(), 1));
            assertThat(primary.getMetadata().getOwnerReferences()).singleElement()
                    .satisfies(o -> assertThat(o.getKind()).isEqualTo("Service"));
            String version = primary.getMetadata().getResourceVersion();

            runtime.observeCluster(ha);
            assertThat(client.endpoints().inNamespace(settings.namespace()).withName(KubernetesNames.primaryService(ha.spec()))
                    .get().getMetadata().getResourceVersion()).as("unchanged, not rewritten").isEqualTo(version);

            // A failover: pointing the pooler (what a switchover or drill does) observes and so moves the Service.
            leader[0] = KubernetesNames.podName(ha.spec(), 2);
            runtime.pointPoolerAt(ha, leader[0], Duration.ofSeconds(5));
            assertThat(endpointIps(KubernetesNames.primaryService(ha.spec()))).containsExactly(ips[2]);
            assertThat(endpointIps(KubernetesNames.replicaService(ha.spec()))).containsExactly(ips[0], ips[1]);

            // The replica Service backs the read-only endpoint: a replica lagging past the bound leaves it ...
            lag[0] = dev.pgfleet.blueprint.ReadOnlyEndpoint.LAG_BOUND_BYTES + 1;
            runtime.observeCluster(ha);
            assertThat(endpointIps(KubernetesNames.replicaService(ha.spec()))).containsExactly(ips[1]);
            // ... with none within the bound, the leader serves the reads ...
            lag[1] = dev.pgfleet.blueprint.ReadOnlyEndpoint.LAG_BOUND_BYTES + 1;
            runtime.observeCluster(ha);
            assertThat(endpointIps(KubernetesNames.replicaService(ha.spec()))).containsExactly(ips[2]);
            assertThat(endpointIps(KubernetesNames.primaryService(ha.spec()))).containsExactly(ips[2]);
            // ... and a replica back within the bound takes them over again.
            lag[0] = dev.pgfleet.blueprint.ReadOnlyEndpoint.LAG_BOUND_BYTES;
            runtime.observeCluster(ha);
            assertThat(endpointIps(KubernetesNames.replicaService(ha.spec()))).containsExactly(ips[0]);
        } finally {
            patroni.stop(0);
        }
    }

    @Test
    void withoutPatronisViewThereIsNoLeaderAndTheRoutingIsLeftAlone() {
        DesiredCluster ha = desired(Plan.HA);
        runtime.ensureMembers(ha);
        for (int i = 0; i < 3; i++) {
            client.pods().inNamespace(settings.namespace()).resource(new PodBuilder().withNewMetadata()
                    .withName(KubernetesNames.podName(ha.spec(), i))
                    .addToLabels(KubernetesNames.DATABASE_ID_LABEL, ha.spec().scope())
                    .addToLabels(KubernetesNames.COMPONENT_LABEL, KubernetesNames.POSTGRES_COMPONENT).endMetadata()
                    .withNewStatus().withPhase("Running").withPodIP("127.0.0.1" + (i + 1) + "1")
                    .addNewCondition().withType("Ready").withStatus("True").endCondition().endStatus()
                    .build()).create();
        }

        ClusterObservation obs = runtime.observeCluster(ha);

        assertThat(obs.leader()).isEmpty();
        assertThat(obs.members()).allSatisfy(m -> assertThat(m.role()).isNull());
        assertThat(client.endpoints().inNamespace(settings.namespace()).withName(KubernetesNames.primaryService(ha.spec())).get())
                .isNull();
    }

    private List<String> endpointIps(String service) {
        io.fabric8.kubernetes.api.model.Endpoints e = client.endpoints().inNamespace(settings.namespace()).withName(service).get();
        return e.getSubsets().stream().flatMap(s -> s.getAddresses().stream()).map(a -> a.getIp()).toList();
    }

    private void nvmeNode(String name, String cpu, String memory) {
        client.nodes().resource(new NodeBuilder().withNewMetadata().withName(name).addToLabels("pgfleet.dev/storage", "nvme").endMetadata()
                .withNewStatus().addToAllocatable("cpu", new Quantity(cpu)).addToAllocatable("memory", new Quantity(memory)).endStatus()
                .build()).create();
    }

    private static Database database(String plan) {
        Database d = mock(Database.class);
        when(d.getPlan()).thenReturn(plan);
        when(d.getName()).thenReturn("shop");
        when(d.getPostgresVersion()).thenReturn(15);
        when(d.getId()).thenReturn(UUID.randomUUID());
        return d;
    }

    /** What a reconcile may change: everything but the server's bookkeeping (the mock bumps generation on every write). */
    private static Map<String, Object> specsOf(List<HasMetadata> objects) {
        Map<String, Object> out = new java.util.TreeMap<>();
        ObjectMapper json = new ObjectMapper();
        for (HasMetadata o : objects) {
            Map<String, Object> tree = json.convertValue(o, Map.class);
            @SuppressWarnings("unchecked")
            Map<String, Object> metadata = (Map<String, Object>) tree.get("metadata");
            metadata.remove("resourceVersion");
            metadata.remove("managedFields");
            metadata.remove("generation");
            out.put(o.getKind() + "/" + o.getMetadata().getName(), tree);
        }
        return out;
    }
}
