package dev.pgfleet.blueprint;

import java.util.Arrays;
import java.util.Optional;

/** A database plan: how many Patroni members a database gets, whether commits wait for a standby, and each member's size. */
public enum Plan {
    DEV("dev", 1, false, new Resources(1, 1L << 30), 10),
    HA("ha", 3, true, new Resources(2, 4L << 30), 50);

    private final String id;
    private final int members;
    private final boolean synchronous;
    private final Resources memberResources;
    private final int storageGiB;

    Plan(String id, int members, boolean synchronous, Resources memberResources, int storageGiB) {
        this.id = id;
        this.members = members;
        this.synchronous = synchronous;
        this.memberResources = memberResources;
        this.storageGiB = storageGiB;
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
