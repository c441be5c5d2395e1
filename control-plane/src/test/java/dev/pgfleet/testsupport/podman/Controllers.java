package dev.pgfleet.testsupport.podman;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobConditionBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * The StatefulSet, Deployment and Job controllers and the garbage collector of the test cluster (I/O against the API):
 * Pod objects from the templates, claims for volumeClaimTemplates (a PVC object, Bound, and a host directory that
 * outlives the pod), Deployment and Job status. The pods themselves are the {@link Kubelet}'s.
 */
final class Controllers {
    static final String POD_NAME_LABEL = PodmanCluster.POD_NAME_LABEL;
    static final String REVISION_LABEL = PodmanCluster.REVISION_LABEL;

    private final KubernetesClient client;
    private final String namespace;
    private final Path work;
    private final Map<String, Path> boundClaims;
    /** Whether the kubelet still runs a pod of that name (a deleted StatefulSet pod is recreated once it is gone). */
    private final Predicate<String> running;
    private final Map<String, Instant> jobStarts = new ConcurrentHashMap<>();

    Controllers(KubernetesClient client, String namespace, Path work, Map<String, Path> boundClaims, Predicate<String> running) {
        this.client = client;
        this.namespace = namespace;
        this.work = work;
        this.boundClaims = boundClaims;
        this.running = running;
    }

    /** One pass of every controller over the pods the API lists. */
    void reconcile(List<Pod> apiPods) {
        statefulSets(apiPods);
        deployments(apiPods);
        jobs(apiPods);
        collectGarbage(apiPods);
    }

    private void statefulSets(List<Pod> apiPods) {
        Set<String> existing = apiPods.stream().map(p -> p.getMetadata().getName()).collect(Collectors.toSet());
        for (StatefulSet sts : client.apps().statefulSets().inNamespace(namespace).list().getItems()) {
            String revision = sts.getMetadata().getName() + "-" + hash(sts.getSpec().getTemplate());
            int replicas = Objects.requireNonNullElse(sts.getSpec().getReplicas(), 1);
            for (int i = 0; i < replicas; i++) {
                String name = sts.getMetadata().getName() + "-" + i;
                if (existing.contains(name) || running.test(name)) {
                    continue; // a deleted pod is recreated once its containers are gone
                }
                List<io.fabric8.kubernetes.api.model.Volume> claims = new ArrayList<>();
                for (PersistentVolumeClaim template : Optional.ofNullable(sts.getSpec().getVolumeClaimTemplates()).orElse(List.of())) {
                    String claimName = template.getMetadata().getName() + "-" + name;
                    Map<String, String> labels = new TreeMap<>(Optional.ofNullable(template.getMetadata().getLabels()).orElse(Map.of()));
                    labels.putAll(sts.getSpec().getSelector().getMatchLabels());
                    boundClaims.computeIfAbsent(claimName, c -> work.resolve("claims").resolve(c));
                    upsertClaim(new PersistentVolumeClaimBuilder(template).editMetadata().withName(claimName).withNamespace(namespace)
                            .withLabels(labels).endMetadata().build());
                    claims.add(new io.fabric8.kubernetes.api.model.VolumeBuilder().withName(template.getMetadata().getName())
                            .withNewPersistentVolumeClaim().withClaimName(claimName).endPersistentVolumeClaim().build());
                }
                PodSpec spec = new PodBuilder().withSpec(sts.getSpec().getTemplate().getSpec()).build().getSpec();
                spec = new io.fabric8.kubernetes.api.model.PodSpecBuilder(spec).withHostname(name)
                        .withSubdomain(sts.getSpec().getServiceName()).addAllToVolumes(claims).build();
                createPod(sts, sts.getSpec().getTemplate(), name, Map.of(POD_NAME_LABEL, name, REVISION_LABEL, revision), spec);
            }
        }
    }

    private void deployments(List<Pod> apiPods) {
        for (Deployment d : client.apps().deployments().inNamespace(namespace).list().getItems()) {
            List<Pod> owned = ownedBy(apiPods, d);
            int replicas = Objects.requireNonNullElse(d.getSpec().getReplicas(), 1);
            String templateHash = hash(d.getSpec().getTemplate()).substring(0, 10);
            for (int i = owned.size(); i < replicas; i++) {
                String name = d.getMetadata().getName() + "-" + templateHash + "-" + randomSuffix();
                createPod(d, d.getSpec().getTemplate(), name, Map.of("pod-template-hash", templateHash),
                        d.getSpec().getTemplate().getSpec());
            }
            int ready = (int) owned.stream().filter(PodmanCluster::isReady).count();
            if (d.getStatus() == null || !Objects.equals(d.getStatus().getReadyReplicas(), ready)
                    || !Objects.equals(d.getStatus().getReplicas(), owned.size())) {
                d.setStatus(new io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder().withReplicas(owned.size())
                        .withReadyReplicas(ready).withAvailableReplicas(ready).withUpdatedReplicas(owned.size())
                        .withObservedGeneration(d.getMetadata().getGeneration()).build());
                client.apps().deployments().inNamespace(namespace).resource(d).updateStatus();
            }
        }
    }

