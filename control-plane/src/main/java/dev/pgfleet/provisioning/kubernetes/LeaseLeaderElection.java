package dev.pgfleet.provisioning.kubernetes;

import dev.pgfleet.provisioning.ReconcileGate;
import dev.pgfleet.blueprint.kubernetes.KubernetesSettings;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElectionConfigBuilder;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaseLock;
import java.time.Duration;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * Leader election between control-plane replicas through a Kubernetes Lease: only the holder reconciles.
 * A replica that loses the lease stops reconciling at once; another takes over within the lease duration.
 * fabric8's elector ends for good once it loses the lease, so a new one is started every time the previous
 * one ends, until the application stops: a replica cut off from the API server competes again when it returns.
 */
@Component
@ConditionalOnProperty(name = "pgfleet.runtime", havingValue = "kubernetes")
class LeaseLeaderElection implements ReconcileGate, SmartLifecycle {
    private static final Logger log = LoggerFactory.getLogger(LeaseLeaderElection.class);

    private final KubernetesClient client;
    private final String namespace;
    private final String leaseName;
    private final String identity;
    private volatile boolean leader;
    private volatile boolean stopped;
    private volatile CompletableFuture<?> election;

    LeaseLeaderElection(KubernetesClient client, KubernetesProperties properties, KubernetesSettings settings) {
        this.client = client;
        // The control plane's own namespace, where the chart puts the Lease's Role; the databases' namespace may
        // be another one, where the control plane has no right to Leases.
        this.namespace = settings.controlPlaneNamespace();
        this.leaseName = properties.leaseName();
        this.identity = Objects.requireNonNullElse(System.getenv("POD_NAME"), "pgfleet-" + UUID.randomUUID());
    }

    @Override
    public boolean mayReconcile() {
        return leader;
    }

    @Override
    public void start() {
        stopped = false;
        elect();
    }

    private synchronized void elect() {
        if (stopped) {
            return;
        }
        CompletableFuture<?> e = client.leaderElector().withConfig(new LeaderElectionConfigBuilder()
                .withName("pgfleet-control-plane")
                .withLock(new LeaseLock(namespace, leaseName, identity))
                .withLeaseDuration(Duration.ofSeconds(15))
                .withRenewDeadline(Duration.ofSeconds(10))
                .withRetryPeriod(Duration.ofSeconds(2))
                .withReleaseOnCancel(true)
                .withLeaderCallbacks(new LeaderCallbacks(
                        () -> {
                            leader = true;
                            log.info("{} leads reconciliation (lease {}/{})", identity, namespace, leaseName);
                        },
                        () -> {
                            leader = false;
                            log.info("{} stopped leading reconciliation", identity);
                        },
                        newLeader -> log.info("reconciliation is led by {}", newLeader)))
                .build()).build().start();
        election = e;
        e.whenComplete((result, failure) -> {
            leader = false;
            if (!stopped) {
                log.info("{} left the election ({}); entering it again", identity, failure == null ? "lease lost" : failure.toString());
                CompletableFuture.delayedExecutor(2, java.util.concurrent.TimeUnit.SECONDS).execute(this::elect);
            }
        });
    }

    @Override
    public void stop() {
        stopped = true;
        leader = false;
        CompletableFuture<?> e = election;
        if (e != null) {
            e.cancel(true);
        }
    }

    @Override
    public boolean isRunning() {
        return election != null && !stopped;
    }
}
