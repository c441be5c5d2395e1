package dev.pgfleet.provisioning.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pgfleet.blueprint.ClusterSecrets;
import dev.pgfleet.blueprint.ClusterSpec;
import dev.pgfleet.blueprint.Plan;
import dev.pgfleet.blueprint.kubernetes.KubernetesNames;
import dev.pgfleet.blueprint.kubernetes.KubernetesSettings;
import dev.pgfleet.provisioning.DesiredCluster;
import dev.pgfleet.system.process.DataPlaneUser;
import dev.pgfleet.system.process.LocalProcesses;
import dev.pgfleet.testsupport.kubernetes.RbacCheckedMockServer;
import dev.pgfleet.testsupport.kubernetes.RecordingDispatcher;
import io.fabric8.kubernetes.api.model.Endpoints;
import io.fabric8.kubernetes.api.model.EndpointsBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.StatusStreamMessage;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.Response;
import io.fabric8.mockwebserver.http.WebSocket;
import io.fabric8.mockwebserver.http.WebSocketListener;
import dev.pgfleet.blueprint.kubernetes.MemberCrash;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Drill operations against fabric8's mock API server in CRUD mode: the kill inside the leader's pod, and following the primary
 * Service. Every request of the operations is checked against the chart's RBAC after each test.
 */
@Tag("integration")
class KubernetesFailoverOperationsIntegrationTest {
    /** The exit status the exec websocket (pods/exec) answers with, as the kubelet relays the command's. */
    private volatile int execExitCode;
    private final RecordingDispatcher dispatcher = new RecordingDispatcher() {
        @Override
        public MockResponse handleGet(String path) {
            return path.contains("/exec?") ? execAnswer(execExitCode) : super.handleGet(path);
        }
    };
    private RbacCheckedMockServer api;
    /** The test's own client, playing the cluster (pods, Endpoints); the operations use {@link #controlPlane}. */
    private KubernetesClient client;
    private KubernetesClient controlPlane;

    @BeforeEach
    void startMockServer() {
        api = RbacCheckedMockServer.start(dispatcher);
        client = api.cluster();
        controlPlane = api.controlPlane();
    }

    @AfterEach
    void everyRequestOfTheOperationsIsOneTheChartAllows() {
        api.closeAndAssertAllowed(settings);
    }

    private final KubernetesSettings settings = KubernetesSettings.defaults();
    private final UUID id = UUID.randomUUID();
    private final ClusterSpec spec = new ClusterSpec(id.toString(), "shop", Plan.HA, 15);
    private final DesiredCluster desired = new DesiredCluster(id, spec, new ClusterSecrets("su", "repl", "rest", "dcs"), "owner-pw",
            "SCRAM-SHA-256$4096:c2FsdA==$a:b", "admin-pw", "SCRAM-SHA-256$4096:c2FsdA==$c:d",
            IntStream.range(0, 3).mapToObj(i -> new DesiredCluster.MemberSlot(i, KubernetesNames.podName(spec, i), 5432, 8008)).toList(),
            5432, null);

    /**
     * kill-primary freezes the leader inside its pod and then SIGKILLs it there, two execs of MemberCrash's commands in
     * the leader pod's container, and deletes no pod; the execs are among the requests checked against the chart
     * (create on pods/exec). What the commands do to real processes: MemberCrashContainerTest.
     */
    @Test
    void killPrimaryFreezesThenKillsInsideTheLeadersContainerAndDeletesNoPod() {
        for (int i = 0; i < 3; i++) {
            client.pods().inNamespace(settings.namespace()).resource(memberPod(KubernetesNames.podName(spec, i), 0)).create();
        }
        String leader = KubernetesNames.podName(spec, 1);

        operations().freezeMember(desired, leader);
        assertThat(dispatcher.requests()).anySatisfy(r -> assertThat(r.path()).isEqualTo(execPath(leader, MemberCrash.freeze())));
        assertThat(dispatcher.requests()).noneSatisfy(r -> assertThat(r.path()).isEqualTo(execPath(leader, MemberCrash.crash())));

        operations().crashFrozenMember(desired, leader);
        assertThat(dispatcher.requests()).anySatisfy(r -> assertThat(r.path()).isEqualTo(execPath(leader, MemberCrash.crash())));
        assertThat(client.pods().inNamespace(settings.namespace()).list().getItems()).hasSize(3);
    }

    /** A container restarted since the freeze (watchdog, liveness probe) runs new processes: they are not killed. */
    @Test
    void aMemberRestartedSinceItsFreezeIsNotKilledAgain() {
        String leader = KubernetesNames.podName(spec, 0);
        client.pods().inNamespace(settings.namespace()).resource(memberPod(leader, 0)).create();
        KubernetesFailoverOperations operations = operations();
        operations.freezeMember(desired, leader);
        client.pods().inNamespace(settings.namespace()).withName(leader).edit(p -> new PodBuilder(p).editStatus()
                .editFirstContainerStatus().withRestartCount(1).endContainerStatus().endStatus().build());

        operations.crashFrozenMember(desired, leader);

        assertThat(dispatcher.requests()).noneSatisfy(r -> assertThat(r.path()).isEqualTo(execPath(leader, MemberCrash.crash())));
    }

