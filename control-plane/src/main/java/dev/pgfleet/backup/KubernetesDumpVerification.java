package dev.pgfleet.backup;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pgfleet.blueprint.kubernetes.BackupVerificationJob;
import dev.pgfleet.blueprint.kubernetes.KubernetesNames;
import dev.pgfleet.blueprint.kubernetes.VerificationJobSpec;
import dev.pgfleet.database.Database;
import dev.pgfleet.database.DatabaseService;
import dev.pgfleet.operation.FailureReasons;
import dev.pgfleet.system.process.PostgresInstallations;
import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.stereotype.Component;

/**
 * Verifies each dump in a Kubernetes Job of its own ({@link BackupVerificationJob}): the tenant's code in the dump
 * runs in a pod with no service-account token, no control-plane secret, no network and only that dump. I/O: applies
 * the verification NetworkPolicy, creates the Job, polls it and its pod until the container has ended (bounded by
 * the Job's deadline plus a grace), reads the result from the container's termination message, and deletes the Job.
 */
@Component
@ConditionalOnProperty(name = "pgfleet.runtime", havingValue = "kubernetes")
class KubernetesDumpVerification implements DumpVerification {
    private static final Logger log = LoggerFactory.getLogger(KubernetesDumpVerification.class);
    static final String FIELD_MANAGER = "pgfleet";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration LEFTOVER_WAIT = Duration.ofSeconds(60);

    private final KubernetesClient client;
    private final VerificationProperties properties;
    private final BackupStore store;
    private final PostgresInstallations installations;
    private final BackupProperties backup;

    KubernetesDumpVerification(KubernetesClient client, VerificationProperties properties, BackupStore store,
                               PostgresInstallations installations, BackupProperties backup) {
        this.client = client;
        this.properties = properties;
        this.store = store;
        this.installations = installations;
        this.backup = backup;
    }

    @Override
    public VerificationResult verify(Database database, Backup b, Path dump, DumpManifest manifest) {
        long start = System.nanoTime();
        String problem = properties.problem();
        if (problem != null) {
            return VerificationResult.failed(problem, Duration.ZERO);
        }
        Job job;
        try {
            job = BackupVerificationJob.job(spec(database, b, dump, manifest));
        } catch (IllegalArgumentException | JsonProcessingException e) {
            return VerificationResult.failed("The verification Job could not be built: " + FailureReasons.describe(e), Duration.ZERO);
        }
        String name = job.getMetadata().getName();
        try {
            applyNetworkPolicy();
            deleteLeftoverJob(name);
            Job created = client.batch().v1().jobs().inNamespace(properties.namespace()).resource(job).create();
            log.info("verifying backup {} in Job {}/{}", b.getId(), properties.namespace(), name);
            return awaitResult(created, start);
        } catch (KubernetesClientException e) {
            return VerificationResult.failed("The Kubernetes API refused the verification Job " + name + ": "
                    + FailureReasons.describe(e), took(start));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return VerificationResult.failed("Interrupted while waiting for the verification Job " + name, took(start));
        } finally {
            deleteJob(name);
        }
    }

    /** The Job of the backup's verification, and its pod (background propagation), if a dead control plane left it. */
    @Override
    public void cleanUpInterrupted(Database database, Backup backup) {
        deleteJob(KubernetesNames.verificationJob(backup.getId().toString()));
    }

    private VerificationJobSpec spec(Database database, Backup b, Path dump, DumpManifest manifest) throws JsonProcessingException {
        Path relative = store.root().relativize(dump.toAbsolutePath().normalize());
        return new VerificationJobSpec(properties.namespace(), properties.image(), properties.claimName(), relative.toString(),
                b.getSizeBytes() == null ? 0 : b.getSizeBytes(), DatabaseService.scopeOf(database), b.getId().toString(),
                JSON.writeValueAsString(manifest), installations.binDir(database.getPostgresVersion()).toString(),
                backup.resolvedParallelJobs(), properties.activeDeadline().toSeconds(),
                (int) Math.min(Integer.MAX_VALUE, properties.ttlAfterFinished().toSeconds()), properties.sameNodeAsControlPlane());
    }

    /** Every verification pod of the namespace denied all traffic, before the first one exists; idempotent. */
    private void applyNetworkPolicy() {
        client.resource(BackupVerificationJob.networkPolicy(properties.namespace())).inNamespace(properties.namespace())
                .fieldManager(FIELD_MANAGER).forceConflicts().serverSideApply();
    }

    /** A Job of that name left by a control plane that died while waiting: delete it, and wait until it is gone. */
    private void deleteLeftoverJob(String name) throws InterruptedException {
        long deadline = System.nanoTime() + LEFTOVER_WAIT.toNanos();
        while (jobs().withName(name).get() != null) {
            deleteJob(name);
            if (System.nanoTime() > deadline) {
                throw new KubernetesClientException("an earlier Job " + name + " is still being deleted");
            }
            Thread.sleep(properties.pollInterval().toMillis());
        }
    }

