package dev.pgfleet.blueprint.kubernetes;

import java.util.List;

/**
 * How the kill-primary drill crashes a member inside its pod (pure): a command run in the member's container
 * through the pods/exec subresource that SIGKILLs every process of the container except its init.
 *
 * <p>Why not delete the pod with a grace period of 0: Kubernetes then forgets the pod at once, and the StatefulSet
 * may start its replacement on the same volume while the old postmaster still runs on a node that lost contact.
 * Killing inside the pod keeps the pod: the data-plane image's PID 1 is catatonit, which cannot be killed from
 * inside its namespace and does not need to be: once its child (Patroni) is gone it exits, the container ends,
 * and the kubelet restarts it in the same pod, on the same volume, in a new PID namespace, so no old process can
 * survive. {@code kill -1} signals every process the caller may signal except PID 1 and the caller itself.
 * The script is a constant (no input reaches it), run as an argument list; the shell is the image's dash.
 */
public final class MemberCrash {
    /** The member pod's only container (PatroniStatefulSet). */
    public static final String CONTAINER = "postgres";

    private MemberCrash() {
    }

    /** The command to exec in {@link #CONTAINER}. */
    public static List<String> argv() {
        return List.of("sh", "-c", "kill -KILL -1");
    }
}
