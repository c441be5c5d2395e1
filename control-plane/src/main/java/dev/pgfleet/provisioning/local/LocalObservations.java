package dev.pgfleet.provisioning.local;

import dev.pgfleet.provisioning.ClusterObservation;
import dev.pgfleet.provisioning.DesiredCluster;
import dev.pgfleet.provisioning.PatroniRest;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.stereotype.Component;

/**
 * What a local database's data plane is doing (I/O): Patroni's view of its members through their REST APIs, which of
 * their processes run, and the member the pooler has loaded as its target.
 */
@Component
@ConditionalOnProperty(name = "pgfleet.runtime", havingValue = "local", matchIfMissing = true)
class LocalObservations {
    private static final Logger log = LoggerFactory.getLogger(LocalObservations.class);

    private final String host;
    private final PatroniRest rest;
    private final PatroniMembers members;
    private final PgBouncerPooler pooler;

    LocalObservations(LocalRuntimeProperties settings, PatroniRest localPatroniRest, PatroniMembers members, PgBouncerPooler pooler) {
        this.host = settings.advertiseHost();
        this.rest = localPatroniRest;
        this.members = members;
        this.pooler = pooler;
    }

    /** host:port of {@code member}'s Patroni REST API. Pure. */
    String patroniAddress(DesiredCluster desired, String member) {
        return host + ":" + desired.member(member).restPort();
    }

    ClusterObservation observe(DesiredCluster desired) {
        List<Integer> restPorts = desired.members().stream().map(DesiredCluster.MemberSlot::restPort).toList();
        List<PatroniRest.Member> reported = rest.fetchCluster(host, restPorts).orElse(List.of());
        Optional<String> leader = reported.stream().filter(m -> "leader".equals(m.role()) && "running".equals(m.state()))
                .map(PatroniRest.Member::name).findFirst();
        // Replay lag, which decides the read-only rotation (ReadOnlyEndpoint), for databases that have one.
        Long leaderLocation = desired.readOnly() == null ? null : leader
                .flatMap(l -> rest.fetchWalPosition(patroniAddress(desired, l))).orElse(null);
        List<ClusterObservation.MemberObservation> observed = new ArrayList<>();
        for (DesiredCluster.MemberSlot slot : desired.members()) {
            boolean running = members.find(desired, slot).isPresent();
            Optional<PatroniRest.Member> r = reported.stream().filter(m -> m.name().equals(slot.name())).findFirst();
            Long lag = r.map(PatroniRest.Member::lagBytes).orElse(null);
            if (leaderLocation != null && running && r.isPresent() && !leader.get().equals(slot.name())) {
                lag = PatroniRest.replicaLag(lag, leaderLocation, rest.fetchWalPosition(patroniAddress(desired, slot.name())).orElse(null));
            }
            observed.add(new ClusterObservation.MemberObservation(slot.name(), running,
                    r.map(PatroniRest.Member::role).orElse(null),
                    running ? r.map(PatroniRest.Member::state).orElse("starting") : "stopped", lag));
        }
        boolean poolerRunning = pooler.find(desired).isPresent() && pooler.accepting(desired);
        Optional<String> target = Optional.empty();
        if (poolerRunning) {
            try {
                target = pooler.loadedTarget(desired);
            } catch (RuntimeException e) {
                log.debug("could not ask the pooler of {} for its target: {}", desired.spec().databaseName(), e.toString());
            }
        }
        return new ClusterObservation(observed, leader, poolerRunning, target);
    }
}
