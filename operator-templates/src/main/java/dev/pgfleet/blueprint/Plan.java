package dev.pgfleet.blueprint;

import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;

/** A database plan: how many Patroni members a database gets, whether commits wait for a standby, and each member's size. */
public enum Plan {
    /** One member: nothing to fail over to, so relaxed timing and no drills. */
    DEV("dev", 1, false, new Resources(1, 1L << 30), 10, new PatroniTiming(10, 1, 4), null),
    /**
     * Three members in synchronous mode, timed for a fast failover: a dead leader's key expires after at most
     * 7 s (1 + 2 * 3 = 7 meets Patroni's rule exactly), so writes resume within about 9 s of an abrupt failure.
     */
    HA("ha", 3, true, new Resources(2, 4L << 30), 50, new PatroniTiming(7, 1, 3),
            new FailoverTargets(Duration.ofSeconds(10), Duration.ofSeconds(2), Duration.ofMinutes(2), 0, 0));

    private final String id;
    private final int members;
    private final boolean synchronous;
    private final Resources memberResources;
    private final int storageGiB;
    private final PatroniTiming timing;
    private final FailoverTargets failoverTargets;

    Plan(String id, int members, boolean synchronous, Resources memberResources, int storageGiB, PatroniTiming timing,
         FailoverTargets failoverTargets) {
        this.id = id;
        this.members = members;
        this.synchronous = synchronous;
        this.memberResources = memberResources;
        this.storageGiB = storageGiB;
        this.timing = timing;
        this.failoverTargets = failoverTargets;
    }

    public PatroniTiming timing() {
        return timing;
    }

    /** What failover drills check; empty for a plan without replicas (no drills there). */
    public Optional<FailoverTargets> failoverTargets() {
        return Optional.ofNullable(failoverTargets);
    }

    public String id() {
        return id;
    }

    public int members() {
        return members;
    }

    /** Synchronous mode: Patroni keeps one synchronous standby, so a failover loses no acknowledged commit. */
    public boolean synchronous() {
        return synchronous;
    }

    public Resources memberResources() {
        return memberResources;
    }

    /** The volume each member's data directory gets where a runtime provisions volumes (Kubernetes). */
    public int storageGiB() {
        return storageGiB;
    }

    public static Optional<Plan> fromId(String id) {
        return Arrays.stream(values()).filter(p -> p.id.equals(id)).findFirst();
    }
}
