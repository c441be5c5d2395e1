package dev.pgfleet.blueprint;

import java.util.Arrays;
import java.util.Optional;

/** A database plan: how many Patroni members a database gets, whether commits wait for a standby, and each member's size. */
public enum Plan {
    DEV("dev", 1, false, new Resources(1, 1L << 30)),
    HA("ha", 3, true, new Resources(2, 4L << 30));

    private final String id;
    private final int members;
    private final boolean synchronous;
    private final Resources memberResources;

    Plan(String id, int members, boolean synchronous, Resources memberResources) {
        this.id = id;
        this.members = members;
        this.synchronous = synchronous;
        this.memberResources = memberResources;
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

    public static Optional<Plan> fromId(String id) {
        return Arrays.stream(values()).filter(p -> p.id.equals(id)).findFirst();
    }
}
