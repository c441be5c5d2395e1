package dev.pgfleet.blueprint;

import java.time.Duration;

/**
 * What a plan promises when its leader goes away, checked by every failover drill.
 *
 * @param killPrimaryWriteUnavailability longest write outage after an abrupt leader failure
 * @param switchoverWritePause           longest write pause during a planned switchover
 * @param oldLeaderRejoin                how soon the former leader must be a healthy replica again
 * @param lostAcknowledgedWrites         acknowledged writes that may be missing afterwards (0 with synchronous mode)
 * @param failedSwitchoverTransactions   client transactions a switchover may fail (0: the pooler holds them)
 */
public record FailoverTargets(Duration killPrimaryWriteUnavailability, Duration switchoverWritePause, Duration oldLeaderRejoin,
                              long lostAcknowledgedWrites, long failedSwitchoverTransactions) {
}
