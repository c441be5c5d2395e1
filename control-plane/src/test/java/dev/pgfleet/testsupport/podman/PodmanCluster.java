package dev.pgfleet.testsupport.podman;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.EndpointAddress;
import io.fabric8.kubernetes.api.model.EndpointAddressBuilder;
import io.fabric8.kubernetes.api.model.EndpointPort;
import io.fabric8.kubernetes.api.model.EndpointPortBuilder;
import io.fabric8.kubernetes.api.model.EndpointSubset;
import io.fabric8.kubernetes.api.model.Endpoints;
import io.fabric8.kubernetes.api.model.EndpointsBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobConditionBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The parts of a Kubernetes cluster that have no podman equivalent, played against an API server (fabric8's mock in
 * CRUD mode) the way the real controllers do it, with the pods themselves run for real by {@link Podman} as
 * {@link PodmanPodPlan} translates them (I/O, one control loop every 250 ms):
 * <ul>
 *   <li>StatefulSet controller: pods {@code <sts>-<i>} from the template (labels incl. {@code statefulset.kubernetes.io/pod-name}
 *       and {@code controller-revision-hash}, hostname and subdomain), a claim per volumeClaimTemplate (a PVC object,
 *       Bound, and a host directory kept across pod restarts); a deleted pod is recreated with the same name and claim.</li>
 *   <li>Deployment and Job controllers: pods from the templates; Deployment replicas and ready replicas; a Job's
 *       succeeded/failed count and Complete/Failed condition, activeDeadlineSeconds enforced.</li>
 *   <li>Garbage collector: a pod whose owning StatefulSet, Deployment or Job is gone is deleted.</li>
 *   <li>Kubelet: pods in the API are started under podman, removed when deleted from the API; readiness and liveness
 *       probes run as the spec says; a dead container is restarted in the same pod (restartPolicy Always/OnFailure)
 *       with the kubelet's back-off (a first crash at once, then CrashLoopBackOff of 10 s doubling), not ready until
 *       its readiness probe passes again; status written back (podIP, phase, Ready, containerStatuses
 *       with restartCount, terminated state with the termination message file's content or, for
 *       FallbackToLogsOnError, the log's tail).</li>
 *   <li>Endpoints controller, kube-proxy and DNS ({@link ClusterNetwork}): selector Services get Endpoints of their
 *       ready (or, with publishNotReadyAddresses, all) pods; selector-less Services keep what others write; each
 *       ClusterIP Service gets a virtual address with a forwarder; names {@code <svc>.<ns>.svc} and
 *       {@code <pod>.<headless svc>.<ns>.svc} resolve in the pods and in the test JVM.</li>
 * </ul>
 * Not played: NetworkPolicies (not enforced: podman has no equivalent), scheduling and affinity (one machine),
 * resource requests and limits, rolling updates of changed templates.
 */
public final class PodmanCluster implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PodmanCluster.class);
    public static final String POD_NAME_LABEL = "statefulset.kubernetes.io/pod-name";
    public static final String REVISION_LABEL = "controller-revision-hash";

    private final KubernetesClient client;
    private final String namespace;
    private final Podman podman;
    private final ClusterNetwork net;
    private final Path work;
    private final Map<String, Path> boundClaims = new ConcurrentHashMap<>();
    /** Pods this kubelet runs, by name. */
    private final Map<String, Kubelet> pods = new ConcurrentHashMap<>();
    private final Map<String, Instant> jobStarts = new ConcurrentHashMap<>();
    private final ScheduledExecutorService loop = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "podman-cluster"));
    private final ExecutorService starters = Executors.newFixedThreadPool(3, r -> daemon(r, "podman-cluster-start"));
    private final ExecutorService probes = Executors.newCachedThreadPool(r -> daemon(r, "podman-cluster-probe"));
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    private volatile Throwable lastFailure;

    private PodmanCluster(KubernetesClient client, String namespace, Podman podman, ClusterNetwork net, Path work) {
        this.client = client;
        this.namespace = namespace;
        this.podman = podman;
        this.net = net;
        this.work = work;
    }

    /**
     * Starts the cluster's loop on a new internal network 10.89.{@code octet}.0/24, named {@code network}; the DNS is
     * written to {@code hostsFile} (which the test JVM must read through {@code -Djdk.net.hosts.file}).
     */
    public static PodmanCluster start(KubernetesClient client, String namespace, Podman podman, String network, int octet,
                                      Path hostsFile, Path work) throws IOException {
        Files.createDirectories(work);
        ClusterNetwork net = new ClusterNetwork(podman, network, octet, hostsFile);
        PodmanCluster cluster = new PodmanCluster(client, namespace, podman, net, work);
        cluster.loop.scheduleWithFixedDelay(cluster::reconcileQuietly, 0, 250, TimeUnit.MILLISECONDS);
        return cluster;
    }

    /** Writes the DNS's fixed part to {@code hostsFile}, for a JVM that must resolve localhost before the cluster exists. */
    public static void prepareHostsFile(Path hostsFile) throws IOException {
        Files.createDirectories(hostsFile.getParent());
        Files.writeString(hostsFile, ClusterNetwork.baseHosts());
    }

    /** A claim that exists before any pod (the backup store's): the claim name is bound to this host directory. */
    public void bindClaim(String claimName, Path hostDirectory) {
        boundClaims.put(claimName, hostDirectory);
        upsertClaim(new PersistentVolumeClaimBuilder().withNewMetadata().withName(claimName).withNamespace(namespace).endMetadata()
                .withNewSpec().withAccessModes("ReadWriteOnce").endSpec().build());
    }

    /** The host directory behind a claim, once the claim exists. */
    public Optional<Path> claimDirectory(String claimName) {
        return Optional.ofNullable(boundClaims.get(claimName));
    }

    /** The podman container that runs a pod's container. */
    public static String containerName(String pod, String container) {
        return pod + "-" + container;
    }

    public Podman podman() {
        return podman;
    }

    /** Connections a Service's port has accepted through its forwarder (evidence a client went through the Service). */
    public int connectionsTo(String service, int port) {
        return net.connectionsTo(service, port);
    }

    /** The last failure of the control loop, if any (a test reports it when it times out). */
    public Optional<Throwable> lastFailure() {
        return Optional.ofNullable(lastFailure);
    }

    // ---- the control loop ----------------------------------------------------------------------------------

    private void reconcileQuietly() {
        try {
            reconcile();
        } catch (Throwable t) {
            if (lastFailure == null || !Objects.equals(String.valueOf(lastFailure.getMessage()), String.valueOf(t.getMessage()))) {
                log.warn("podman cluster pass failed", t);
            }
            lastFailure = t;
        }
    }

    private void reconcile() {
        List<Pod> apiPods = client.pods().inNamespace(namespace).list().getItems();
        statefulSets(apiPods);
        deployments(apiPods);
        jobs(apiPods);
        collectGarbage(apiPods);
        apiPods = client.pods().inNamespace(namespace).list().getItems();
        kubelet(apiPods);
        services(client.pods().inNamespace(namespace).list().getItems());
    }

    // ---- controllers -------------------------------------------------------------------------------------

    private void statefulSets(List<Pod> apiPods) {
        Set<String> existing = apiPods.stream().map(p -> p.getMetadata().getName()).collect(Collectors.toSet());
        for (StatefulSet sts : client.apps().statefulSets().inNamespace(namespace).list().getItems()) {
            String revision = sts.getMetadata().getName() + "-" + hash(sts.getSpec().getTemplate());
            int replicas = Objects.requireNonNullElse(sts.getSpec().getReplicas(), 1);
            for (int i = 0; i < replicas; i++) {
                String name = sts.getMetadata().getName() + "-" + i;
                if (existing.contains(name) || pods.containsKey(name)) {
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

    private void upsertClaim(PersistentVolumeClaim claim) {
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

    // ---- kubelet ---------------------------------------------------------------------------------------------

    private void kubelet(List<Pod> apiPods) {
        Map<String, Pod> byName = new LinkedHashMap<>();
        apiPods.forEach(p -> byName.put(p.getMetadata().getName(), p));
        // Pods deleted from the API (or replaced by a new one of the same name): their containers go.
        for (Kubelet k : List.copyOf(pods.values())) {
            Pod now = byName.get(k.name);
            if ((now == null || !now.getMetadata().getUid().equals(k.uid)) && !k.removing) {
                k.removing = true;
                starters.execute(() -> {
                    k.awaitStarted();
                    podman.removePod(k.name);
                    pods.remove(k.name, k);
                });
            }
        }
        for (Pod pod : apiPods) {
            if (!pods.containsKey(pod.getMetadata().getName()) && pod.getMetadata().getDeletionTimestamp() == null
                    && !isFinished(pod)) {
                Kubelet k = new Kubelet(pod, net.allocatePodAddress());
                pods.put(k.name, k);
                starters.execute(k::start);
            }
        }
        long snapshot = System.nanoTime();
        Map<String, Podman.ContainerState> states = podman.containerStates();
        for (Kubelet k : pods.values()) {
            // A pod whose start finished after the snapshot is not in it yet: it is looked at on the next pass.
            if (!k.removing && k.started && k.startedNanos < snapshot) {
                k.sync(states);
            }
        }
    }

    private static boolean isFinished(Pod pod) {
        String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
        return "Succeeded".equals(phase) || "Failed".equals(phase);
    }

    /** One pod as the kubelet runs it: its podman pod, probes, restarts and the status it reports. */
    private final class Kubelet {
        final String name;
        final String uid;
        final Pod pod;
        final String ip;
        final Map<String, ContainerRun> containers = new LinkedHashMap<>();
        volatile boolean started;
        volatile long startedNanos;
        volatile boolean removing;
        volatile String startFailure;
        private final Object startLock = new Object();
        private boolean startDone;
        private Pod lastWritten;

        Kubelet(Pod pod, String ip) {
            this.pod = pod;
            this.name = pod.getMetadata().getName();
            this.uid = pod.getMetadata().getUid();
            this.ip = ip;
            for (Container c : pod.getSpec().getContainers()) {
                containers.put(c.getName(), new ContainerRun(c, containerName(name, c.getName()), ip));
            }
        }

        void start() {
            try {
                PodmanPodPlan plan = PodmanPodPlan.plan(pod, new PodmanPodPlan.Cluster(net.network(), ip, namespace, secrets(),
                        configMaps(), Map.copyOf(boundClaims), work.resolve("pods"), net.hostsFile()));
                podman.startPod(plan);
                long now = System.nanoTime();
                containers.values().forEach(c -> c.startedAt(now));
                startedNanos = now;
                started = true;
            } catch (RuntimeException e) {
                startFailure = e.getMessage();
                log.warn("pod {} could not start", name, e);
                writeStatus(status("Pending", false, Map.of()));
            } finally {
                synchronized (startLock) {
                    startDone = true;
                    startLock.notifyAll();
                }
            }
        }

        void awaitStarted() {
            synchronized (startLock) {
                while (!startDone) {
                    try {
                        startLock.wait(1000);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
            }
        }

        void sync(Map<String, Podman.ContainerState> states) {
            String restartPolicy = Objects.requireNonNullElse(pod.getSpec().getRestartPolicy(), "Always");
            long now = System.nanoTime();
            for (ContainerRun c : containers.values()) {
                Podman.ContainerState state = states.get(c.podmanName);
                boolean running = state != null && state.running();
                if (!running && c.running) {
                    int exit = state == null ? -1 : state.exitCode();
                    c.running = false;
                    c.ready = false;
                    c.lastExit = exit;
                    if ("Always".equals(restartPolicy) || ("OnFailure".equals(restartPolicy) && exit != 0)) {
                        c.scheduleRestart(now);
                        log.info("container {} exited ({}); restart in {} s", c.podmanName, exit,
                                TimeUnit.NANOSECONDS.toSeconds(c.restartAt - now));
                    } else {
                        c.terminatedForGood = true;
                        c.message = terminationMessage(c, exit);
                    }
                }
                if (c.waitingToRestart && now >= c.restartAt) {
                    c.waitingToRestart = false;
                    c.restarts++;
                    try {
                        podman.start(c.podmanName);
                        c.startedAt(System.nanoTime());
                    } catch (RuntimeException e) {
                        log.warn("could not restart {}", c.podmanName, e);
                        c.scheduleRestart(System.nanoTime());
                    }
                }
                if (running && c.running) {
                    c.probe();
                }
            }
            boolean allDone = containers.values().stream().allMatch(c -> c.terminatedForGood);
            String phase = allDone ? (containers.values().stream().allMatch(c -> c.lastExit == 0) ? "Succeeded" : "Failed") : "Running";
            boolean ready = !allDone && containers.values().stream().allMatch(c -> c.ready);
            Map<String, Boolean> readiness = new LinkedHashMap<>();
            containers.forEach((k, c) -> readiness.put(k, c.ready));
            writeStatus(status(phase, ready, readiness));
        }

        private String terminationMessage(ContainerRun c, int exit) {
            try {
                String message = Files.readString(PodmanPodPlan.terminationMessageFile(work.resolve("pods"), name, c.spec.getName()));
                if (message.isEmpty() && exit != 0 && "FallbackToLogsOnError".equals(c.spec.getTerminationMessagePolicy())) {
                    String logs = podman.logs(c.podmanName);
                    message = logs.length() > 2048 ? logs.substring(logs.length() - 2048) : logs;
                }
                byte[] bytes = message.getBytes(StandardCharsets.UTF_8);
                return bytes.length > 4096 ? new String(bytes, 0, 4096, StandardCharsets.UTF_8) : message;
            } catch (IOException e) {
                return "";
            }
        }

        private Pod status(String phase, boolean ready, Map<String, Boolean> readiness) {
            List<ContainerStatus> statuses = new ArrayList<>();
            for (ContainerRun c : containers.values()) {
                ContainerStatusBuilder b = new ContainerStatusBuilder().withName(c.spec.getName()).withImage(c.spec.getImage())
                        .withReady(readiness.getOrDefault(c.spec.getName(), false)).withRestartCount(c.restarts).withStarted(c.running);
                if (c.terminatedForGood) {
                    b.withNewState().withNewTerminated().withExitCode(c.lastExit).withReason(c.lastExit == 0 ? "Completed" : "Error")
                            .withMessage(c.message).endTerminated().endState();
                } else if (started && c.running) {
                    b.withNewState().withNewRunning().withStartedAt(c.startedAtWall).endRunning().endState();
                } else if (c.waitingToRestart) {
                    b.withNewState().withNewWaiting().withReason("CrashLoopBackOff").withMessage("back-off restarting failed container")
                            .endWaiting().endState();
                    b.withNewLastState().withNewTerminated().withExitCode(c.lastExit).withReason("Error").endTerminated().endLastState();
                } else {
                    b.withNewState().withNewWaiting().withReason(startFailure == null ? "ContainerCreating" : "CreateContainerError")
                            .withMessage(startFailure).endWaiting().endState();
                }
                statuses.add(b.build());
            }
            List<PodCondition> conditions = List.of(
                    new PodConditionBuilder().withType("PodScheduled").withStatus("True").build(),
                    new PodConditionBuilder().withType("ContainersReady").withStatus(ready ? "True" : "False").build(),
                    new PodConditionBuilder().withType("Ready").withStatus(ready ? "True" : "False").build());
            return new PodBuilder(pod).withNewStatus().withPhase(phase).withPodIP(started ? ip : null)
                    .withPodIPs(started ? List.of(new io.fabric8.kubernetes.api.model.PodIPBuilder().withIp(ip).build()) : List.of())
                    .withConditions(conditions).withContainerStatuses(statuses).endStatus().build();
        }

        private void writeStatus(Pod desired) {
            if (lastWritten != null && Objects.equals(lastWritten.getStatus(), desired.getStatus())) {
                return;
            }
            Pod current = client.pods().inNamespace(namespace).withName(name).get();
            if (current == null || !uid.equals(current.getMetadata().getUid())) {
                return;
            }
            current.setStatus(desired.getStatus());
            client.pods().inNamespace(namespace).resource(current).updateStatus();
            lastWritten = desired;
        }
    }

    /** One container's run: restarts, readiness and liveness as the kubelet tracks them. */
    private final class ContainerRun {
        final Container spec;
        final String podmanName;
        final String podIp;
        volatile boolean running;
        volatile boolean ready;
        int restarts;
        int lastExit;
        boolean terminatedForGood;
        String message;
        String startedAtWall;
        long startedNanos;
        /** The kubelet's restart back-off: none for a first crash, then 10 s doubling to 5 min; reset after 10 min up. */
        long backoffSeconds;
        volatile boolean waitingToRestart;
        long restartAt;
        long nextReadiness;
        long nextLiveness;
        int readinessFailures;
        int livenessFailures;
        volatile boolean probing;

        ContainerRun(Container spec, String podmanName, String podIp) {
            this.spec = spec;
            this.podmanName = podmanName;
            this.podIp = podIp;
        }

        void scheduleRestart(long now) {
            if (now - startedNanos > TimeUnit.MINUTES.toNanos(10)) {
                backoffSeconds = 0;
            }
            restartAt = now + TimeUnit.SECONDS.toNanos(backoffSeconds);
            backoffSeconds = backoffSeconds == 0 ? 10 : Math.min(backoffSeconds * 2, 300);
            waitingToRestart = true;
        }

        void startedAt(long nanos) {
            startedNanos = nanos;
            running = true;
            ready = spec.getReadinessProbe() == null;
            startedAtWall = Instant.now().toString();
            nextReadiness = nanos + seconds(spec.getReadinessProbe() == null ? null : spec.getReadinessProbe().getInitialDelaySeconds());
            nextLiveness = nanos + seconds(spec.getLivenessProbe() == null ? null : spec.getLivenessProbe().getInitialDelaySeconds());
            readinessFailures = 0;
            livenessFailures = 0;
        }

        /** Runs the probes that are due, off the loop (a probe may take its whole timeout). */
        void probe() {
            if (probing) {
                return;
            }
            long now = System.nanoTime();
            boolean readinessDue = spec.getReadinessProbe() != null && now >= nextReadiness;
            boolean livenessDue = spec.getLivenessProbe() != null && now >= nextLiveness;
            if (!readinessDue && !livenessDue) {
                return;
            }
            probing = true;
            probes.execute(() -> {
                try {
                    if (readinessDue) {
                        Probes.Check check = Probes.readiness(spec, podIp, podmanName).orElseThrow();
                        boolean ok = passes(check, timeout(spec.getReadinessProbe().getTimeoutSeconds()));
                        readinessFailures = ok ? 0 : readinessFailures + 1;
                        if (ok) {
                            ready = true;
                        } else if (readinessFailures >= check.failureThreshold()) {
                            ready = false;
                        }
                        nextReadiness = System.nanoTime() + TimeUnit.SECONDS.toNanos(check.periodSeconds());
                    }
                    if (livenessDue) {
                        Probes.Check check = Probes.liveness(spec, podIp, podmanName).orElseThrow();
                        boolean ok = passes(check, timeout(spec.getLivenessProbe().getTimeoutSeconds()));
                        livenessFailures = ok ? 0 : livenessFailures + 1;
                        nextLiveness = System.nanoTime() + TimeUnit.SECONDS.toNanos(check.periodSeconds());
                        if (livenessFailures >= check.failureThreshold()) {
                            log.info("liveness probe of {} failed {} times: killing it", podmanName, livenessFailures);
                            livenessFailures = 0;
                            podman.kill(podmanName); // the loop sees it dead and restarts it
                        }
                    }
                } catch (RuntimeException e) {
                    log.debug("probe of {} failed", podmanName, e);
                } finally {
                    probing = false;
                }
            });
        }
    }

    private static long seconds(Integer s) {
        return TimeUnit.SECONDS.toNanos(s == null ? 0 : s);
    }

    private static Duration timeout(Integer seconds) {
        return Duration.ofSeconds(seconds == null ? 1 : seconds);
    }

    /** Whether a probe passes: HTTP 200-399, a TCP connection accepted, or an exec exiting 0, within the timeout. */
    private boolean passes(Probes.Check check, Duration timeout) {
        try {
            if (check.httpUrl() != null) {
                HttpResponse<Void> r = http.send(HttpRequest.newBuilder(URI.create(check.httpUrl())).timeout(timeout).GET().build(),
                        HttpResponse.BodyHandlers.discarding());
                return r.statusCode() >= 200 && r.statusCode() < 400;
            }
            if (check.tcpAddress() != null) {
                String[] hostPort = check.tcpAddress().split(":");
                try (Socket s = new Socket()) {
                    s.connect(new InetSocketAddress(hostPort[0], Integer.parseInt(hostPort[1])), (int) timeout.toMillis());
                    return true;
                }
            }
            return podman.run(check.exec(), timeout.plusSeconds(5), false).exitCode() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    // ---- Services, Endpoints, DNS ----------------------------------------------------------------------------

    private void services(List<Pod> apiPods) {
        Map<String, String> names = new TreeMap<>();
        for (Kubelet k : pods.values()) {
            if (!k.removing) {
                names.put(k.name, k.ip);
            }
        }
        for (Service svc : client.services().inNamespace(namespace).list().getItems()) {
            String name = svc.getMetadata().getName();
            boolean headless = "None".equals(svc.getSpec().getClusterIP());
            Map<String, String> selector = svc.getSpec().getSelector();
            if (selector != null && !selector.isEmpty()) {
                writeEndpoints(svc, apiPods.stream().filter(p -> matches(p, selector)).toList());
            }
            if (headless) {
                // <pod>.<svc>.<ns>.svc for each address with a host name (pods whose subdomain is this Service).
                Endpoints endpoints = client.endpoints().inNamespace(namespace).withName(name).get();
                for (EndpointAddress a : addresses(endpoints)) {
                    if (a.getHostname() != null) {
                        names.put(a.getHostname() + "." + name + "." + namespace + ".svc", a.getIp());
                        names.put(a.getHostname() + "." + name + "." + namespace + ".svc.cluster.local", a.getIp());
                    }
                }
                continue;
            }
            String vip = net.serviceAddress(name);
            names.put(name + "." + namespace + ".svc", vip);
            names.put(name + "." + namespace + ".svc.cluster.local", vip);
            for (ServicePort port : svc.getSpec().getPorts()) {
                net.ensureProxy(name, port.getPort(), () -> targets(name, port));
            }
        }
        net.setNames(names);
    }

    /** kube-proxy's choice for one Service port: the Endpoints' addresses with the port named like the Service's. */
    private List<ServiceProxy.Target> targets(String service, ServicePort port) {
        Endpoints endpoints = client.endpoints().inNamespace(namespace).withName(service).get();
        List<ServiceProxy.Target> targets = new ArrayList<>();
        if (endpoints == null || endpoints.getSubsets() == null) {
            return targets;
        }
        for (EndpointSubset subset : endpoints.getSubsets()) {
            Optional<Integer> targetPort = Optional.ofNullable(subset.getPorts()).orElse(List.of()).stream()
                    .filter(p -> port.getName() == null || subset.getPorts().size() == 1 || port.getName().equals(p.getName()))
                    .map(EndpointPort::getPort).findFirst();
            if (targetPort.isEmpty()) {
                continue;
            }
            for (EndpointAddress a : Optional.ofNullable(subset.getAddresses()).orElse(List.of())) {
                targets.add(new ServiceProxy.Target(a.getIp(), targetPort.get()));
            }
        }
        return targets;
    }

    private void writeEndpoints(Service svc, List<Pod> selected) {
        boolean notReadyToo = Boolean.TRUE.equals(svc.getSpec().getPublishNotReadyAddresses());
        List<EndpointAddress> addresses = new ArrayList<>();
        for (Pod p : selected) {
            if (p.getStatus() == null || p.getStatus().getPodIP() == null || p.getMetadata().getDeletionTimestamp() != null
                    || isFinished(p) || (!notReadyToo && !isReady(p))) {
                continue;
            }
            EndpointAddressBuilder a = new EndpointAddressBuilder().withIp(p.getStatus().getPodIP()).withNewTargetRef()
                    .withKind("Pod").withName(p.getMetadata().getName()).withNamespace(namespace).withUid(p.getMetadata().getUid())
                    .endTargetRef();
            if (p.getSpec().getHostname() != null && svc.getMetadata().getName().equals(p.getSpec().getSubdomain())) {
                a.withHostname(p.getSpec().getHostname());
            }
            addresses.add(a.build());
        }
        addresses.sort(java.util.Comparator.comparing(EndpointAddress::getIp));
        List<EndpointPort> ports = new ArrayList<>();
        for (ServicePort sp : svc.getSpec().getPorts()) {
            int target = sp.getTargetPort() == null ? sp.getPort()
                    : sp.getTargetPort().getIntVal() != null ? sp.getTargetPort().getIntVal()
                    : namedPort(selected, sp.getTargetPort().getStrVal()).orElse(sp.getPort());
            ports.add(new EndpointPortBuilder().withName(sp.getName()).withPort(target).withProtocol(sp.getProtocol()).build());
        }
        EndpointsBuilder desired = new EndpointsBuilder().withNewMetadata().withName(svc.getMetadata().getName())
                .withNamespace(namespace).withLabels(svc.getMetadata().getLabels()).endMetadata();
        if (!addresses.isEmpty()) {
            desired.addNewSubset().withAddresses(addresses).withPorts(ports).endSubset();
        }
        Endpoints want = desired.build();
        Endpoints current = client.endpoints().inNamespace(namespace).withName(svc.getMetadata().getName()).get();
        if (current != null && Objects.equals(Optional.ofNullable(current.getSubsets()).orElse(List.of()),
                Optional.ofNullable(want.getSubsets()).orElse(List.of()))) {
            return;
        }
        if (current == null) {
            client.endpoints().inNamespace(namespace).resource(want).create();
        } else {
            current.setSubsets(want.getSubsets());
            client.endpoints().inNamespace(namespace).resource(current).update();
        }
    }

    private static Optional<Integer> namedPort(List<Pod> pods, String name) {
        return pods.stream().flatMap(p -> p.getSpec().getContainers().stream())
                .flatMap(c -> Optional.ofNullable(c.getPorts()).orElse(List.of()).stream())
                .filter(p -> name.equals(p.getName())).map(io.fabric8.kubernetes.api.model.ContainerPort::getContainerPort).findFirst();
    }

    private static List<EndpointAddress> addresses(Endpoints endpoints) {
        if (endpoints == null || endpoints.getSubsets() == null) {
            return List.of();
        }
        return endpoints.getSubsets().stream().flatMap(s -> Optional.ofNullable(s.getAddresses()).orElse(List.of()).stream()).toList();
    }

    private static boolean matches(Pod pod, Map<String, String> selector) {
        Map<String, String> labels = Optional.ofNullable(pod.getMetadata().getLabels()).orElse(Map.of());
        return selector.entrySet().stream().allMatch(e -> e.getValue().equals(labels.get(e.getKey())));
    }

    public static boolean isReady(Pod pod) {
        return pod.getStatus() != null && pod.getStatus().getConditions() != null && pod.getStatus().getConditions().stream()
                .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
    }

    // ---- what the API holds for the pods ------------------------------------------------------------------------

    private Map<String, Map<String, byte[]>> secrets() {
        Map<String, Map<String, byte[]>> out = new TreeMap<>();
        for (Secret s : client.secrets().inNamespace(namespace).list().getItems()) {
            Map<String, byte[]> data = new TreeMap<>();
            Optional.ofNullable(s.getData()).orElse(Map.of()).forEach((k, v) -> data.put(k, Base64.getDecoder().decode(v)));
            // The API server folds stringData into data on write; the mock keeps it apart.
            Optional.ofNullable(s.getStringData()).orElse(Map.of()).forEach((k, v) -> data.put(k, v.getBytes(StandardCharsets.UTF_8)));
            out.put(s.getMetadata().getName(), data);
        }
        return out;
    }

    private Map<String, Map<String, String>> configMaps() {
        Map<String, Map<String, String>> out = new TreeMap<>();
        client.configMaps().inNamespace(namespace).list().getItems()
                .forEach(c -> out.put(c.getMetadata().getName(), Optional.ofNullable(c.getData()).orElse(Map.of())));
        return out;
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

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    /** Polls the API until {@code condition} holds for the pod (a test's await); fails with the pod's last state. */
    public Pod awaitPod(String name, Duration timeout, Predicate<Pod> condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        Pod last = null;
        while (System.nanoTime() < deadline) {
            last = client.pods().inNamespace(namespace).withName(name).get();
            if (last != null && condition.test(last)) {
                return last;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("pod " + name + " did not reach the expected state within " + timeout + "; last: "
                + (last == null ? "absent" : last.getStatus()) + lastFailure().map(t -> "; cluster: " + t).orElse(""));
    }

    /** Stops the loop, then removes every pod, the forwarders and the network (host directories are the caller's). */
    @Override
    public void close() {
        loop.shutdownNow();
        try {
            loop.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        starters.shutdownNow();
        probes.shutdownNow();
        net.close();
    }
}
