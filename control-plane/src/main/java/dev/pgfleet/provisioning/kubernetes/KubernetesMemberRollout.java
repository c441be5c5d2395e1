package dev.pgfleet.provisioning.kubernetes;

import dev.pgfleet.blueprint.PatroniConfig;
import dev.pgfleet.blueprint.kubernetes.KubernetesNames;
import dev.pgfleet.blueprint.kubernetes.KubernetesSettings;
import dev.pgfleet.provisioning.DesiredCluster;
import dev.pgfleet.provisioning.DisruptiveOperations;
import dev.pgfleet.provisioning.PatroniRest;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rolls a database's Patroni members onto the StatefulSet's update revision, one {@link MemberRollout} step per
 * reconcile pass (I/O). The StatefulSet's update strategy is OnDelete, so nothing restarts a member but this: it
 * reads each member pod's revision label and readiness, asks Patroni for roles, state and lag, and then either
 * waits, deletes one pod gracefully (never forced: Patroni gets its shutdown and releases the leader key), or
 * switches over with the poolers paused. Running again in the next pass is how it waits for the new pod.
 *
 * <p>The switchover is the one step of ensureMembers that waits (PAUSE at most 10 s, Patroni's answer and the
 * primary Service's move at most 60 s each): the poolers' PAUSE and RESUME must bracket it within one call.
 */
final class KubernetesMemberRollout {
    private static final Logger log = LoggerFactory.getLogger(KubernetesMemberRollout.class);
    /** The label the StatefulSet controller puts on each pod: the revision of the template it was created from. */
    static final String REVISION_LABEL = "controller-revision-hash";

    /** Patroni's /cluster as the first answering member (host:port) reports it. */
    interface PatroniView {
        Optional<List<PatroniRest.Member>> fetchCluster(List<String> addresses);
    }

    /** A planned switchover from {@code leader} to {@code candidate} with the poolers paused; returns when it is done. */
    interface SwitchoverAction {
        void perform(DesiredCluster desired, String leader, String candidate);
    }

    private final KubernetesClient client;
    private final KubernetesSettings settings;
    private final PatroniView patroni;
    private final SwitchoverAction switchover;
    private final DisruptiveOperations operations;

    KubernetesMemberRollout(KubernetesClient client, KubernetesSettings settings, PatroniView patroni, SwitchoverAction switchover,
                            DisruptiveOperations operations) {
        this.client = client;
        this.settings = settings;
        this.patroni = patroni;
        this.switchover = switchover;
        this.operations = operations;
    }

    /** Takes the one next step of the rollout and returns it; none while a drill or switchover runs. */
    MemberRollout.Step rollMembersOneStep(DesiredCluster desired) {
        String ns = settings.namespace();
        StatefulSet sts = client.apps().statefulSets().inNamespace(ns).withName(KubernetesNames.statefulSet(desired.spec())).get();
        if (sts == null) {
            return new MemberRollout.Wait("the StatefulSet does not exist yet");
        }
        String updateRevision = sts.getStatus() == null ? null : sts.getStatus().getUpdateRevision();
        List<Pod> pods = client.pods().inNamespace(ns).withLabels(KubernetesNames.selector(desired.spec(), KubernetesNames.POSTGRES_COMPONENT))
                .list().getItems();
        MemberRollout.Step step = MemberRollout.next(updateRevision, desired.spec().plan().members(), members(pods),
                PatroniConfig.MAXIMUM_LAG_ON_FAILOVER_BYTES);
        if ((step instanceof MemberRollout.DeletePod || step instanceof MemberRollout.Switchover) && operations.inProgress(desired.id())) {
            step = new MemberRollout.Wait("a drill or switchover is in progress");
        }
        if (step instanceof MemberRollout.DeletePod delete) {
            log.info("rolling {}: deleting {} to recreate it from revision {}{}", desired.spec().databaseName(), delete.pod(),
                    updateRevision, delete.withoutStandby() ? " (its only member: unavailable until the new pod is ready)" : "");
            // Graceful: the pod's terminationGracePeriodSeconds lets Patroni stop PostgreSQL cleanly.
            client.pods().inNamespace(ns).withName(delete.pod()).delete();
        } else if (step instanceof MemberRollout.Switchover s) {
            log.info("rolling {}: switching over from {} to {} before restarting the leader", desired.spec().databaseName(),
                    s.leader(), s.candidate());
            switchover.perform(desired, s.leader(), s.candidate());
        } else if (step instanceof MemberRollout.Wait w) {
            // Info, not debug: a roll that never finishes (a replica that keeps lagging) must be visible.
            log.info("rolling {}: waiting, {}", desired.spec().databaseName(), w.reason());
        }
        return step;
    }

    private List<MemberRollout.Member> members(List<Pod> pods) {
        List<String> addresses = pods.stream().filter(KubernetesMemberRollout::ready).map(p -> p.getStatus().getPodIP())
                .filter(Objects::nonNull).map(ip -> ip + ":" + KubernetesRuntime.PATRONI_PORT).sorted().toList();
        Map<String, PatroniRest.Member> reported = new HashMap<>();
        if (!addresses.isEmpty()) {
            patroni.fetchCluster(addresses).orElse(List.of()).forEach(m -> reported.put(m.name(), m));
        }
        List<MemberRollout.Member> members = new ArrayList<>();
        for (Pod pod : pods) {
            String name = pod.getMetadata().getName();
            PatroniRest.Member m = reported.get(name);
            Map<String, String> labels = Objects.requireNonNullElse(pod.getMetadata().getLabels(), Map.of());
            members.add(new MemberRollout.Member(name, labels.get(REVISION_LABEL), ready(pod),
                    m == null ? null : m.role(), m == null ? null : m.state(), m == null ? null : m.lagBytes()));
        }
        return members;
    }

    /** Ready and not being deleted (a terminating pod may still report Ready for its grace period). */
    static boolean ready(Pod pod) {
        return pod.getMetadata().getDeletionTimestamp() == null && pod.getStatus() != null && pod.getStatus().getConditions() != null
                && pod.getStatus().getConditions().stream().anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
    }
}
