package dev.pgfleet.provisioning.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgfleet.blueprint.ClusterSecrets;
import dev.pgfleet.blueprint.ClusterSpec;
import dev.pgfleet.blueprint.Plan;
import dev.pgfleet.blueprint.kubernetes.KubernetesBlueprint;
import dev.pgfleet.blueprint.kubernetes.KubernetesNames;
import dev.pgfleet.blueprint.kubernetes.KubernetesSettings;
import dev.pgfleet.provisioning.DesiredCluster;
import dev.pgfleet.provisioning.PatroniRest;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import dev.pgfleet.testsupport.kubernetes.ApiRequest;
import dev.pgfleet.testsupport.kubernetes.RbacCheckedMockServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * The rollout's I/O against fabric8's mock API server in CRUD mode. The test plays the cluster: it sets the
 * StatefulSet's status.updateRevision and each pod's controller-revision-hash label and readiness as the
 * StatefulSet controller and kubelet would, recreates deleted pods from the new revision, and answers for Patroni
 * (roles, state, lag) through the rollout's Patroni port; the switchover is recorded at its port (the real one,
 * KubernetesFailoverOperations.switchoverWithPoolersPaused, needs running poolers and Patroni).
 */
class KubernetesMemberRolloutMockTest {
    private static final String OLD = "rev-old";
    private static final String NEW = "rev-new";

    private RbacCheckedMockServer api;
    /** The test's own client, playing the StatefulSet controller and kubelet; the rollout uses {@link #controlPlane}. */
    private KubernetesClient client;
    private KubernetesClient controlPlane;

    @BeforeEach
    void startMockServer() {
        api = RbacCheckedMockServer.start();
        client = api.cluster();
        controlPlane = api.controlPlane();
    }

    /** Every request of the rollout is one the chart's RBAC allows. */
    @AfterEach
    void everyRequestOfTheRolloutIsOneTheChartAllows() {
        api.closeAndAssertAllowed(settings);
    }

    private final KubernetesSettings settings = KubernetesSettings.defaults();
    /** What Patroni reports, by member name: role, state, lag. */
    private final Map<String, PatroniRest.Member> patroni = new TreeMap<>();
    private final List<String> switchovers = new ArrayList<>();
    /** Whether a drill or switchover of the database is under way (the drills' ledger, DisruptiveOperations). */
    private volatile boolean drillRunning;

    private DesiredCluster desired(Plan plan) {
        UUID id = UUID.randomUUID();
        ClusterSpec spec = new ClusterSpec(id.toString(), "shop", plan, 15);
        return new DesiredCluster(id, spec, new ClusterSecrets("su", "repl", "rest", "dcs"), "owner-pw",
                "SCRAM-SHA-256$4096:c2FsdA==$a:b", "admin-pw", "SCRAM-SHA-256$4096:c2FsdA==$c:d",
                IntStream.range(0, plan.members()).mapToObj(i -> new DesiredCluster.MemberSlot(i, KubernetesNames.podName(spec, i), 5432, 8008)).toList(),
                5432, null);
    }

    private KubernetesMemberRollout rollout() {
        return new KubernetesMemberRollout(controlPlane, settings, addresses -> Optional.of(List.copyOf(patroni.values())),
                (desired, leader, candidate) -> {
                    switchovers.add(leader + "->" + candidate);
                    // Patroni hands over: the candidate leads, the old leader follows.
                    report(candidate, "leader", "running", null);
                    report(leader, "replica", "streaming", 0L);
                }, databaseId -> drillRunning);
    }

