package dev.pgfleet.blueprint;

/**
 * The Patroni release the data-plane image and the local runtime install (Debian bookworm's package), and what that
 * release does with the timing a plan asks for.
 *
 * <p>Patroni 3.0.2 uses {@code ttl}, {@code loop_wait} and {@code retry_timeout} as written (its config.py has no
 * adjustment; checked in the installed package). Later releases adjust them silently in
 * {@code Config._validate_and_adjust_timeouts}: {@code ttl} is raised to at least 20, {@code retry_timeout} to at
 * least 3, {@code loop_wait} to at least 1, and then {@code loop_wait} (first) and {@code retry_timeout} are lowered
 * until {@code loop_wait + 2 * retry_timeout <= ttl}. A plan whose ttl is raised from 7 to 20 would detect a dead
 * leader three times later than its drills promise, with nothing but a log line to say so; {@link #effectiveTiming}
 * lets a test catch that before the pin moves.
 */
public record PatroniRelease(int major, int minor, int patch) {
    /** bookworm's patroni 3.0.2-1: the version the image and {@code ./pgfleet setup} install. */
    public static final PatroniRelease PINNED = new PatroniRelease(3, 0, 2);

    private static final PatroniRelease LAST_WITHOUT_ADJUSTMENT = PINNED;

    public static PatroniRelease parse(String version) {
        String[] parts = version.split("[.-]");
        if (parts.length < 3) {
            throw new IllegalArgumentException("not a Patroni version: " + version);
        }
        return new PatroniRelease(Integer.parseInt(parts[0]), Integer.parseInt(parts[1]), Integer.parseInt(parts[2]));
    }

    /** The timing this release runs with when bootstrapped with {@code requested}. */
    public PatroniTiming effectiveTiming(PatroniTiming requested) {
        if (compareTo(LAST_WITHOUT_ADJUSTMENT) <= 0) {
            return requested;
        }
        int loopWait = Math.max(1, requested.loopWait());
        int retryTimeout = Math.max(3, requested.retryTimeout());
        int ttl = Math.max(20, requested.ttl());
        if (loopWait + 2 * retryTimeout > ttl) {
            loopWait = Math.max(1, ttl - 2 * retryTimeout);
            if (loopWait + 2 * retryTimeout > ttl) {
                retryTimeout = (ttl - loopWait) / 2;
            }
        }
        return new PatroniTiming(ttl, loopWait, retryTimeout);
    }

    private int compareTo(PatroniRelease other) {
        int c = Integer.compare(major, other.major);
        if (c == 0) {
            c = Integer.compare(minor, other.minor);
        }
        return c != 0 ? c : Integer.compare(patch, other.patch);
    }

    @Override
    public String toString() {
        return major + "." + minor + "." + patch;
    }
}
