package dev.pgfleet.provisioning.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pgfleet.blueprint.kubernetes.EtcdMemberState;
import dev.pgfleet.blueprint.kubernetes.KubernetesNames;
import dev.pgfleet.blueprint.kubernetes.KubernetesSettings;
import dev.pgfleet.provisioning.EtcdClient;
import dev.pgfleet.provisioning.EtcdMembership;
import dev.pgfleet.provisioning.TestEtcdCluster;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import dev.pgfleet.testsupport.kubernetes.RbacCheckedMockServer;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.net.http.HttpClient;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The Kubernetes side of replacing a shared-etcd member: fabric8's mock API server in CRUD mode (the test sets
 * the pods' container statuses as the kubelet would) and a real three-member etcd on loopback, named like the
 * shared etcd's pods. What the re-added member then does is EtcdMemberReplacementIntegrationTest's part (here it
 * cannot join: it is added with its in-cluster peer URL).
 */
@Tag("integration")
class KubernetesEtcdMembersIntegrationTest {
    private static final String LOST_MESSAGE = "pgfleet-etcd-member: empty data dir: pgfleet-etcd-2 waits to be re-added to the existing cluster\n";
    private final KubernetesSettings settings = KubernetesSettings.defaults();
    private final HttpClient http = HttpClient.newHttpClient();
    private final ObjectMapper json = new ObjectMapper();
    private RbacCheckedMockServer api;
    /** The test's own client, playing the kubelet (pod statuses); the control plane's requests go through {@link #controlPlaneClient}. */
    private KubernetesClient client;
    private KubernetesClient controlPlaneClient;
    private TestEtcdCluster etcd;

    @BeforeEach
    void start() throws Exception {
        api = RbacCheckedMockServer.start();
        client = api.cluster();
        controlPlaneClient = api.controlPlane();
        etcd = new TestEtcdCluster(IntStream.range(0, 3).mapToObj(KubernetesNames::etcdPodName).toList()).startAll();
    }

    /** Every request of the control plane is one the chart's RBAC allows. */
    @AfterEach
    void stop() throws Exception {
        etcd.close();
        api.closeAndAssertAllowed(settings);
    }

    private KubernetesEtcd controlPlane() {
        return new KubernetesEtcd(controlPlaneClient, settings, http, json, etcd.clientUri(0));
    }

    private EtcdMembership membership() {
        return new EtcdMembership(new EtcdClient(http, json, etcd.clientUri(0), () -> "unused"));
    }

    private Map<String, String> state() {
        var cm = client.configMaps().inNamespace(settings.namespace()).withName(KubernetesNames.etcdMembersConfigMap()).get();
        return cm == null ? null : cm.getData();
    }

    @Test
    void aMemberPodThatLostItsDataIsReAddedAndLetInAndOnlyThen() throws Exception {
        for (int i = 0; i < 3; i++) {
            client.pods().inNamespace(settings.namespace()).resource(pod(KubernetesNames.etcdPodName(i), running())).create();
        }
        KubernetesEtcd controlPlane = controlPlane();

        // Formed: from now on members without data must wait to be re-added.
        controlPlane.replaceLostMembers();
        assertThat(state()).isEqualTo(Map.of("cluster-state", "existing"));
        String oldId = membership().listMembers().stream().filter(m -> m.name().equals("pgfleet-etcd-2")).findFirst().orElseThrow().id();

        // pgfleet-etcd-2 lost its volume: its container exits with the script's message and waits in back-off.
        etcd.stop(2);
        etcd.wipeDataDir(2);
        client.pods().inNamespace(settings.namespace()).resource(pod("pgfleet-etcd-2", crashLooping())).update();
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (!"join".equals(state().get("pgfleet-etcd-2")) && System.nanoTime() < deadline) {
            controlPlane.replaceLostMembers(); // etcd refuses changes for its first seconds ("unhealthy cluster"); the next pass retries
            Thread.sleep(500);
        }
        assertThat(state()).isEqualTo(Map.of("cluster-state", "existing", "pgfleet-etcd-2", "join"));
        List<EtcdMembership.Member> members = membership().listMembers();
        assertThat(members).hasSize(3).noneSatisfy(m -> assertThat(m.id()).isEqualTo(oldId));
        assertThat(members).filteredOn(m -> !m.started()).singleElement()
                .satisfies(m -> assertThat(m.peerUrls()).containsExactly(EtcdMemberState.peerUrl(2, settings)));

        // Another pass changes nothing: the member is re-added once, not again while it waits for the kubelet.
        controlPlane.replaceLostMembers();
        assertThat(membership().listMembers()).extracting(EtcdMembership.Member::id).containsExactlyInAnyOrderElementsOf(
                members.stream().map(EtcdMembership.Member::id).toList());
    }

