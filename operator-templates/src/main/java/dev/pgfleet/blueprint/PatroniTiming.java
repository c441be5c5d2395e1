package dev.pgfleet.blueprint;

/**
 * Patroni's failure-detection timing for one plan, in seconds.
 *
 * <p>A leader refreshes its key every {@code loopWait}; the key lives {@code ttl}. When the leader dies
 * abruptly nobody deletes the key, so the replicas elect a new leader once it expires: at most {@code ttl}
 * after the last refresh, plus up to one {@code loopWait} until a replica's next cycle, plus the promotion.
 * {@code retryTimeout} bounds how long a leader retries an unreachable DCS or PostgreSQL before it demotes
 * itself. Patroni requires {@code loopWait + 2 * retryTimeout <= ttl}, so that a leader that cannot reach the
 * DCS gives up before its key expires and another member takes over (no two leaders).
 */
public record PatroniTiming(int ttl, int loopWait, int retryTimeout) {
    public PatroniTiming {
        if (loopWait < 1 || retryTimeout < 1) {
            throw new IllegalArgumentException("loop_wait and retry_timeout must be at least 1 second");
        }
        if (loopWait + 2 * retryTimeout > ttl) {
            throw new IllegalArgumentException("Patroni needs loop_wait + 2 * retry_timeout <= ttl, not " + loopWait + " + 2 * "
                    + retryTimeout + " > " + ttl);
        }
    }

    /** The longest a dead leader's key can outlive it, plus one replica cycle: the worst-case detection time. */
    public int worstCaseDetectionSeconds() {
        return ttl + loopWait;
    }
}