    /**
     * Polls until the container has ended or Kubernetes says the Job failed, at most the Job's deadline plus the
     * grace. A result the verifier wrote always wins: it is the most precise account of what happened.
     */
    private VerificationResult awaitResult(Job created, long start) throws InterruptedException {
        String name = created.getMetadata().getName();
        String uid = created.getMetadata().getUid();
        Duration limit = properties.activeDeadline().plus(properties.grace());
        long deadline = start + limit.toNanos();
        while (true) {
            Optional<Pod> pod = podOf(created, uid);
            Optional<ContainerStateTerminated> ended = pod.flatMap(KubernetesDumpVerification::terminated);
            Optional<VerificationResult> written = ended.flatMap(t -> VerificationReport.parse(t.getMessage()));
            if (written.isPresent()) {
                return written.get();
            }
            Job now = jobs().withName(name).get();
            if (now == null) {
                return VerificationResult.failed("The verification Job " + name + " was deleted before it reported a result.", took(start));
            }
            Optional<JobCondition> failed = condition(now, "Failed");
            if (failed.isPresent()) {
                return VerificationResult.failed("The verification Job failed (" + failed.get().getReason() + "): "
                        + failed.get().getMessage() + ended.map(t -> "; " + describe(t)).orElse(""), took(start));
            }
            if (ended.isPresent()) {
                return VerificationResult.failed("The verification container ended without a result: " + describe(ended.get()), took(start));
            }
            if (pod.isPresent() && "Failed".equals(pod.get().getStatus() == null ? null : pod.get().getStatus().getPhase())) {
                return VerificationResult.failed("The verification pod failed: " + pod.get().getStatus().getReason() + ": "
                        + pod.get().getStatus().getMessage(), took(start));
            }
            if (System.nanoTime() > deadline) {
                return VerificationResult.failed("The verification Job " + name + " did not finish within " + limit
                        + pod.map(p -> " (" + whyNotRunning(p) + ")").orElse(" (no pod was created)"), took(start));
            }
            Thread.sleep(properties.pollInterval().toMillis());
        }
    }

    /** The Job's pod: labelled with its backup id and owned by this very Job (not an earlier one of the same name). */
    private Optional<Pod> podOf(Job job, String uid) {
        List<Pod> pods = client.pods().inNamespace(properties.namespace())
                .withLabel(KubernetesNames.BACKUP_ID_LABEL, job.getMetadata().getLabels().get(KubernetesNames.BACKUP_ID_LABEL))
                .list().getItems();
        return pods.stream().filter(p -> p.getMetadata().getOwnerReferences() != null && p.getMetadata().getOwnerReferences().stream()
                .anyMatch(o -> "Job".equals(o.getKind()) && uid != null && uid.equals(o.getUid()))).findFirst();
    }

    static Optional<ContainerStateTerminated> terminated(Pod pod) {
        if (pod.getStatus() == null || pod.getStatus().getContainerStatuses() == null) {
            return Optional.empty();
        }
        return pod.getStatus().getContainerStatuses().stream()
                .filter(s -> BackupVerificationJob.CONTAINER.equals(s.getName()))
                .map(ContainerStatus::getState)
                .filter(state -> state != null && state.getTerminated() != null)
                .map(state -> state.getTerminated())
                .findFirst();
    }

    private static Optional<JobCondition> condition(Job job, String type) {
        if (job.getStatus() == null || job.getStatus().getConditions() == null) {
            return Optional.empty();
        }
        return job.getStatus().getConditions().stream()
                .filter(c -> type.equals(c.getType()) && "True".equals(c.getStatus())).findFirst();
    }

    private static String describe(ContainerStateTerminated t) {
        String message = t.getMessage() == null || t.getMessage().isBlank() ? "(no message)" : t.getMessage().strip();
        return "exit " + t.getExitCode() + (t.getReason() == null ? "" : " (" + t.getReason() + ")") + ": "
                + (message.length() > 500 ? message.substring(message.length() - 500) : message);
    }

    /** Why a pod has not ended: a waiting container's reason (ImagePullBackOff, …) or an unscheduled pod's message. */
    private static String whyNotRunning(Pod pod) {
        if (pod.getStatus() == null) {
            return "pod " + pod.getMetadata().getName() + " has no status";
        }
        if (pod.getStatus().getContainerStatuses() != null) {
            for (ContainerStatus s : pod.getStatus().getContainerStatuses()) {
                if (s.getState() != null && s.getState().getWaiting() != null) {
                    return "container waiting: " + s.getState().getWaiting().getReason() + ": " + s.getState().getWaiting().getMessage();
                }
            }
        }
        if (pod.getStatus().getConditions() != null) {
            for (PodCondition c : pod.getStatus().getConditions()) {
                if ("PodScheduled".equals(c.getType()) && "False".equals(c.getStatus())) {
                    return "not scheduled: " + c.getMessage();
                }
            }
        }
        return "pod phase " + pod.getStatus().getPhase();
    }

    /** Background propagation: the garbage collector removes the pod too (the API's default for Jobs orphans it). */
    private void deleteJob(String name) {
        try {
            jobs().withName(name).withPropagationPolicy(DeletionPropagation.BACKGROUND).delete();
        } catch (KubernetesClientException e) {
            log.warn("could not delete verification Job {} (its TTL will): {}", name, e.getMessage());
        }
    }

    private io.fabric8.kubernetes.client.dsl.NonNamespaceOperation<Job, io.fabric8.kubernetes.api.model.batch.v1.JobList,
            io.fabric8.kubernetes.client.dsl.ScalableResource<Job>> jobs() {
        return client.batch().v1().jobs().inNamespace(properties.namespace());
    }

    private static Duration took(long start) {
        return Duration.ofNanos(System.nanoTime() - start);
    }
}