    @Test
    void rollsReplicasFirstOneAtATimeThenSwitchesOverThenRestartsTheOldLeader() throws Exception {
        DesiredCluster ha = desired(Plan.HA);
        String m0 = pod(ha, 0);
        String m1 = pod(ha, 1);
        String m2 = pod(ha, 2);
        createStatefulSet(ha, NEW);
        createPod(ha, m0, OLD, true);
        createPod(ha, m1, OLD, true);
        createPod(ha, m2, OLD, true);
        report(m0, "leader", "running", null);
        report(m1, "sync_standby", "streaming", 0L);
        report(m2, "replica", "streaming", 0L);
        KubernetesMemberRollout rollout = rollout();

        // While a drill or switchover runs, the rollout takes no step: nothing is deleted.
        drillRunning = true;
        assertThat(rollout.rollMembersOneStep(ha)).isEqualTo(new MemberRollout.Wait("a drill or switchover is in progress"));
        assertThat(api.dispatcher().requests()).noneMatch(r -> r.method().equals("DELETE"));
        drillRunning = false;

        assertThat(rollout.rollMembersOneStep(ha)).isEqualTo(new MemberRollout.DeletePod(m2, false));
        List<ApiRequest> deletes = api.dispatcher().requests().stream().filter(r -> r.method().equals("DELETE")).toList();
        assertThat(deletes).singleElement().satisfies(delete -> {
            assertThat(delete.path()).endsWith("/pods/" + m2);
            // Graceful: no zero grace period, so Patroni stops PostgreSQL cleanly.
            assertThat(delete.body()).doesNotContain("\"gracePeriodSeconds\":0");
        });
        assertThat(podNames()).containsExactlyInAnyOrder(m0, m1);

        // The StatefulSet recreates it from the new revision; until it is ready and streaming, nothing else moves.
        createPod(ha, m2, NEW, false);
        patroni.remove(m2);
        assertThat(rollout.rollMembersOneStep(ha)).isEqualTo(new MemberRollout.Wait(m2 + " is not ready"));
        setReady(m2);
        report(m2, "replica", "streaming", 5L << 20);
        assertThat(rollout.rollMembersOneStep(ha)).isEqualTo(new MemberRollout.Wait(m2 + " lags " + (5L << 20) + " bytes"));
        assertThat(podNames()).containsExactlyInAnyOrder(m0, m2, m1);
        report(m2, "replica", "streaming", 0L);

        // The synchronous standby goes last of the replicas.
        assertThat(rollout.rollMembersOneStep(ha)).isEqualTo(new MemberRollout.DeletePod(m1, false));
        createPod(ha, m1, NEW, true);
        report(m1, "sync_standby", "streaming", 0L);

        // Only the leader is outdated: a switchover to the updated synchronous standby, and no pod deleted.
        assertThat(rollout.rollMembersOneStep(ha)).isEqualTo(new MemberRollout.Switchover(m0, m1));
        assertThat(switchovers).containsExactly(m0 + "->" + m1);
        assertThat(podNames()).containsExactlyInAnyOrder(m0, m1, m2);

        // The old leader is now an outdated replica.
        assertThat(rollout.rollMembersOneStep(ha)).isEqualTo(new MemberRollout.DeletePod(m0, false));
        assertThat(podNames()).containsExactlyInAnyOrder(m1, m2);
        createPod(ha, m0, NEW, true);
        assertThat(rollout.rollMembersOneStep(ha)).isEqualTo(new MemberRollout.Done());
        assertThat(switchovers).hasSize(1);
    }

    @Test
    void aDevDatabasesOnlyMemberIsDeletedWithoutASwitchover() {
        DesiredCluster dev = desired(Plan.DEV);
        String m0 = pod(dev, 0);
        createStatefulSet(dev, NEW);
        createPod(dev, m0, OLD, true);
        report(m0, "leader", "running", null);

        assertThat(rollout().rollMembersOneStep(dev)).isEqualTo(new MemberRollout.DeletePod(m0, true));
        assertThat(podNames()).isEmpty();
        assertThat(switchovers).isEmpty();
    }

    @Test
    void beforeTheControllerSetsAnUpdateRevisionNothingIsDeleted() {
        DesiredCluster ha = desired(Plan.HA);
        createStatefulSet(ha, null);
        for (int i = 0; i < 3; i++) {
            createPod(ha, pod(ha, i), OLD, true);
        }
        assertThat(rollout().rollMembersOneStep(ha)).isInstanceOf(MemberRollout.Wait.class);
        assertThat(podNames()).hasSize(3);
    }

    private static String pod(DesiredCluster d, int ordinal) {
        return KubernetesNames.podName(d.spec(), ordinal);
    }

    private void report(String member, String role, String state, Long lag) {
        patroni.put(member, new PatroniRest.Member(member, role, state, lag));
    }

    private List<String> podNames() {
        return client.pods().inNamespace(settings.namespace()).list().getItems().stream().map(p -> p.getMetadata().getName()).toList();
    }

    private void createStatefulSet(DesiredCluster d, String updateRevision) {
        StatefulSet sts = KubernetesBlueprint.databaseObjects(d.spec(), settings, KubernetesSecrets.of(d), "root-uid").stream()
                .filter(StatefulSet.class::isInstance).map(StatefulSet.class::cast).findFirst().orElseThrow();
        client.apps().statefulSets().inNamespace(settings.namespace()).resource(new StatefulSetBuilder(sts)
                .withNewStatus().withUpdateRevision(updateRevision).withCurrentRevision(OLD).withReplicas(d.spec().plan().members())
                .endStatus().build()).create();
    }

    private void createPod(DesiredCluster d, String name, String revision, boolean ready) {
        Map<String, String> labels = new HashMap<>(KubernetesNames.selector(d.spec(), KubernetesNames.POSTGRES_COMPONENT));
        labels.put(KubernetesMemberRollout.REVISION_LABEL, revision);
        Pod pod = new PodBuilder().withNewMetadata().withName(name).withLabels(labels).endMetadata()
                .withNewStatus().withPhase("Running").withPodIP("10.1.0." + (Math.abs(name.hashCode()) % 200 + 1))
                .addNewCondition().withType("Ready").withStatus(ready ? "True" : "False").endCondition().endStatus().build();
        client.pods().inNamespace(settings.namespace()).resource(pod).create();
    }

    private void setReady(String name) {
        client.pods().inNamespace(settings.namespace()).withName(name).edit(p -> new PodBuilder(p).editStatus()
                .withConditions(List.of(new io.fabric8.kubernetes.api.model.PodConditionBuilder().withType("Ready").withStatus("True").build()))
                .endStatus().build());
    }
}
