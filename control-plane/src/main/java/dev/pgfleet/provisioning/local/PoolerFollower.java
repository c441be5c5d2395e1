package dev.pgfleet.provisioning.local;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pgfleet.blueprint.Dcs;
import dev.pgfleet.database.DatabaseEvents;
import dev.pgfleet.provisioning.DataPlaneChanged;
import dev.pgfleet.provisioning.DesiredCluster;
import jakarta.annotation.PreDestroy;
import java.io.IOException;
import java.net.http.HttpClient;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.stereotype.Component;

/**
 * Keeps each local database's pooler on its leader between reconcile passes: a watch on the shared etcd's leader
 * keys (LeaderWatcher) points the pooler at a newly elected leader within a second, and publishes
 * {@link DataPlaneChanged} so the reconciler looks again. Also the one per-database lock around everything that
 * rewrites or RELOADs a local pooler (converging, retargeting, a switchover, deletion).
 */
@Component
@ConditionalOnProperty(name = "pgfleet.runtime", havingValue = "local", matchIfMissing = true)
class PoolerFollower {
    private static final Logger log = LoggerFactory.getLogger(PoolerFollower.class);

    private final EtcdServer etcd;
    private final PgBouncerPooler pooler;
    private final DatabaseEvents events;
    private final ApplicationEventPublisher publisher;
    private final LeaderWatcher watcher;
    /** Databases this control plane converges, by scope, so a leader event can be routed to its pooler. */
    private final Map<String, DesiredCluster> known = new ConcurrentHashMap<>();
    private final Map<UUID, Object> locks = new ConcurrentHashMap<>();
    private final ExecutorService retargeting = Executors.newFixedThreadPool(2, r -> {
        Thread t = new Thread(r, "pooler-retarget");
        t.setDaemon(true);
        return t;
    });

    PoolerFollower(EtcdServer etcd, PgBouncerPooler pooler, ObjectMapper json, DatabaseEvents events, ApplicationEventPublisher publisher) {
        this.etcd = etcd;
        this.pooler = pooler;
        this.events = events;
        this.publisher = publisher;
        // The watch thread only hands leader events over: one database's slow pooler must not delay another's.
        this.watcher = new LeaderWatcher(etcd, LocalRuntimeParts.NAMESPACE, HttpClient.newHttpClient(), json,
                (scope, leader) -> retargeting.execute(() -> onLeaderElected(scope, leader)),
                () -> retargeting.execute(this::retargetAllPoolers));
    }

    /** Follows {@code desired}'s leader from now on (its latest desired state replaces the one known). */
    void follow(DesiredCluster desired) {
        watcher.ensureStarted();
        known.put(desired.spec().scope(), desired);
    }

    void unfollow(DesiredCluster desired) {
        known.remove(desired.spec().scope());
    }

    /** The lock to hold while rewriting or reloading {@code desired}'s pooler. */
    Object lock(DesiredCluster desired) {
        return locks.computeIfAbsent(desired.id(), id -> new Object());
    }

    void releaseLock(DesiredCluster desired) {
        locks.remove(desired.id());
    }

    /** The leader in the DCS (I/O): what Patroni itself acts on, ahead of any REST observation. */
    Optional<String> fetchDcsLeader(DesiredCluster desired) throws IOException, InterruptedException {
        return etcd.client().get(dcs().leaderKey(desired.spec().scope()));
    }

    Dcs dcs() {
        return new Dcs(List.of(etcd.clientAddress()), LocalRuntimeParts.NAMESPACE);
    }

    @PreDestroy
    void stopWatching() {
        watcher.stop();
        retargeting.shutdownNow();
    }

    /** A leader key was written: point that database's pooler at the new leader now. */
    private void onLeaderElected(String scope, String leader) {
        DesiredCluster desired = known.get(scope);
        if (desired == null || desired.members().stream().noneMatch(m -> m.name().equals(leader))) {
            return;
        }
        // A first leader means the database can be initialised now; a new one means the status changed.
        publisher.publishEvent(new DataPlaneChanged(desired.id()));
        long started = System.nanoTime();
        synchronized (lock(desired)) {
            try {
                if (pooler.find(desired).isEmpty() || !pooler.ensure(desired, leader)) {
                    return;
                }
                long ms = (System.nanoTime() - started) / 1_000_000;
                events.normal(desired.id(), "PoolerRetargeted", leader + " was elected leader; the pooler now sends connections to it ("
                        + ms + " ms after the election was seen).");
            } catch (Exception e) {
                log.warn("could not retarget the pooler of {} to {}: {}", desired.spec().databaseName(), leader, e.toString());
            }
        }
    }

    private void retargetAllPoolers() {
        for (DesiredCluster desired : known.values()) {
            try {
                fetchDcsLeader(desired).ifPresent(leader -> onLeaderElected(desired.spec().scope(), leader));
            } catch (Exception e) {
                log.debug("could not read the leader of {}: {}", desired.spec().databaseName(), e.toString());
            }
        }
    }
}
