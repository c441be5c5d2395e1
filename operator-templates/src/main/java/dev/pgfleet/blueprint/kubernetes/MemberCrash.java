package dev.pgfleet.blueprint.kubernetes;

import java.time.Duration;
import java.util.List;

/**
 * How the kill-primary drill takes a member down inside its pod (pure): commands run in the member's container
 * through the pods/exec subresource, in two steps.
 *
 * <ol>
 * <li>{@link #freeze()}: SIGSTOP to every process of the container except its init (Patroni and all of PostgreSQL).
 *     The member stops dead, as a crashed or powerless one does: it answers nobody and stops renewing its leader
 *     key, so the key lapses after Patroni's ttl and a replica is elected.</li>
 * <li>{@link #crash()}, once the drill has seen the new leader: SIGKILL to the same processes. The container ends,
 *     the kubelet restarts it in the same pod, and Patroni comes back as a replica of the new leader.</li>
 * </ol>
 *
 * <p>Why not a SIGKILL alone: the kubelet restarts a crashed container at once, well within Patroni's ttl, and a
 * Patroni that finds its own leader key still there resumes as the leader (seen in the container-level test): that
 * measures a restart, not a failover. Why not delete the pod with a grace period of 0: Kubernetes then forgets the
 * pod at once, and the StatefulSet may start its replacement on the same volume while the old postmaster still runs
 * on a node that lost contact.
 *
 * <p>The data-plane image's PID 1 is catatonit, which cannot be signalled from inside its namespace and need not be:
 * once its child (Patroni) is gone it exits, the container ends, and the kubelet restarts it in a new PID namespace,
 * so no old process survives. {@code kill -1} signals every process the caller may signal except PID 1 and the
 * caller itself. The freeze leaves a watchdog that SIGKILLs after {@link #FREEZE_LIMIT} in case the control plane
 * never sends the second step (Patroni's liveness probe would also end it, after about a minute). The scripts are
 * constants (no input reaches them), run as argument lists; the shell is the image's dash.
 */
public final class MemberCrash {
    /** The member pod's only container (PatroniStatefulSet). */
    public static final String CONTAINER = "postgres";
    /** The longest a member stays frozen if the second step never comes. */
    public static final Duration FREEZE_LIMIT = Duration.ofSeconds(60);

    private MemberCrash() {
    }

    /**
     * Step 1. The watchdog is started after the SIGSTOP (which would stop it too), detached from the exec's streams
     * so that the exec ends at once with status 0.
     */
    public static List<String> freeze() {
        // Two commands, not "a && b &": that would run the SIGSTOP itself in the background subshell, which would then
        // stop this shell, its parent, too.
        return List.of("sh", "-c", "kill -STOP -1 || exit 1; { sleep " + FREEZE_LIMIT.toSeconds() + "; kill -KILL -1; } </dev/null >/dev/null 2>&1 &");
    }

    /** Step 2 (and the whole of it for a member that is not frozen): SIGKILL to everything but init. */
    public static List<String> crash() {
        return List.of("sh", "-c", "kill -KILL -1");
    }
}
