package dev.pgfleet.backup;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Where and how long backups are verified on Kubernetes, bound from {@code pgfleet.backup.verification.*} (the Helm
 * chart sets the first three as PGFLEET_BACKUP_VERIFICATION_*). Unused by the local runtime.
 *
 * @param namespace      where verification Jobs run: the namespace of the backup store's claim (the release's)
 * @param image          the control plane's own image (the verifier and PostgreSQL with pgvector are in it)
 * @param claimName      the backup store's PersistentVolumeClaim, mounted read-only into each Job
 * @param activeDeadline Kubernetes stops a verification Job after this long, time spent pending included
 * @param ttlAfterFinished Kubernetes deletes a finished Job after this long when the control plane could not
 * @param grace          how long past the deadline the control plane waits for Kubernetes to report the end
 * @param pollInterval   how often the control plane looks at the Job and its pod
 * @param sameNodeAsControlPlane the claim is ReadWriteOnce: schedule each Job's pod on the control plane's node
 */
@ConfigurationProperties("pgfleet.backup.verification")
public record VerificationProperties(
        String namespace,
        String image,
        String claimName,
        @DefaultValue("6h") Duration activeDeadline,
        @DefaultValue("1h") Duration ttlAfterFinished,
        @DefaultValue("2m") Duration grace,
        @DefaultValue("2s") Duration pollInterval,
        @DefaultValue("false") boolean sameNodeAsControlPlane) {

    public VerificationProperties {
        if (activeDeadline.isNegative() || activeDeadline.toSeconds() < 1) {
            throw new IllegalArgumentException("pgfleet.backup.verification.active-deadline must be at least 1s");
        }
        if (ttlAfterFinished.isNegative() || grace.isNegative() || pollInterval.isNegative() || pollInterval.isZero()) {
            throw new IllegalArgumentException("pgfleet.backup.verification durations must be positive");
        }
    }

    /** What is missing for verification on Kubernetes, or null. */
    String problem() {
        if (blank(namespace) || blank(image) || blank(claimName)) {
            return "Verification on Kubernetes needs the backup store on a PersistentVolumeClaim and"
                    + " pgfleet.backup.verification.namespace, .image and .claim-name (the Helm chart sets them when"
                    + " backups.persistence.enabled is true); the dump was not verified.";
        }
        return null;
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }
}
