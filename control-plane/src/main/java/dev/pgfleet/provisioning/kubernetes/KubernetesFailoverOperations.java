package dev.pgfleet.provisioning.kubernetes;

import dev.pgfleet.blueprint.ClusterSecrets;
import dev.pgfleet.blueprint.kubernetes.KubernetesNames;
import dev.pgfleet.blueprint.kubernetes.KubernetesSettings;
import dev.pgfleet.blueprint.kubernetes.PoolerObjects;
import dev.pgfleet.provisioning.DesiredCluster;
import dev.pgfleet.provisioning.PgBouncerConsole;
import dev.pgfleet.provisioning.PoolerStats;
import io.fabric8.kubernetes.api.model.EndpointAddress;
import io.fabric8.kubernetes.api.model.EndpointSubset;
import io.fabric8.kubernetes.api.model.Endpoints;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import dev.pgfleet.blueprint.kubernetes.MemberCrash;
import dev.pgfleet.provisioning.PatroniRest;
import io.fabric8.kubernetes.client.dsl.ExecWatch;
import java.io.ByteArrayOutputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import java.nio.charset.StandardCharsets;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Switchover and drill operations on Kubernetes (I/O). The poolers are PAUSEd and RESUMEd through each pooler
 * pod's admin console (psql, as for the local runtime: the console refuses JDBC's startup parameters). The
 * pooler needs no retargeting — it connects to the primary Service — so "pointing" it means waiting until that
 * Service's endpoints hold the new leader's pod, which the runtime writes after observing the promotion (LeaderRouting). An abrupt failure freezes
 * the member's processes inside its pod and, once a new leader is seen, SIGKILLs them (MemberCrash), never a forced
 * pod deletion.
 */
final class KubernetesFailoverOperations {
    private static final Logger log = LoggerFactory.getLogger(KubernetesFailoverOperations.class);
    static final Duration SWITCHOVER_PAUSE_TIMEOUT = Duration.ofSeconds(10);
    static final Duration SWITCHOVER_TIMEOUT = Duration.ofSeconds(60);
    static final Duration KILL_TIMEOUT = Duration.ofSeconds(30);

    private final KubernetesClient client;
    private final KubernetesSettings settings;
    private final PgBouncerConsole console;
    /** Pod name -> its container's restart count when it was frozen, until the drill's second step. */
    private final Map<String, Integer> frozen = new ConcurrentHashMap<>();

    KubernetesFailoverOperations(KubernetesClient client, KubernetesSettings settings, PgBouncerConsole console) {
        this.client = client;
        this.settings = settings;
        this.console = console;
    }

    void pausePoolers(DesiredCluster desired, Duration timeout) {
        List<String> paused = new ArrayList<>();
        try {
            for (String ip : poolerPodIps(desired)) {
                adminCommand(desired, ip, "PAUSE", timeout);
                paused.add(ip);
            }
        } catch (RuntimeException e) {
            resumePoolers(desired);
            throw new IllegalStateException("the poolers could not pause within " + timeout.toSeconds() + " s; they were resumed: "
                    + e.getMessage(), e);
        }
        if (paused.isEmpty()) {
            throw new IllegalStateException("no running pooler pod to pause");
        }
    }

