package dev.pgfleet.blueprint.kubernetes;

import java.util.Arrays;

/**
 * What one backup verification Job needs, validated once so that {@link BackupVerificationJob} only builds.
 *
 * @param namespace              where the Job runs: the namespace of the backup store's claim (the control plane's)
 * @param image                  an image with the control plane's jar, Java and PostgreSQL with pgvector (see
 *                               {@link BackupVerificationJob})
 * @param backupClaim            the PersistentVolumeClaim of the backup store
 * @param dumpPathInClaim        the dump's path relative to the claim's root, e.g. {@code <database id>/<backup id>.dump}
 * @param dumpBytes              the dump's size: the scratch volume is sized from it
 * @param databaseId             the database's id (its Patroni scope), for labels
 * @param backupId               the backup's id: names the Job
 * @param manifestJson           what the dump must contain (table row counts, indexes, extensions), as JSON; no secrets
 * @param binDir                 PostgreSQL's binaries in the image, e.g. /usr/lib/postgresql/15/bin
 * @param parallelJobs           pg_restore workers for a directory-format dump
 * @param activeDeadlineSeconds  Kubernetes stops the Job after this long, pending time included
 * @param ttlSecondsAfterFinished Kubernetes deletes a finished Job after this long if the control plane did not
 * @param sameNodeAsControlPlane the claim is ReadWriteOnce: only pods on the node that has it mounted (the control
 *                               plane's) can mount it too, so the pod must be scheduled there
 */
public record VerificationJobSpec(String namespace, String image, String backupClaim, String dumpPathInClaim, long dumpBytes,
                                  String databaseId, String backupId, String manifestJson, String binDir, int parallelJobs,
                                  long activeDeadlineSeconds, int ttlSecondsAfterFinished, boolean sameNodeAsControlPlane) {
    /** Kubernetes stores an object in at most 1.5 MiB; the manifest travels in the Job's arguments. */
    public static final int MANIFEST_MAX_BYTES = 1024 * 1024;

    public VerificationJobSpec {
        if (!KubernetesNames.isDnsLabel(namespace)) {
            throw new IllegalArgumentException("namespace must be a DNS label: " + namespace);
        }
        if (image == null || image.isBlank() || image.chars().anyMatch(Character::isWhitespace)) {
            throw new IllegalArgumentException("image must be an image reference: " + image);
        }
        if (backupClaim == null || backupClaim.length() > 253 || !backupClaim.matches("[a-z0-9]([-a-z0-9.]*[a-z0-9])?")) {
            throw new IllegalArgumentException("backupClaim must be a DNS subdomain: " + backupClaim);
        }
        if (dumpPathInClaim == null || dumpPathInClaim.isEmpty() || dumpPathInClaim.startsWith("/")
                || Arrays.stream(dumpPathInClaim.split("/", -1))
                        .anyMatch(part -> part.isEmpty() || part.equals(".") || part.equals("..") || !part.matches("[A-Za-z0-9._-]+"))) {
            throw new IllegalArgumentException("dumpPathInClaim must be a relative path of plain names: " + dumpPathInClaim);
        }
        if (dumpBytes < 0) {
            throw new IllegalArgumentException("dumpBytes must not be negative: " + dumpBytes);
        }
        KubernetesNames.verificationLabels(databaseId, backupId);
        if (manifestJson == null || manifestJson.isBlank()
                || manifestJson.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > MANIFEST_MAX_BYTES) {
            throw new IllegalArgumentException("the manifest must be present and at most " + MANIFEST_MAX_BYTES + " bytes");
        }
        if (binDir == null || !binDir.startsWith("/") || binDir.chars().anyMatch(Character::isWhitespace)) {
            throw new IllegalArgumentException("binDir must be an absolute path: " + binDir);
        }
        if (parallelJobs < 1) {
            throw new IllegalArgumentException("parallelJobs must be at least 1: " + parallelJobs);
        }
        if (activeDeadlineSeconds < 1 || ttlSecondsAfterFinished < 0) {
            throw new IllegalArgumentException("activeDeadlineSeconds must be positive, ttlSecondsAfterFinished not negative");
        }
    }

    /** The dump's own name (the last part of its path): where it appears inside the pod. */
    public String dumpFileName() {
        return dumpPathInClaim.substring(dumpPathInClaim.lastIndexOf('/') + 1);
    }
}
