package dev.pgfleet.testsupport.podman;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The kubelet of the test cluster (I/O): runs each pod the API lists under podman ({@link PodmanPodPlan}), removes
 * those deleted from the API, restarts dead containers with the kubelet's back-off, runs the probes
 * ({@link ContainerRun}) and writes each pod's status back to the API.
 */
final class Kubelet implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Kubelet.class);

    private final KubernetesClient client;
    private final String namespace;
    private final Podman podman;
    private final ClusterNetwork net;
    private final Path work;
    private final Map<String, Path> boundClaims;
    /** Pods this kubelet runs, by name. */
    private final Map<String, PodRun> pods = new ConcurrentHashMap<>();
    private final ExecutorService starters = Executors.newFixedThreadPool(3, r -> PodmanCluster.daemon(r, "kubelet-start"));
    private final ExecutorService probes = Executors.newCachedThreadPool(r -> PodmanCluster.daemon(r, "kubelet-probe"));
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    private int passes;

    Kubelet(KubernetesClient client, String namespace, Podman podman, ClusterNetwork net, Path work, Map<String, Path> boundClaims) {
        this.client = client;
        this.namespace = namespace;
        this.podman = podman;
        this.net = net;
        this.work = work;
        this.boundClaims = boundClaims;
    }

    /** Whether a pod of that name still runs here (its containers not yet removed). */
    boolean runs(String pod) {
        return pods.containsKey(pod);
    }

    /** Each running pod's own name and address (the DNS answers them). */
    Map<String, String> podAddresses() {
        Map<String, String> addresses = new TreeMap<>();
        pods.values().stream().filter(p -> !p.removing).forEach(p -> addresses.put(p.name, p.ip));
        return addresses;
    }

    /** One pass over the pods the API lists. */
    void sync(List<Pod> apiPods) {
        Map<String, Pod> byName = new LinkedHashMap<>();
        apiPods.forEach(p -> byName.put(p.getMetadata().getName(), p));
        // Pods deleted from the API (or replaced by a new one of the same name): their containers go.
        for (PodRun k : List.copyOf(pods.values())) {
            Pod now = byName.get(k.name);
            if ((now == null || !now.getMetadata().getUid().equals(k.uid)) && !k.removing) {
                k.removing = true;
                starters.execute(() -> {
                    k.awaitStarted();
                    podman.removePod(k.name, Duration.ofSeconds(Objects.requireNonNullElse(
                            k.pod.getSpec().getTerminationGracePeriodSeconds(), 30L)));
                    pods.remove(k.name, k);
                });
            }
        }
        for (Pod pod : apiPods) {
            if (!pods.containsKey(pod.getMetadata().getName()) && pod.getMetadata().getDeletionTimestamp() == null
                    && !isFinished(pod)) {
                PodRun k = new PodRun(pod, net.allocatePodAddress());
                pods.put(k.name, k);
                starters.execute(k::start);
            }
        }
        long snapshot = System.nanoTime();
        Map<String, Podman.ContainerState> states = podman.containerStates();
        for (PodRun k : pods.values()) {
            // A pod whose start finished after the snapshot is not in it yet: it is looked at on the next pass.
            if (!k.removing && k.started && k.startedNanos < snapshot) {
                k.sync(states);
            }
        }
        if (++passes % 4 == 0) {
            refreshVolumes();
        }
    }

    /**
     * The kubelet refreshes mounted Secrets and ConfigMaps in running pods (no restart): a changed key is rewritten, a
     * new one appears, a removed one goes. About once a second here (a real kubelet takes up to a minute or so).
     */
    private void refreshVolumes() {
        Map<String, Map<String, byte[]>> secrets = secrets();
        Map<String, Map<String, String>> configMaps = configMaps();
        for (PodRun k : pods.values()) {
            if (k.started && !k.removing) {
                try {
                    PodmanPodPlan now = k.plan(secrets, configMaps);
                    podman.refreshFiles(k.plan, now);
                    k.plan = now;
                } catch (IllegalArgumentException e) {
                    // A Secret or ConfigMap the pod needs is gone: the kubelet keeps what it mounted.
                }
            }
        }
    }

    static boolean isFinished(Pod pod) {
        String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
        return "Succeeded".equals(phase) || "Failed".equals(phase);
    }

    /** One pod as the kubelet runs it: its podman pod, probes, restarts and the status it reports. */
    private final class PodRun {
        final String name;
        final String uid;
        final Pod pod;
        final String ip;
        final Map<String, ContainerRun> containers = new LinkedHashMap<>();
        volatile boolean started;
        /** What it was started with; its Secret and ConfigMap files are refreshed from the API. */
        volatile PodmanPodPlan plan;
        volatile long startedNanos;
        volatile boolean removing;
        volatile String startFailure;
        private final Object startLock = new Object();
        /** A start (or its retry) is under way: a removal waits for it, and a start after a removal does nothing. */
        private boolean startInFlight;
        private Pod lastWritten;

        PodRun(Pod pod, String ip) {
            this.pod = pod;
            this.name = pod.getMetadata().getName();
            this.uid = pod.getMetadata().getUid();
            this.ip = ip;
            for (Container c : pod.getSpec().getContainers()) {
                containers.put(c.getName(), new ContainerRun(c, PodmanCluster.containerName(name, c.getName()), ip, podman, probes, http));
            }
        }

        void start() {
            synchronized (startLock) {
                if (removing) {
                    return;
                }
                startInFlight = true;
            }
            try {
                plan = plan(secrets(), configMaps());
                podman.startPod(plan);
                long now = System.nanoTime();
                containers.values().forEach(c -> c.startedAt(now));
                startedNanos = now;
                started = true;
            } catch (RuntimeException e) {
                if (!String.valueOf(e.getMessage()).equals(startFailure)) {
                    log.warn("pod {} could not start; retrying", name, e);
                }
                startFailure = e.getMessage();
                writeStatus(status("Pending", false, Map.of()));
                retryStart();
            } finally {
                synchronized (startLock) {
                    startInFlight = false;
                    startLock.notifyAll();
                }
            }
        }

        /**
         * What the kubelet does with a pod it could not start (a volume's Secret not there yet, a podman error): it
         * tries again, after a pause and from a clean slate (whatever part of the pod podman made is removed).
         */
        private void retryStart() {
            try {
                Thread.sleep(2000);
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
                return;
            }
            podman.removePod(name, Duration.ofSeconds(1));
            if (!removing) {
                starters.execute(this::start);
            }
        }

        PodmanPodPlan plan(Map<String, Map<String, byte[]>> secrets, Map<String, Map<String, String>> configMaps) {
            return PodmanPodPlan.plan(pod, new PodmanPodPlan.Cluster(net.network(), ip, namespace, secrets, configMaps,
                    Map.copyOf(boundClaims), work.resolve("pods"), net.hostsFile()));
        }

        void awaitStarted() {
            synchronized (startLock) {
                while (startInFlight) {
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
                    c.message = terminationMessage(c, exit);
                    if ("Always".equals(restartPolicy) || ("OnFailure".equals(restartPolicy) && exit != 0)) {
                        c.scheduleRestart(now);
                        log.info("container {} exited ({}); restart in {} s", c.podmanName, exit,
                                TimeUnit.NANOSECONDS.toSeconds(c.restartAt - now));
                    } else {
                        c.terminatedForGood = true;
                    }
                }
                if (c.waitingToRestart && now >= c.restartAt) {
                    c.waitingToRestart = false;
                    c.restarts++;
                    try {
                        // A new container instance, a new (empty) termination message file, as the kubelet gives it.
                        Files.write(PodmanPodPlan.terminationMessageFile(work.resolve("pods"), name, c.spec.getName()), new byte[0]);
                        podman.start(c.podmanName);
                        c.startedAt(System.nanoTime());
                    } catch (RuntimeException | IOException e) {
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
                } else {
                    b.withNewState().withNewWaiting().withReason(startFailure == null ? "ContainerCreating" : "CreateContainerError")
                            .withMessage(startFailure).endWaiting().endState();
                }
                if (c.restarts > 0 || c.waitingToRestart) {
                    // The instance before this one, with its termination message (what the control plane reads of a crash).
                    b.withNewLastState().withNewTerminated().withExitCode(c.lastExit).withReason(c.lastExit == 0 ? "Completed" : "Error")
                            .withMessage(c.message).endTerminated().endLastState();
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

    @Override
    public void close() {
        starters.shutdownNow();
        probes.shutdownNow();
    }
}