    @Test
    void aJoinKeyIsDroppedOnceTheMemberHasStartedAndAPodRunningAgainIsLeftAlone() throws Exception {
        client.configMaps().inNamespace(settings.namespace()).resource(new ConfigMapBuilder().withNewMetadata()
                .withName(KubernetesNames.etcdMembersConfigMap()).endMetadata()
                .withData(Map.of("cluster-state", "existing", "pgfleet-etcd-1", "join")).build()).create();
        List<String> before = membership().listMembers().stream().map(EtcdMembership.Member::id).toList();

        // etcd lists the member as started a second or two before the kubelet's status stops showing the "empty data
        // dir" exit: meanwhile the join key stays, and the stale status is not taken for a new loss (the member that
        // just joined is not removed), however many passes run.
        client.pods().inNamespace(settings.namespace()).resource(pod("pgfleet-etcd-1", crashLooping())).create();
        controlPlane().replaceLostMembers();
        controlPlane().replaceLostMembers();
        assertThat(state()).isEqualTo(Map.of("cluster-state", "existing", "pgfleet-etcd-1", "join"));
        assertThat(membership().listMembers()).extracting(EtcdMembership.Member::id).containsExactlyInAnyOrderElementsOf(before);

        // Running again: its last termination (the empty data dir) is history.
        client.pods().inNamespace(settings.namespace()).withName("pgfleet-etcd-1").edit(p -> new PodBuilder(p).editStatus()
                .withContainerStatuses(new ContainerStatusBuilder(crashLooping()).withNewState().withNewRunning().endRunning().endState()
                        .build()).endStatus().build());

        controlPlane().replaceLostMembers();

        assertThat(state()).isEqualTo(Map.of("cluster-state", "existing"));
        assertThat(membership().listMembers()).extracting(EtcdMembership.Member::id).containsExactlyInAnyOrderElementsOf(before);
    }

    /** Two of three members started: a working cluster, not yet formed, where a member without data must start new. */
    @Test
    void whileTheClusterFormsNothingIsWritten() throws Exception {
        etcd.close();
        etcd = new TestEtcdCluster(IntStream.range(0, 3).mapToObj(KubernetesNames::etcdPodName).toList());
        etcd.start(0);
        etcd.start(1);
        etcd.awaitHealthy(0, java.time.Duration.ofSeconds(30));
        etcd.awaitHealthy(1, java.time.Duration.ofSeconds(30)); // and has published its name to the member list
        assertThat(membership().listMembers()).filteredOn(EtcdMembership.Member::started).hasSize(2);

        controlPlane().replaceLostMembers();

        assertThat(state()).isNull();
    }

    private Pod pod(String name, ContainerStatus status) {
        return new PodBuilder().withNewMetadata().withName(name).withNamespace(settings.namespace())
                .withLabels(KubernetesNames.etcdLabels()).endMetadata()
                .withNewStatus().withContainerStatuses(status).endStatus().build();
    }

    private static ContainerStatus running() {
        return new ContainerStatusBuilder().withName("etcd").withNewState().withNewRunning().endRunning().endState().build();
    }

    private static ContainerStatus crashLooping() {
        return new ContainerStatusBuilder().withName("etcd").withRestartCount(3)
                .withNewState().withNewWaiting().withReason("CrashLoopBackOff").endWaiting().endState()
                .withNewLastState().withNewTerminated().withExitCode(75).withMessage(LOST_MESSAGE).endTerminated().endLastState()
                .build();
    }
}
