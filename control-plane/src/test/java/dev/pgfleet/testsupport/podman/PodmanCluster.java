package dev.pgfleet.testsupport.podman;

import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The parts of a Kubernetes cluster that have no podman equivalent, played against an API server (fabric8's mock in
 * CRUD mode) the way the real controllers do it, with the pods themselves run for real by {@link Podman} as
 * {@link PodmanPodPlan} translates them (I/O, one control loop every 250 ms; {@link Controllers}, {@link Kubelet},
 * {@link ServiceController}):
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
 *       ready (or, with publishNotReadyAddresses, all) pods, the others as notReadyAddresses; selector-less Services keep what others write; each
 *       ClusterIP Service gets a virtual address with a forwarder; names {@code <svc>.<ns>.svc} and
 *       {@code <pod>.<headless svc>.<ns>.svc} resolve in the pods and in the test JVM.</li>
 * </ul>
 * Not played: NetworkPolicies (not enforced: podman has no equivalent), scheduling and affinity (one machine),
 * rolling updates of changed templates (a StatefulSet's or Deployment's existing pods keep their template).
 */
public final class PodmanCluster implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PodmanCluster.class);
    public static final String POD_NAME_LABEL = "statefulset.kubernetes.io/pod-name";
    public static final String REVISION_LABEL = "controller-revision-hash";

    private final KubernetesClient client;
    private final String namespace;
    private final Podman podman;
    private final ClusterNetwork net;
    private final Map<String, Path> boundClaims = new ConcurrentHashMap<>();
    private final Kubelet kubelet;
    private final Controllers controllers;
    private final ServiceController services;
    private final ScheduledExecutorService loop = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "podman-cluster"));
    private volatile Throwable lastFailure;

    private PodmanCluster(KubernetesClient client, String namespace, Podman podman, ClusterNetwork net, Path work) {
        this.client = client;
        this.namespace = namespace;
        this.podman = podman;
        this.net = net;
        this.kubelet = new Kubelet(client, namespace, podman, net, work, boundClaims);
        this.controllers = new Controllers(client, namespace, work, boundClaims, kubelet::runs);
        this.services = new ServiceController(client, namespace, net);
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
        controllers.upsertClaim(new PersistentVolumeClaimBuilder().withNewMetadata().withName(claimName).withNamespace(namespace)
                .endMetadata().withNewSpec().withAccessModes("ReadWriteOnce").endSpec().build());
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

    public static boolean isReady(Pod pod) {
        return pod.getStatus() != null && pod.getStatus().getConditions() != null && pod.getStatus().getConditions().stream()
                .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
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

    /** Controllers first (they make Pod objects), then the kubelet (it runs them), then Endpoints and DNS. */
    private void reconcile() {
        controllers.reconcile(listPods());
        kubelet.sync(listPods());
        services.reconcile(listPods(), kubelet.podAddresses());
    }

    private List<Pod> listPods() {
        return client.pods().inNamespace(namespace).list().getItems();
    }

    static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    /** Stops the loop, the kubelet's workers and the forwarders; the test's {@link Podman} removes pods and network. */
    @Override
    public void close() {
        loop.shutdownNow();
        try {
            loop.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        kubelet.close();
        net.close();
    }
}
