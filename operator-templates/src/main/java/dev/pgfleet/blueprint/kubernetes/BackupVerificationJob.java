package dev.pgfleet.blueprint.kubernetes;

import io.fabric8.kubernetes.api.model.Affinity;
import io.fabric8.kubernetes.api.model.AffinityBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyBuilder;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The Job that verifies one backup on Kubernetes, away from the control plane: a tenant's dump carries the
 * tenant's code (CHECK constraints, index expressions, triggers, defaults) and restoring it runs that code, so
 * it runs in a pod that holds nothing worth taking. Pure: the same spec gives an equal Job.
 *
 * <ul>
 *   <li>Image: the control plane's own. It is the one image with both the verifier (the jar, Java) and
 *       PostgreSQL 15 with pgvector, whose initdb/postgres/pg_restore the verifier runs; the user 10001 exists in
 *       its /etc/passwd, which initdb needs. Only the command differs: {@code verify-dump}, no Spring context.</li>
 *   <li>Nothing to steal: no service-account token, no Service links, no env from the control plane's Secrets
 *       or ConfigMap (the env list is empty; JVM flags are arguments), the manifest as an argument.</li>
 *   <li>Nothing to reach: every verification pod is selected by {@link #networkPolicy}, which allows no
 *       ingress and no egress; the scratch server listens on loopback inside the pod. Its labels match no
 *       database's or etcd's NetworkPolicy peer.</li>
 *   <li>Least privilege: non-root (the image's pgfleet user), read-only root filesystem, all capabilities
 *       dropped, no privilege escalation, seccomp RuntimeDefault, no fsGroup (it would make the kubelet chown
 *       the backup store).</li>
 *   <li>Only this dump: the backup store's claim is mounted read-only, and only the dump's own path (subPath).</li>
 *   <li>Sized scratch: an emptyDir of {@link #scratchBytes} (a limit the kubelet enforces by evicting the pod)
 *       with the same ephemeral-storage request (so the scheduler picks a node with the room).</li>
 *   <li>Bounded: activeDeadlineSeconds, no retries (backoffLimit 0), deleted by TTL if the control plane is gone.</li>
 *   <li>Schedulable: with a ReadWriteOnce store, required affinity to the control plane's node (which has the
 *       claim attached); with ReadWriteMany, anywhere.</li>
 * </ul>
 */
public final class BackupVerificationJob {
    public static final String CONTAINER = "verify";
    /** Where the control-plane image keeps the jar (control-plane/Dockerfile). */
    public static final String JAR = "/opt/pgfleet/pgfleet-control-plane.jar";
    /** The control-plane image's unprivileged user (control-plane/Dockerfile). */
    public static final long USER_ID = 10001L;
    public static final String COMMAND = "verify-dump";
    public static final String DUMP_DIR = "/backup";
    public static final String SCRATCH_DIR = "/scratch";
    public static final String TMP_DIR = "/tmp";
    /** Kubernetes' default termination message path; the kubelet reads at most 4096 bytes of it. */
    public static final String RESULT_FILE = "/dev/termination-log";

    /**
     * Scratch space per dump byte. The verifier copies the dump into its scratch directory (1x) and restores it:
     * a custom-format dump is compressed table data without indexes, and the restored tables take typically
     * 2-4x the compressed bytes, the rebuilt indexes (B-tree, HNSW) about as much again. 1 + 2 x 3.5 = 8.
     */
    public static final long SCRATCH_PER_DUMP_BYTE = 8;
    /** Fixed part: initdb's files (~40 MB), WAL up to max_wal_size (1 GB), logs. */
    public static final long SCRATCH_OVERHEAD_BYTES = 1L << 30;
    /** Never less than this, so a tiny dump still has room for an empty cluster and its WAL. */
    public static final long SCRATCH_FLOOR_BYTES = 2L << 30;
    static final String TMP_SIZE = "256Mi";

    private static final String DUMP_VOLUME = "dump";
    private static final String SCRATCH_VOLUME = "scratch";
    private static final String TMP_VOLUME = "tmp";

    private BackupVerificationJob() {
    }

    /** Bytes of scratch space for a dump of {@code dumpBytes}: max(floor, overhead + k x dump), rounded up to a MiB. */
    public static long scratchBytes(long dumpBytes) {
        long wanted;
        try {
            wanted = Math.addExact(SCRATCH_OVERHEAD_BYTES, Math.multiplyExact(SCRATCH_PER_DUMP_BYTE, dumpBytes));
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("dump too large to size a scratch volume: " + dumpBytes, e);
        }
        long bytes = Math.max(SCRATCH_FLOOR_BYTES, wanted);
        long mib = 1L << 20;
        return (bytes + mib - 1) / mib * mib;
    }

    /** The Job's arguments to the verifier (after the JVM's own). */
    static List<String> verifierArguments(VerificationJobSpec spec) {
        return List.of(COMMAND,
                "--dump=" + DUMP_DIR + "/" + spec.dumpFileName(),
                "--bin-dir=" + spec.binDir(),
                "--scratch=" + SCRATCH_DIR,
                "--parallel-jobs=" + spec.parallelJobs(),
                "--result-file=" + RESULT_FILE,
                "--manifest=" + spec.manifestJson());
    }

    public static Job job(VerificationJobSpec spec) {
        Map<String, String> labels = KubernetesNames.verificationLabels(spec.databaseId(), spec.backupId());
        Quantity scratch = new Quantity(Long.toString(scratchBytes(spec.dumpBytes()) >> 20) + "Mi");
        List<String> command = new java.util.ArrayList<>(List.of("java", "-XX:MaxRAMPercentage=25.0",
                "-XX:+ExitOnOutOfMemoryError", "-Djava.io.tmpdir=" + TMP_DIR, "-jar", JAR));
        command.addAll(verifierArguments(spec));
        return new JobBuilder()
                .withNewMetadata()
                .withName(KubernetesNames.verificationJob(spec.backupId()))
                .withNamespace(spec.namespace())
                .withLabels(new TreeMap<>(labels))
                .endMetadata()
                .withNewSpec()
                .withBackoffLimit(0)
                .withActiveDeadlineSeconds(spec.activeDeadlineSeconds())
                .withTtlSecondsAfterFinished(spec.ttlSecondsAfterFinished())
                .withNewTemplate()
                .withNewMetadata().withLabels(new TreeMap<>(labels)).endMetadata()
                .withNewSpec()
                .withRestartPolicy("Never")
                .withAutomountServiceAccountToken(false)
                .withEnableServiceLinks(false)
                .withAffinity(spec.sameNodeAsControlPlane() ? sameNodeAsControlPlane() : null)
                .withNewSecurityContext()
                .withRunAsNonRoot(true).withRunAsUser(USER_ID).withRunAsGroup(USER_ID)
                .withNewSeccompProfile().withType("RuntimeDefault").endSeccompProfile()
                .endSecurityContext()
                .addNewContainer()
                .withName(CONTAINER)
                .withImage(spec.image())
                .withCommand(command)
                .withEnv(List.of())
                .withTerminationMessagePath(RESULT_FILE)
                // A JVM that dies before writing its result still leaves the end of its log as the message.
                .withTerminationMessagePolicy("FallbackToLogsOnError")
                .withNewResources()
                .withRequests(new TreeMap<>(Map.of("cpu", new Quantity("250m"), "memory", new Quantity("512Mi"),
                        "ephemeral-storage", scratch)))
                .withLimits(new TreeMap<>(Map.of("memory", new Quantity("1Gi"))))
                .endResources()
                .addNewVolumeMount().withName(DUMP_VOLUME).withMountPath(DUMP_DIR + "/" + spec.dumpFileName())
                .withSubPath(spec.dumpPathInClaim()).withReadOnly(true).endVolumeMount()
                .addNewVolumeMount().withName(SCRATCH_VOLUME).withMountPath(SCRATCH_DIR).endVolumeMount()
                .addNewVolumeMount().withName(TMP_VOLUME).withMountPath(TMP_DIR).endVolumeMount()
                .withNewSecurityContext()
                .withRunAsNonRoot(true).withRunAsUser(USER_ID).withRunAsGroup(USER_ID)
                .withAllowPrivilegeEscalation(false).withReadOnlyRootFilesystem(true).withPrivileged(false)
                .withNewCapabilities().withDrop("ALL").endCapabilities()
                .endSecurityContext()
                .endContainer()
                .addNewVolume().withName(DUMP_VOLUME).withNewPersistentVolumeClaim().withClaimName(spec.backupClaim())
                .withReadOnly(true).endPersistentVolumeClaim().endVolume()
                .addNewVolume().withName(SCRATCH_VOLUME).withNewEmptyDir().withSizeLimit(scratch).endEmptyDir().endVolume()
                .addNewVolume().withName(TMP_VOLUME).withNewEmptyDir().withSizeLimit(new Quantity(TMP_SIZE)).endEmptyDir().endVolume()
                .endSpec()
                .endTemplate()
                .endSpec()
                .build();
    }

    /** On a node where a control-plane pod of this namespace runs (required: elsewhere the claim cannot attach). */
    private static Affinity sameNodeAsControlPlane() {
        return new AffinityBuilder().withNewPodAffinity().addNewRequiredDuringSchedulingIgnoredDuringExecution()
                .withNewLabelSelector().withMatchLabels(new TreeMap<>(Map.of(KubernetesNames.NAME_LABEL, KubernetesNames.CONTROL_PLANE_APP)))
                .endLabelSelector().withTopologyKey("kubernetes.io/hostname")
                .endRequiredDuringSchedulingIgnoredDuringExecution().endPodAffinity().build();
    }

    /**
     * Denies every verification pod in {@code namespace} all ingress and all egress (both policy types, no
     * rules). The pod needs no network: the scratch server and the verifier talk over loopback. One object per
     * namespace, applied before each Job is created.
     */
    public static NetworkPolicy networkPolicy(String namespace) {
        if (!KubernetesNames.isDnsLabel(namespace)) {
            throw new IllegalArgumentException("namespace must be a DNS label: " + namespace);
        }
        Map<String, String> labels = new TreeMap<>(KubernetesNames.verificationSelector());
        labels.put(KubernetesNames.PART_OF_LABEL, KubernetesNames.MANAGER);
        return new NetworkPolicyBuilder()
                .withNewMetadata().withName(KubernetesNames.verificationNetworkPolicy()).withNamespace(namespace)
                .withLabels(labels).endMetadata()
                .withNewSpec()
                .withNewPodSelector().withMatchLabels(new TreeMap<>(KubernetesNames.verificationSelector())).endPodSelector()
                .withPolicyTypes("Ingress", "Egress")
                .withIngress(List.of())
                .withEgress(List.of())
                .endSpec()
                .build();
    }
}
