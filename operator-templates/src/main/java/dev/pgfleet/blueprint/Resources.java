package dev.pgfleet.blueprint;

/** The CPU and memory one member is sized for; PostgreSQL and PgBouncer parameters are derived from it. */
public record Resources(int cpus, long memoryBytes) {
    public Resources {
        if (cpus < 1) {
            throw new IllegalArgumentException("cpus must be at least 1");
        }
        if (memoryBytes < (256L << 20)) {
            throw new IllegalArgumentException("memory must be at least 256 MiB");
        }
    }

    public long memoryMiB() {
        return memoryBytes >> 20;
    }
}