    void resumePoolers(DesiredCluster desired) {
        RuntimeException failure = null;
        for (String ip : poolerPodIps(desired)) {
            try {
                adminCommand(desired, ip, "RESUME", Duration.ofSeconds(10));
            } catch (RuntimeException e) {
                if (!String.valueOf(e.getMessage()).contains("not paused")) {
                    failure = e; // try the other pods, then report
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    /** Waits until the primary Service's endpoints are exactly the leader's pod. */
    void awaitPrimaryServiceOn(DesiredCluster desired, String leader, Duration timeout) {
        awaitPrimaryServiceOn(desired, leader, timeout, () -> { });
    }

    /**
     * Waits until the primary Service's endpoints are exactly the leader's pod, running {@code route} before each
     * look (the runtime passes an observation, which writes the Endpoints from Patroni's view: the caller's word
     * alone never moves them).
     */
    void awaitPrimaryServiceOn(DesiredCluster desired, String leader, Duration timeout, Runnable route) {
        String podName = KubernetesNames.podName(desired.spec(), desired.member(leader).ordinal());
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            route.run();
            Endpoints endpoints = client.endpoints().inNamespace(settings.namespace())
                    .withName(KubernetesNames.primaryService(desired.spec())).get();
            if (targetsOnly(endpoints, podName)) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the primary Service did not select " + podName + " within " + timeout.toSeconds() + " s");
            }
            try {
                Thread.sleep(250);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
        }
    }

    /**
     * A planned switchover for a rolling restart: PAUSE the poolers, ask the leader's Patroni to hand over to the
     * candidate and wait for its answer, wait until the primary Service holds the candidate (routing through
     * {@code route}), and RESUME the poolers whatever happened. Throws when Patroni refuses or it takes too long; the
     * rollout then tries again in a later pass.
     */
    void switchoverWithPoolersPaused(DesiredCluster desired, String leader, String candidate, PatroniRest patroni, Runnable route) {
        pausePoolers(desired, SWITCHOVER_PAUSE_TIMEOUT);
        try {
            HttpResponse<String> answer = patroni.requestSwitchover(patroniAddress(desired, leader), leader, candidate,
                    desired.secrets()).get(SWITCHOVER_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            if (answer.statusCode() != 200) {
                throw new IllegalStateException("Patroni refused the switchover from " + leader + " to " + candidate + ": "
                        + answer.statusCode() + " " + answer.body());
            }
            awaitPrimaryServiceOn(desired, candidate, SWITCHOVER_TIMEOUT, route);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("the switchover from " + leader + " to " + candidate + " got no answer: " + e, e);
        } finally {
            resumePoolers(desired);
        }
    }

    /**
     * Step 1 of an abrupt failure (MemberCrash): freezes the member's processes inside its pod through pods/exec, so it
     * stops dead and its leader key lapses; remembers the container's restart count, so that step 2 never kills a
     * container that has already been restarted (by the freeze's own watchdog or the liveness probe). Never a forced
     * pod deletion.
     */
    void freezeMember(DesiredCluster desired, String member) {
        String podName = podName(desired, member);
        frozen.put(podName, restartCount(podName));
        exec(podName, MemberCrash.freeze(), "freezing");
    }

    /**
     * Step 2: SIGKILL to the frozen processes, after which the container ends and the kubelet restarts it in the same
     * pod. Skipped when the container restarted since the freeze (it runs new processes now). The exec's own
     * connection may end with the container, before an exit status arrives: that is the expected outcome.
     */
    void crashFrozenMember(DesiredCluster desired, String member) {
        String podName = podName(desired, member);
        Integer before = frozen.remove(podName);
        Integer now = restartCount(podName);
        if (before != null && now != null && now > before) {
            log.info("drill: {} restarted since it was frozen (restart count {} -> {}); nothing left to kill", podName, before, now);
            return;
        }
        try {
            exec(podName, MemberCrash.crash(), "killing the processes of");
        } catch (IllegalStateException e) {
            // The container's end may take the exec's shell with it (status 137, or an error on the stream): what counts
            // is that the container restarted.
            Integer after = restartCount(podName);
            if (after == null || before == null || after <= before) {
                throw e;
            }
        }
    }

    private String podName(DesiredCluster desired, String member) {
        return KubernetesNames.podName(desired.spec(), desired.member(member).ordinal());
    }

    private Integer restartCount(String podName) {
        Pod pod = client.pods().inNamespace(settings.namespace()).withName(podName).get();
        if (pod == null || pod.getStatus() == null || pod.getStatus().getContainerStatuses() == null) {
            return null;
        }
        return pod.getStatus().getContainerStatuses().stream().filter(c -> MemberCrash.CONTAINER.equals(c.getName()))
                .map(c -> c.getRestartCount()).findFirst().orElse(null);
    }

    private void exec(String podName, List<String> argv, String what) {
        ByteArrayOutputStream errors = new ByteArrayOutputStream();
        try (ExecWatch watch = client.pods().inNamespace(settings.namespace()).withName(podName).inContainer(MemberCrash.CONTAINER)
                .writingError(errors).exec(argv.toArray(String[]::new))) {
            Integer exit = watch.exitCode().get(KILL_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            if (exit != null && exit > 0) {
                throw new IllegalStateException(what + " " + podName + " failed with status " + exit + ": "
                        + errors.toString(StandardCharsets.UTF_8).strip());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("could not exec in " + podName + ": " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException(what + " " + podName + " did not finish within " + KILL_TIMEOUT.toSeconds() + " s", e);
        }
    }

    String patroniAddress(DesiredCluster desired, String member) {
        return KubernetesNames.memberHost(desired.spec(), desired.member(member).ordinal(), settings) + ":" + KubernetesRuntime.PATRONI_PORT;
    }

    /** Pure: whether the endpoints' ready addresses are the one pod. */
    static boolean targetsOnly(Endpoints endpoints, String podName) {
        if (endpoints == null || endpoints.getSubsets() == null) {
            return false;
        }
        List<String> pods = new ArrayList<>();
        for (EndpointSubset subset : endpoints.getSubsets()) {
            for (EndpointAddress address : Objects.requireNonNullElse(subset.getAddresses(), List.<EndpointAddress>of())) {
                pods.add(Optional.ofNullable(address.getTargetRef()).map(r -> r.getName()).orElse(null));
            }
        }
        return pods.equals(List.of(podName));
    }

    private List<String> poolerPodIps(DesiredCluster desired) {
        return client.pods().inNamespace(settings.namespace())
                .withLabels(KubernetesNames.selector(desired.spec(), KubernetesNames.POOLER_COMPONENT)).list().getItems().stream()
                .filter(p -> p.getStatus() != null && "Running".equals(p.getStatus().getPhase()))
                .map(Pod::getStatus).map(s -> s.getPodIP()).filter(Objects::nonNull).sorted().toList();
    }

    /** SHOW POOLS and SHOW STATS of every running pooler pod, summed; throws when none answers. */
    PoolerStats fetchPoolerStats(DesiredCluster desired) {
        PoolerStats total = PoolerStats.NONE;
        RuntimeException failure = null;
        for (String ip : poolerPodIps(desired)) {
            try {
                PgBouncerConsole.Address pod = console(desired, ip, PoolerObjects.LISTEN_PORT);
                total = total.plus(PoolerStats.parse(console.fetchTable(pod, "SHOW POOLS", Duration.ofSeconds(10)),
                        console.fetchTable(pod, "SHOW STATS", Duration.ofSeconds(10)),
                        desired.spec().databaseName()));
            } catch (RuntimeException e) {
                failure = e; // one pod restarting must not hide the others' figures
            }
        }
        if (total.poolers() == 0) {
            throw failure != null ? failure : new IllegalStateException("no running pooler pod");
        }
        return total;
    }

    /**
     * RELOAD on one pooler pod's admin console: PgBouncer re-reads its configuration and its TLS files (a renewed
     * certificate, see KubernetesTlsReload); client connections are kept.
     */
    void reloadPooler(DesiredCluster desired, String podIp, int port) {
        console.runCommand(console(desired, podIp, port), "RELOAD", Duration.ofSeconds(10));
    }

    private void adminCommand(DesiredCluster desired, String podIp, String command, Duration timeout) {
        console.runCommand(console(desired, podIp, PoolerObjects.LISTEN_PORT), command, timeout);
    }

    private static PgBouncerConsole.Address console(DesiredCluster desired, String podIp, int port) {
        return new PgBouncerConsole.Address(podIp, port, desired.poolerAdminPassword());
    }
}
