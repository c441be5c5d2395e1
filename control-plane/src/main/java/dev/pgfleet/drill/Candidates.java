package dev.pgfleet.drill;

import dev.pgfleet.blueprint.Plan;
import dev.pgfleet.provisioning.ClusterObservation;
import java.util.Comparator;
import java.util.Objects;
import java.util.Optional;

/** Pure: which member takes over in a switchover. */
final class Candidates {
    private Candidates() {
    }

    /** The chosen member, or why none can be. */
    record Choice(String member, String refusal) {
        static Choice of(String member) {
            return new Choice(member, null);
        }

        static Choice refused(String why) {
            return new Choice(null, why);
        }
    }

    /**
     * With synchronous mode only the synchronous standby can take over without losing an acknowledged commit (and
     * Patroni allows no other); otherwise the healthy replica with the least lag. A requested candidate must be
     * that kind of member.
     */
    static Choice choose(Plan plan, ClusterObservation obs, String requested, String leader) {
        Optional<ClusterObservation.MemberObservation> sync = obs.members().stream()
                .filter(m -> "sync_standby".equals(m.role()) && m.healthy()).findFirst();
        if (requested != null) {
            Optional<ClusterObservation.MemberObservation> m = obs.members().stream().filter(x -> x.name().equals(requested)).findFirst();
            if (m.isEmpty()) {
                return Choice.refused("'" + requested + "' is not a member of this database; its members are "
                        + String.join(", ", obs.members().stream().map(ClusterObservation.MemberObservation::name).toList()) + ".");
            }
            if (requested.equals(leader)) {
                return Choice.refused(requested + " is already the leader.");
            }
            if (!m.get().healthy()) {
                return Choice.refused(requested + " is not a healthy replica (" + m.get().state() + ").");
            }
            if (plan.synchronous() && sync.map(s -> !s.name().equals(requested)).orElse(true)) {
                return Choice.refused("In synchronous mode only the synchronous standby" + sync.map(s -> " (" + s.name() + ")").orElse("")
                        + " can take over without losing acknowledged commits; " + requested + " is an asynchronous replica.");
            }
            return Choice.of(requested);
        }
        if (plan.synchronous()) {
            return sync.map(s -> Choice.of(s.name())).orElse(Choice.refused("There is no healthy synchronous standby to take over."));
        }
        return obs.members().stream().filter(m -> !m.name().equals(leader) && m.healthy())
                .min(Comparator.comparing(m -> Objects.requireNonNullElse(m.lagBytes(), Long.MAX_VALUE)))
                .map(m -> Choice.of(m.name())).orElse(Choice.refused("There is no healthy replica to take over."));
    }
}
