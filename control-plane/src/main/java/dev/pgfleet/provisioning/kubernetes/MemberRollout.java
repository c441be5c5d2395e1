package dev.pgfleet.provisioning.kubernetes;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The next step of rolling a database's Patroni members onto a new pod template (pure). The StatefulSet's update
 * strategy is OnDelete, so Kubernetes replaces a member only when its pod is deleted; this decides which pod, and
 * when, one step per reconcile pass:
 * <ol>
 *   <li>nothing while any member is missing, not ready, not running/streaming in Patroni, or lagging more than
 *       Patroni itself would accept for a failover, or while there is not exactly one leader;</li>
 *   <li>outdated replicas first, one at a time (the next pass waits until the new pod is back and streaming);</li>
 *   <li>when only the leader is outdated, a switchover to an updated healthy replica (the synchronous standby if
 *       there is one), so the leader's restart costs a planned hand-over instead of a failover;</li>
 *   <li>the old leader, now an outdated replica, is then deleted by rule 2.</li>
 * </ol>
 * A one-member (dev) database has nobody to switch over to: its only member is deleted and the database is
 * unavailable until the new pod is ready (docs/kubernetes.md, "Safe operations").
 */
final class MemberRollout {
    static final String LEADER = "leader";

    private MemberRollout() {
    }

    /**
     * One member as the control plane sees it.
     *
     * @param pod      the pod's name, which is also the Patroni member name
     * @param revision the pod's controller-revision-hash label (null if absent)
     * @param ready    the pod is Ready and not being deleted
     * @param role     Patroni's role (leader, sync_standby, replica), null when Patroni did not report it
     * @param state    Patroni's state (running, streaming, starting, ...), null when not reported
     * @param lagBytes Patroni's replication lag, null when unknown (always for the leader)
     */
    record Member(String pod, String revision, boolean ready, String role, String state, Long lagBytes) {
        boolean leader() {
            return LEADER.equals(role);
        }

        boolean healthy() {
            return ready && ("running".equals(state) || "streaming".equals(state));
        }
    }

    /** What to do now. */
    sealed interface Step permits Done, Wait, DeletePod, Switchover {
    }

    /** Every member runs the StatefulSet's update revision. */
    record Done() implements Step {
    }

    record Wait(String reason) implements Step {
    }

    /**
     * Delete this pod (gracefully); the StatefulSet recreates it from the new template.
     *
     * @param withoutStandby true when the pod is the only member and the leader: no switchover is possible
     */
    record DeletePod(String pod, boolean withoutStandby) implements Step {
    }

    record Switchover(String leader, String candidate) implements Step {
    }

    /**
     * @param updateRevision the StatefulSet's status.updateRevision (null before the controller has set it)
     * @param desiredMembers the plan's number of members
     * @param maxLagBytes    the most a replica may lag for its neighbours to be restarted (Patroni's maximum_lag_on_failover)
     */
    static Step next(String updateRevision, int desiredMembers, List<Member> members, long maxLagBytes) {
        if (updateRevision == null || updateRevision.isBlank()) {
            return new Wait("the StatefulSet has no update revision yet");
        }
        List<Member> sorted = new ArrayList<>(members);
        sorted.sort(Comparator.comparing(Member::pod));
        List<Member> outdated = sorted.stream().filter(m -> !updateRevision.equals(m.revision())).toList();
        if (outdated.isEmpty()) {
            return new Done();
        }
        if (sorted.size() != desiredMembers) {
            return new Wait(sorted.size() + " of " + desiredMembers + " member pods exist");
        }
        for (Member m : sorted) {
            if (!m.ready()) {
                return new Wait(m.pod() + " is not ready");
            }
            if (!m.healthy()) {
                return new Wait(m.pod() + " is " + Objects.requireNonNullElse(m.state(), "not reported by Patroni"));
            }
        }
        List<Member> leaders = sorted.stream().filter(Member::leader).toList();
        if (leaders.size() != 1) {
            return new Wait(leaders.isEmpty() ? "there is no leader" : "more than one member reports itself leader");
        }
        Member leader = leaders.get(0);
        for (Member m : sorted) {
            if (!m.leader() && (m.lagBytes() == null || m.lagBytes() > maxLagBytes)) {
                return new Wait(m.pod() + " lags " + (m.lagBytes() == null ? "an unknown amount" : m.lagBytes() + " bytes"));
            }
        }
        // Asynchronous replicas before the synchronous standby: deleting the standby first makes Patroni move the
        // sync role to a replica that is deleted next, two commit stalls instead of one.
        Optional<Member> replica = outdated.stream().filter(m -> !m.leader())
                .min(Comparator.comparing((Member m) -> "sync_standby".equals(m.role())).thenComparing(Member::pod));
        if (replica.isPresent()) {
            return new DeletePod(replica.get().pod(), false);
        }
        if (sorted.size() == 1) {
            return new DeletePod(leader.pod(), true);
        }
        // Every other member is updated and healthy (checked above): prefer the synchronous standby, then the least lag.
        Member candidate = sorted.stream().filter(m -> !m.leader())
                .min(Comparator.comparing((Member m) -> !"sync_standby".equals(m.role()))
                        .thenComparing(Member::lagBytes).thenComparing(Member::pod))
                .orElseThrow();
        return new Switchover(leader.pod(), candidate.pod());
    }
}
