package dev.pgfleet.provisioning;

import java.util.List;
import java.util.Optional;

/**
 * What a runtime saw of one database's data plane at one moment.
 *
 * @param leader       the member Patroni holds as leader (the DCS leader key), if any
 * @param poolerTarget the member the pooler currently sends connections to, if it runs
 */
public record ClusterObservation(List<MemberObservation> members, Optional<String> leader, boolean poolerRunning,
                                 Optional<String> poolerTarget) {

    /**
     * @param processRunning whether the member's Patroni process is alive
     * @param role           leader, sync_standby or replica as Patroni reports it; null when unknown
     * @param state          Patroni's state (running, streaming, starting, ...) or stopped
     */
    public record MemberObservation(String name, boolean processRunning, String role, String state, Long lagBytes) {
        public boolean healthy() {
            return processRunning && ("running".equals(state) || "streaming".equals(state));
        }
    }
}
