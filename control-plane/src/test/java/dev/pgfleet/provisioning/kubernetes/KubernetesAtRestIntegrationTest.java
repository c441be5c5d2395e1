package dev.pgfleet.provisioning.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.pgfleet.blueprint.ClusterSecrets;
import dev.pgfleet.blueprint.ClusterSpec;
import dev.pgfleet.blueprint.Plan;
import dev.pgfleet.blueprint.kubernetes.EtcdMemberState;
import dev.pgfleet.blueprint.kubernetes.KubernetesBlueprint;
import dev.pgfleet.blueprint.kubernetes.KubernetesNames;
import dev.pgfleet.blueprint.kubernetes.KubernetesSettings;
import dev.pgfleet.provisioning.DesiredCluster;
import dev.pgfleet.provisioning.TestEtcd;
import dev.pgfleet.system.process.DataPlaneUser;
import dev.pgfleet.system.process.LocalProcesses;
import dev.pgfleet.testsupport.kubernetes.ApiRequest;
import dev.pgfleet.testsupport.kubernetes.ChartRbac;
import dev.pgfleet.testsupport.kubernetes.RecordingDispatcher;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * What a database at rest costs the Kubernetes API server, counted at fabric8's mock API server (CRUD mode, server-side
 * apply emulated, every request checked against the chart's RBAC): the first pass applies every object, a pass with
 * nothing changed writes nothing and reads a fixed number of times ({@link #READS_PER_PASS_AT_REST}, the figure
 * docs/kubernetes.md quotes), a change re-applies exactly the objects it changed, a hand edit (which keeps the
 * applied hash but bumps the resourceVersion) re-applies exactly the edited object at the next pass, and the periodic
 * full apply applies them all again. A pass is what the reconciler runs for a READY database: ensureMembers,
 * observeCluster, ensurePooler, observeCluster. The database is {@code ha} with its three member pods Running and
 * Ready and Patroni's view of them served on the first pod's address; the shared etcd is real.
 */
@Tag("integration")
class KubernetesAtRestIntegrationTest {
    /** API-server reads of one reconcile pass of an {@code ha} database at rest, measured here. */
    static final int READS_PER_PASS_AT_REST = 38;

    private static KubernetesMockServer server;
    private static RecordingDispatcher dispatcher;
    private static KubernetesClient client;
    private static KubernetesClient controlPlane;
    private static TestEtcd etcd;
    private static HttpServer patroni;
    private static final String[] IPS = {"127.0.0.87", "127.0.0.88", "127.0.0.89"};
    /** The pods Patroni's /cluster reports (set per test: one database at a time). */
    private static volatile ClusterSpec served;

    private final KubernetesSettings settings = KubernetesSettings.defaults();
    private final Instant[] now = {Instant.parse("2026-01-01T00:00:00Z")};
    private final Clock clock = new Clock() {
        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now[0];
        }
    };

    @BeforeAll
    static void start() throws Exception {
        etcd = TestEtcd.start();
        dispatcher = new RecordingDispatcher();
        server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), dispatcher, false);
        server.init();
        client = RecordingDispatcher.clusterClient(server);
        controlPlane = server.createClient();
        patroni = HttpServer.create(new InetSocketAddress(InetAddress.getByName(IPS[0]), KubernetesRuntime.PATRONI_PORT), 0);
        patroni.createContext("/cluster", exchange -> {
            StringBuilder members = new StringBuilder();
            for (int i = 0; i < 3; i++) {
                String role = i == 0 ? "leader" : i == 1 ? "sync_standby" : "replica";
                members.append(i == 0 ? "" : ",").append("{\"name\":\"").append(KubernetesNames.podName(served, i))
                        .append("\",\"role\":\"").append(role).append("\",\"state\":\"").append(i == 0 ? "running" : "streaming")
                        .append("\",\"lag\":0}");
            }
            byte[] body = ("{\"members\":[" + members + "]}").getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        patroni.start();
    }

    @AfterAll
    static void stop() throws Exception {
        // Each part only if it was started: a start-up that failed half way (the Patroni port taken) must still stop etcd.
        if (etcd != null) {
            etcd.close();
        }
        if (patroni != null) {
            patroni.stop(0);
        }
        if (client != null) {
            client.close();
        }
        if (controlPlane != null) {
            controlPlane.close();
        }
        if (server != null) {
            server.destroy();
        }
    }

    @AfterEach
    void everyRequestOfTheRuntimeIsOneTheChartAllows() {
        ChartRbac.assertAllowed(ChartRbac.installedAs("pgfleet", settings.controlPlaneNamespace(), settings.namespace()),
                dispatcher.drain());
    }

    @Test
    void theFirstPassAppliesEverythingAndAPassAtRestWritesNothingAndReadsAFixedNumberOfTimes() {
        KubernetesRuntime runtime = runtime();
        DesiredCluster ha = desired(Plan.HA);
        served = ha.spec();

        List<ApiRequest> first = pass(runtime, ha);
        List<HasMetadata> objects = allObjects(ha);
        assertThat(objects).as("the shared etcd's 5 objects, the root and the 19 it owns (docs/kubernetes.md)").hasSize(25);
        assertThat(appliedNames(first)).as("the first pass applies every object once")
                .containsExactlyInAnyOrderElementsOf(objects.stream().map(o -> o.getMetadata().getName() + " " + o.getKind()).toList());
        runMembersAndPooler(ha);

        pass(runtime, ha); // settles what the members' pods changed (the primary and replica Services' Endpoints)
        for (int i = 0; i < 3; i++) {
            List<ApiRequest> atRest = pass(runtime, ha);
            assertThat(writes(atRest)).as("writes of a pass at rest").isEmpty();
            assertThat(atRest).as("reads of a pass at rest: " + atRest).hasSize(READS_PER_PASS_AT_REST)
                    .allSatisfy(r -> assertThat(r.method()).isEqualTo("GET"));
        }
    }

    @Test
    void aChangeReappliesExactlyTheObjectsItChanged() {
        KubernetesRuntime runtime = runtime();
        DesiredCluster ha = desired(Plan.HA);
        served = ha.spec();
        pass(runtime, ha);
        runMembersAndPooler(ha);
        pass(runtime, ha);

        // The owner's password changes the Secret and the pooler's auth file, nothing a member runs.
        DesiredCluster changed = new DesiredCluster(ha.id(), ha.spec(), ha.secrets(), "new-owner-pw",
                "SCRAM-SHA-256$4096:c2FsdA==$e:f", ha.poolerAdminPassword(), ha.poolerAdminScramVerifier(), ha.members(),
                ha.poolerPort(), null);
        Set<String> expected = changedObjects(allObjects(ha), allObjects(changed));
        assertThat(expected).as("the change touches some objects, not all").isNotEmpty().hasSizeLessThan(allObjects(ha).size());

        List<ApiRequest> requests = pass(runtime, changed);
        assertThat(new TreeSet<>(appliedNames(requests))).isEqualTo(expected);
        assertThat(writes(pass(runtime, changed))).as("and then it is at rest again").isEmpty();
    }

    @Test
    void aHandEditThatKeepsTheAnnotationsIsRevertedAtTheNextPassByApplyingOnlyThatObject() {
        KubernetesRuntime runtime = runtime();
        DesiredCluster ha = desired(Plan.HA);
        served = ha.spec();
        pass(runtime, ha);
        runMembersAndPooler(ha);
        pass(runtime, ha);
        assertThat(writes(pass(runtime, ha))).as("at rest").isEmpty();
        // As kubectl edit/patch do: the annotations, the applied hash among them, stay as they were.
        client.apps().statefulSets().inNamespace(settings.namespace()).withName(KubernetesNames.statefulSet(ha.spec()))
                .edit(s -> {
                    s.getSpec().getTemplate().getSpec().getContainers().get(0).setImage("someone/else:latest");
                    return s;
                });
        assertThat(statefulSet(ha).getMetadata().getAnnotations()).as("the edit kept the applied hash")
                .containsKey(ChangedObjectApplier.APPLIED_HASH_ANNOTATION);

        List<ApiRequest> next = pass(runtime, ha);
        assertThat(appliedNames(next)).as("the next pass, well within the full apply interval")
                .containsExactly(KubernetesNames.statefulSet(ha.spec()) + " StatefulSet");
        assertThat(statefulSet(ha).getSpec().getTemplate().getSpec().getContainers().get(0).getImage()).isEqualTo(settings.patroniImage());
        assertThat(writes(pass(runtime, ha))).as("and then it is at rest again").isEmpty();
    }

    @Test
    void everyObjectIsAppliedAgainOnceTheFullApplyIntervalHasPassed() {
        KubernetesRuntime runtime = runtime();
        DesiredCluster ha = desired(Plan.HA);
        served = ha.spec();
        pass(runtime, ha);
        runMembersAndPooler(ha);
        pass(runtime, ha);

        now[0] = now[0].plus(ChangedObjectApplier.FULL_APPLY_INTERVAL).minusSeconds(1);
        assertThat(writes(pass(runtime, ha))).as("before the interval").isEmpty();

        now[0] = now[0].plusSeconds(1);
        List<ApiRequest> full = pass(runtime, ha);
        assertThat(appliedNames(full)).hasSize(allObjects(ha).size());
    }

    // ---- helpers ---------------------------------------------------------------------------------------------------

    /** One reconcile pass of a READY database, as Reconciler runs it; returns the runtime's API requests. */
    private List<ApiRequest> pass(KubernetesRuntime runtime, DesiredCluster desired) {
        int before = dispatcher.requests().size();
        runtime.ensureMembers(desired);
        runtime.observeCluster(desired);
        runtime.ensurePooler(desired);
        runtime.observeCluster(desired);
        List<ApiRequest> all = dispatcher.requests();
        return new ArrayList<>(all.subList(before, all.size()));
    }

    /**
     * Plays the cluster: the StatefulSet's pods run its current revision and are ready, the pooler has ready replicas,
     * and the shared etcd has formed (its members ConfigMap exists, so every pass checks its pods for a lost volume).
     */
    private void runMembersAndPooler(DesiredCluster ha) {
        if (client.configMaps().inNamespace(settings.namespace()).withName(KubernetesNames.etcdMembersConfigMap()).get() == null) {
            client.configMaps().inNamespace(settings.namespace()).resource(EtcdMemberState.configMap(settings, Set.of())).create();
        }
        StatefulSet sts = statefulSet(ha);
        sts.setStatus(new io.fabric8.kubernetes.api.model.apps.StatefulSetStatusBuilder().withUpdateRevision("rev-1")
                .withCurrentRevision("rev-1").withReplicas(3).withReadyReplicas(3).build());
        client.apps().statefulSets().inNamespace(settings.namespace()).resource(sts).updateStatus();
        for (int i = 0; i < 3; i++) {
            client.pods().inNamespace(settings.namespace()).resource(new PodBuilder().withNewMetadata()
                    .withName(KubernetesNames.podName(ha.spec(), i))
                    .withLabels(sts.getSpec().getTemplate().getMetadata().getLabels())
                    .addToLabels("controller-revision-hash", "rev-1")
                    .withAnnotations(sts.getSpec().getTemplate().getMetadata().getAnnotations()).endMetadata()
                    .withSpec(sts.getSpec().getTemplate().getSpec())
                    .withNewStatus().withPhase("Running").withPodIP(IPS[i])
                    .addNewCondition().withType("Ready").withStatus("True").endCondition().endStatus()
                    .build()).create();
        }
        var deployment = client.apps().deployments().inNamespace(settings.namespace()).withName(KubernetesNames.poolerDeployment(ha.spec())).get();
        deployment.setStatus(new io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder().withReplicas(2).withReadyReplicas(2).build());
        client.apps().deployments().inNamespace(settings.namespace()).resource(deployment).updateStatus();
    }

    /** The shared etcd's objects, the root and everything it owns (with a placeholder owner uid: names and kinds only). */
    private List<HasMetadata> allObjects(DesiredCluster d) {
        List<HasMetadata> objects = new ArrayList<>(KubernetesBlueprint.sharedEtcd(settings));
        objects.add(KubernetesBlueprint.root(d.spec(), settings));
        objects.addAll(KubernetesBlueprint.databaseObjects(d.spec(), settings, KubernetesSecrets.of(d), rootUid(d)));
        return objects;
    }

    private String rootUid(DesiredCluster d) {
        var root = client.configMaps().inNamespace(settings.namespace()).withName(KubernetesNames.root(d.spec())).get();
        return root == null ? "not-applied-yet" : root.getMetadata().getUid();
    }

    /** "name Kind" of each object whose hash differs between {@code before} and {@code after} (computed, not observed). */
    private static Set<String> changedObjects(List<HasMetadata> before, List<HasMetadata> after) {
        Set<String> changed = new TreeSet<>();
        for (int i = 0; i < after.size(); i++) {
            if (!ChangedObjectApplier.hash(before.get(i)).equals(ChangedObjectApplier.hash(after.get(i)))) {
                changed.add(after.get(i).getMetadata().getName() + " " + after.get(i).getKind());
            }
        }
        return changed;
    }

    /** "name Kind" of each server-side apply among {@code requests}. */
    private static List<String> appliedNames(List<ApiRequest> requests) {
        return requests.stream().filter(r -> "PATCH".equals(r.method()) && r.contentType() != null
                && r.contentType().startsWith("application/apply-patch")).map(r -> {
                    String path = r.path().contains("?") ? r.path().substring(0, r.path().indexOf('?')) : r.path();
                    String[] parts = path.split("/");
                    return parts[parts.length - 1] + " " + kindOf(parts[parts.length - 2]);
                }).toList();
    }

    private static String kindOf(String plural) {
        return switch (plural) {
            case "configmaps" -> "ConfigMap";
            case "secrets" -> "Secret";
            case "services" -> "Service";
            case "serviceaccounts" -> "ServiceAccount";
            case "statefulsets" -> "StatefulSet";
            case "deployments" -> "Deployment";
            case "poddisruptionbudgets" -> "PodDisruptionBudget";
            case "networkpolicies" -> "NetworkPolicy";
            default -> plural;
        };
    }

    private static List<ApiRequest> writes(List<ApiRequest> requests) {
        return requests.stream().filter(r -> !"GET".equals(r.method())).toList();
    }

    private StatefulSet statefulSet(DesiredCluster d) {
        return client.apps().statefulSets().inNamespace(settings.namespace()).withName(KubernetesNames.statefulSet(d.spec())).get();
    }

    private KubernetesRuntime runtime() {
        KubernetesProperties properties = new KubernetesProperties(settings.namespace(), settings.storageClass(),
                settings.nvmeLabelKey() + "=" + settings.nvmeLabelValue(), settings.patroniImage(), settings.pgbouncerImage(),
                settings.etcdImage(), "retain", "pgfleet-leader", List.of(15), "cluster.local", null);
        return new KubernetesRuntime(controlPlane, settings, properties, new ObjectMapper(),
                new LocalProcesses(DataPlaneUser.forCurrentProcess("postgres")),
                new KubernetesEtcd(controlPlane, settings, HttpClient.newHttpClient(), new ObjectMapper(), etcd.uri()),
                databaseId -> false, clock);
    }

    private static DesiredCluster desired(Plan plan) {
        UUID id = UUID.randomUUID();
        ClusterSpec spec = new ClusterSpec(id.toString(), "shop", plan, 15);
        return new DesiredCluster(id, spec, new ClusterSecrets("su", "repl", "rest", "dcs"), "owner-pw",
                "SCRAM-SHA-256$4096:c2FsdA==$a:b", "admin-pw", "SCRAM-SHA-256$4096:c2FsdA==$c:d",
                IntStream.range(0, plan.members()).mapToObj(i -> new DesiredCluster.MemberSlot(i, KubernetesNames.podName(spec, i), 5432, 8008)).toList(),
                5432, null);
    }
}
