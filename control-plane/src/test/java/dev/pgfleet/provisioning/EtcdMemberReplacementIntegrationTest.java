package dev.pgfleet.provisioning;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pgfleet.blueprint.kubernetes.EtcdMemberState;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A shared-etcd member that lost its volume comes back, against three real etcd processes started through the
 * image's pgfleet-etcd-member script: it refuses to start while it has not been re-added, EtcdMembership (the code
 * the control plane runs) removes its stale entry and adds it again, and with its join key it starts as
 * {@code existing}, becomes a healthy member and serves the data written before the loss.
 */
@Tag("integration")
class EtcdMemberReplacementIntegrationTest {
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final ObjectMapper json = new ObjectMapper();
    private TestEtcdCluster cluster;

    @BeforeEach
    void startCluster() throws Exception {
        cluster = new TestEtcdCluster(List.of("pgfleet-etcd-0", "pgfleet-etcd-1", "pgfleet-etcd-2"));
        cluster.startAll();
    }

    @AfterEach
    void stopCluster() throws Exception {
        cluster.close();
    }

    private EtcdClient client(int member) {
        return new EtcdClient(http, json, cluster.clientUri(member), () -> "unused: authentication is off");
    }

    @Test
    void aMemberWhoseDataDirWasWipedIsReplacedAndServesTheDataAgain() throws Exception {
        client(0).put("/pgfleet/shop/leader", "shop-0");
        // The control plane's word once the cluster has formed (the members ConfigMap).
        Files.writeString(cluster.stateDir().resolve(EtcdMemberState.CLUSTER_STATE_KEY), EtcdMemberState.EXISTING);
        EtcdMembership membership = new EtcdMembership(client(0));
        String oldId = membership.listMembers().stream().filter(m -> m.name().equals("pgfleet-etcd-2")).findFirst().orElseThrow().id();

        cluster.stop(2);
        cluster.wipeDataDir(2);
        // Not re-added yet: the member does not start blind (with `new` it could never join, with `existing` under its
        // old identity etcd would refuse it), and says why in its termination message.
        Process refused = cluster.start(2);
        assertThat(refused.waitFor(20, TimeUnit.SECONDS)).isTrue();
        assertThat(refused.exitValue()).isEqualTo(75);
        assertThat(Files.readString(cluster.terminationLog(2))).contains(EtcdMemberState.EMPTY_DATA_DIR);

        String newId = replaceAsTheControlPlaneDoes(membership, "pgfleet-etcd-2", cluster.peerUrl(2));
        assertThat(newId).isNotEqualTo(oldId);
        assertThat(membership.replaceMember("pgfleet-etcd-2", cluster.peerUrl(2))).as("idempotent").isEqualTo(newId);
        assertThat(membership.listMembers()).hasSize(3).anySatisfy(m -> {
            assertThat(m.id()).isEqualTo(newId);
            assertThat(m.started()).isFalse();
            assertThat(m.peerUrls()).containsExactly(cluster.peerUrl(2));
        }).noneSatisfy(m -> assertThat(m.id()).isEqualTo(oldId));

        Files.writeString(cluster.stateDir().resolve("pgfleet-etcd-2"), EtcdMemberState.JOIN);
        // What a first join that failed (peers unreachable) leaves behind: a backend file and no WAL. It is not data:
        // the member still joins as re-added, instead of starting under an identity nobody knows.
        Files.createDirectories(cluster.dataDir(2).resolve("member").resolve("snap"));
        Files.writeString(cluster.dataDir(2).resolve("member").resolve("snap").resolve("db"), "");
        cluster.start(2);
        cluster.awaitHealthy(2, Duration.ofSeconds(30));

        assertThat(membership.listMembers()).extracting(EtcdMembership.Member::name)
                .containsExactlyInAnyOrder("pgfleet-etcd-0", "pgfleet-etcd-1", "pgfleet-etcd-2");
        assertThat(client(2).get("/pgfleet/shop/leader")).as("the data, through the replaced member").hasValue("shop-0");
        client(2).put("/pgfleet/shop/leader", "shop-1");
        assertThat(client(1).get("/pgfleet/shop/leader")).hasValue("shop-1");
        assertThat(cluster.log(2)).contains("existing");
    }

    /** etcd, not pgfleet, refuses a removal that could cost the quorum; nothing changes. */
    @Test
    void etcdRefusesToRemoveAMemberWhenTheOthersAreNotAQuorumWithoutIt() throws Exception {
        EtcdMembership membership = new EtcdMembership(client(0));
        Thread.sleep(6000); // past etcd's health interval, so the refusal below is about the quorum, not the cluster's youth
        cluster.stop(1);
        assertThatThrownBy(() -> membership.replaceMember("pgfleet-etcd-2", cluster.peerUrl(2)))
                .hasMessageContaining("unhealthy cluster");
        assertThat(membership.listMembers()).extracting(EtcdMembership.Member::name)
                .containsExactlyInAnyOrder("pgfleet-etcd-0", "pgfleet-etcd-1", "pgfleet-etcd-2");
    }

    /**
     * The control plane calls replaceMember once per reconcile pass until it succeeds; etcd answers "unhealthy
     * cluster" while its members have not been connected for its health interval (5 s), as right after the start.
     */
    private static String replaceAsTheControlPlaneDoes(EtcdMembership membership, String name, String peerUrl) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            try {
                return membership.replaceMember(name, peerUrl);
            } catch (EtcdClient.EtcdException e) {
                if (!e.says("unhealthy cluster") || System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(500);
            }
        }
    }
}