    @Test
    void aKillThatCannotRunIsAnError() {
        String leader = KubernetesNames.podName(spec, 0);
        client.pods().inNamespace(settings.namespace()).resource(memberPod(leader, 0)).create();
        execExitCode = 127;

        assertThatThrownBy(() -> operations().freezeMember(desired, leader)).hasMessageContaining("status 127");
        assertThatThrownBy(() -> operations().crashFrozenMember(desired, leader)).hasMessageContaining("status 127");
    }

    private static io.fabric8.kubernetes.api.model.Pod memberPod(String name, int restarts) {
        return new PodBuilder().withNewMetadata().withName(name).endMetadata()
                .withNewSpec().addNewContainer().withName(MemberCrash.CONTAINER).endContainer().endSpec()
                .withNewStatus().withPhase("Running").addNewCondition().withType("Ready").withStatus("True").endCondition()
                .addNewContainerStatus().withName(MemberCrash.CONTAINER).withRestartCount(restarts).withReady(true).endContainerStatus()
                .endStatus()
                .build();
    }

    private String execPath(String pod, List<String> argv) {
        StringBuilder path = new StringBuilder("/api/v1/namespaces/" + settings.namespace() + "/pods/" + pod + "/exec?");
        for (String arg : argv) {
            path.append("command=").append(URLEncoder.encode(arg, StandardCharsets.UTF_8).replace("+", "%20")).append('&');
        }
        return path.append("container=").append(MemberCrash.CONTAINER).append("&stderr=true").toString();
    }

    /** The exec websocket: the command's exit status on the status channel, then close. */
    private static MockResponse execAnswer(int exitCode) {
        return new MockResponse().withWebSocketUpgrade(new WebSocketListener() {
            @Override
            public void onOpen(WebSocket webSocket, Response response) {
                webSocket.send(new StatusStreamMessage(exitCode).getBytes());
                webSocket.close(1000, "");
            }
        });
    }

    @Test
    void thePoolerCountsAsPointedOnceThePrimaryServiceSelectsOnlyTheNewLeader() {
        String newLeader = KubernetesNames.podName(spec, 2);
        client.endpoints().inNamespace(settings.namespace()).resource(endpoints(KubernetesNames.podName(spec, 0))).create();
        KubernetesFailoverOperations ops = operations();

        assertThatThrownBy(() -> ops.awaitPrimaryServiceOn(desired, newLeader, Duration.ofMillis(300)))
                .hasMessageContaining("did not select " + newLeader);

        client.endpoints().inNamespace(settings.namespace()).resource(endpoints(newLeader)).update();
        ops.awaitPrimaryServiceOn(desired, newLeader, Duration.ofSeconds(5));
    }

    @Test
    void endpointsHoldingTwoPodsAreNotYetSwitched() {
        Endpoints both = new EndpointsBuilder().withNewMetadata().withName("x").endMetadata().addNewSubset()
                .addNewAddress().withIp("10.0.0.1").withNewTargetRef().withName("a").endTargetRef().endAddress()
                .addNewAddress().withIp("10.0.0.2").withNewTargetRef().withName("b").endTargetRef().endAddress().endSubset().build();

        assertThat(KubernetesFailoverOperations.targetsOnly(both, "b")).isFalse();
        assertThat(KubernetesFailoverOperations.targetsOnly(null, "b")).isFalse();
    }

    @Test
    void patroniIsReachedThroughTheMembersStableDnsName() {
        assertThat(operations().patroniAddress(desired, KubernetesNames.podName(spec, 1)))
                .isEqualTo(KubernetesNames.memberHost(spec, 1, settings) + ":8008");
    }

    @Test
    void poolerFiguresComeFromRunningPoolerPodsOnlyAndAFailureIsNotReportedAsZeros() {
        KubernetesFailoverOperations ops = operations();
        assertThatThrownBy(() -> ops.fetchPoolerStats(desired)).hasMessageContaining("no running pooler pod");

        // A pending pod is not asked; a running one whose console refuses (nothing of ours listens here) is an error.
        client.pods().inNamespace(settings.namespace()).resource(poolerPod("pooler-a", "Pending", null)).create();
        assertThatThrownBy(() -> ops.fetchPoolerStats(desired)).hasMessageContaining("no running pooler pod");
        client.pods().inNamespace(settings.namespace()).resource(poolerPod("pooler-b", "Running", "127.0.0.1")).create();
        assertThatThrownBy(() -> ops.fetchPoolerStats(desired)).hasMessageContaining("psql");
    }

    private io.fabric8.kubernetes.api.model.Pod poolerPod(String name, String phase, String ip) {
        return new PodBuilder().withNewMetadata().withName(name)
                .withLabels(KubernetesNames.selector(spec, KubernetesNames.POOLER_COMPONENT)).endMetadata()
                .withNewStatus().withPhase(phase).withPodIP(ip).endStatus().build();
    }

    private KubernetesFailoverOperations operations() {
        return new KubernetesFailoverOperations(controlPlane, settings, new dev.pgfleet.provisioning.PgBouncerConsole(new LocalProcesses(DataPlaneUser.forCurrentProcess("postgres"))));
    }

    private Endpoints endpoints(String pod) {
        return new EndpointsBuilder().withNewMetadata().withName(KubernetesNames.primaryService(spec)).endMetadata().addNewSubset()
                .addNewAddress().withIp("10.0.0.9").withNewTargetRef().withKind("Pod").withName(pod).endTargetRef().endAddress()
                .addNewPort().withPort(5432).endPort().endSubset().build();
    }
}