    private void jobs(List<Pod> apiPods) {
        for (Job job : client.batch().v1().jobs().inNamespace(namespace).list().getItems()) {
            if (job.getStatus() != null && job.getStatus().getConditions() != null && !job.getStatus().getConditions().isEmpty()) {
                continue; // finished
            }
            List<Pod> owned = ownedBy(apiPods, job);
            if (owned.isEmpty()) {
                Map<String, String> labels = Map.of("job-name", job.getMetadata().getName(), "controller-uid", job.getMetadata().getUid(),
                        "batch.kubernetes.io/job-name", job.getMetadata().getName());
                createPod(job, job.getSpec().getTemplate(), job.getMetadata().getName() + "-" + randomSuffix(), labels,
                        job.getSpec().getTemplate().getSpec());
                jobStarts.put(job.getMetadata().getUid(), Instant.now());
                continue;
            }
            Pod pod = owned.get(0);
            String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
            Long deadline = job.getSpec().getActiveDeadlineSeconds();
            Instant started = jobStarts.getOrDefault(job.getMetadata().getUid(), Instant.now());
            if ("Succeeded".equals(phase)) {
                finishJob(job, true, "Complete", "Completed", "");
            } else if ("Failed".equals(phase)) {
                finishJob(job, false, "Failed", "BackoffLimitExceeded", "Job has reached the specified backoff limit");
            } else if (deadline != null && Duration.between(started, Instant.now()).toSeconds() > deadline) {
                client.pods().inNamespace(namespace).resource(pod).delete();
                finishJob(job, false, "Failed", "DeadlineExceeded", "Job was active longer than specified deadline");
            }
        }
    }

    private void finishJob(Job job, boolean succeeded, String type, String reason, String message) {
        job.setStatus(new io.fabric8.kubernetes.api.model.batch.v1.JobStatusBuilder()
                .withSucceeded(succeeded ? 1 : 0).withFailed(succeeded ? 0 : 1).withActive(0)
                .withConditions(new JobConditionBuilder().withType(type).withStatus("True").withReason(reason).withMessage(message)
                        .withLastTransitionTime(Instant.now().toString()).build())
                .build());
        client.batch().v1().jobs().inNamespace(namespace).resource(job).updateStatus();
    }

    /** Deletes pods whose controller (StatefulSet, Deployment, Job) is gone: what the garbage collector does. */
    private void collectGarbage(List<Pod> apiPods) {
        Set<String> owners = new java.util.HashSet<>();
        client.apps().statefulSets().inNamespace(namespace).list().getItems().forEach(o -> owners.add(o.getMetadata().getUid()));
        client.apps().deployments().inNamespace(namespace).list().getItems().forEach(o -> owners.add(o.getMetadata().getUid()));
        client.batch().v1().jobs().inNamespace(namespace).list().getItems().forEach(o -> owners.add(o.getMetadata().getUid()));
        for (Pod pod : apiPods) {
            List<OwnerReference> refs = Optional.ofNullable(pod.getMetadata().getOwnerReferences()).orElse(List.of());
            if (!refs.isEmpty() && refs.stream().noneMatch(r -> owners.contains(r.getUid()))) {
                client.pods().inNamespace(namespace).withName(pod.getMetadata().getName()).delete();
            }
        }
    }

    private void createPod(HasMetadata owner, PodTemplateSpec template, String name, Map<String, String> extraLabels, PodSpec spec) {
        Map<String, String> labels = new TreeMap<>(Optional.ofNullable(template.getMetadata().getLabels()).orElse(Map.of()));
        labels.putAll(extraLabels);
        Pod pod = new PodBuilder().withNewMetadata().withName(name).withNamespace(namespace).withLabels(labels)
                .withAnnotations(template.getMetadata().getAnnotations())
                .withOwnerReferences(new OwnerReferenceBuilder().withApiVersion(owner.getApiVersion()).withKind(owner.getKind())
                        .withName(owner.getMetadata().getName()).withUid(owner.getMetadata().getUid()).withController(true)
                        .withBlockOwnerDeletion(true).build())
                .endMetadata().withSpec(spec)
                .withNewStatus().withPhase("Pending").endStatus().build();
        client.pods().inNamespace(namespace).resource(pod).create();
    }

    void upsertClaim(PersistentVolumeClaim claim) {
        PersistentVolumeClaim current = client.persistentVolumeClaims().inNamespace(namespace).withName(claim.getMetadata().getName()).get();
        if (current == null) {
            current = client.persistentVolumeClaims().inNamespace(namespace).resource(claim).create();
        }
        if (current.getStatus() == null || !"Bound".equals(current.getStatus().getPhase())) {
            current.setStatus(new io.fabric8.kubernetes.api.model.PersistentVolumeClaimStatusBuilder().withPhase("Bound").build());
            client.persistentVolumeClaims().inNamespace(namespace).resource(current).updateStatus();
        }
    }

    private static List<Pod> ownedBy(List<Pod> pods, HasMetadata owner) {
        return pods.stream().filter(p -> Optional.ofNullable(p.getMetadata().getOwnerReferences()).orElse(List.of()).stream()
                .anyMatch(r -> owner.getMetadata().getUid().equals(r.getUid()))).toList();
    }

    private static String hash(Object template) {
        try {
            byte[] json = io.fabric8.kubernetes.client.utils.Serialization.asJson(template).getBytes(StandardCharsets.UTF_8);
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(json)).substring(0, 16);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String randomSuffix() {
        String alphabet = "bcdfghjklmnpqrstvwxz2456789";
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 5; i++) {
            sb.append(alphabet.charAt(ThreadLocalRandom.current().nextInt(alphabet.length())));
        }
        return sb.toString();
    }
}
