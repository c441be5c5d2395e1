package dev.pgfleet.provisioning;

import dev.pgfleet.database.Database;
import dev.pgfleet.database.RuntimeInfo;
import dev.pgfleet.database.DatabaseEvents;
import dev.pgfleet.database.DatabaseStatus;
import dev.pgfleet.tls.ServerCertificates;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * One reconcile pass for one database, read top to bottom: members → leader → tenant database →
 * pooler → status. Every step is idempotent and the whole pass re-runs on every change and resync.
 */
@Component
class Reconciler {
    private static final Logger log = LoggerFactory.getLogger(Reconciler.class);
    /** While a database converges, look again this soon: each pass is a few local calls, and a step that
     * became possible (a leader elected) should not wait long. */
    static final Duration CONVERGING_POLL = Duration.ofMillis(250);

    private final ReconcileStore store;
    private final DesiredClusters desiredClusters;
    private final ClusterConvergence runtime;
    private final TenantDatabaseInitializer initializer;
    private final DatabaseEvents events;
    private final ReconcileProperties timing;

    Reconciler(ReconcileStore store, DesiredClusters desiredClusters, ClusterConvergence runtime,
               TenantDatabaseInitializer initializer, DatabaseEvents events, ReconcileProperties timing) {
        this.store = store;
        this.desiredClusters = desiredClusters;
        this.runtime = runtime;
        this.initializer = initializer;
        this.events = events;
        this.timing = timing;
    }

    /** Converges one database; returns when to look again, or empty when it no longer exists. */
    Optional<Duration> reconcile(UUID id) throws Exception {
        Optional<Database> loaded = store.load(id);
        if (loaded.isEmpty()) {
            return Optional.empty();
        }
        Database db = loaded.get();
        DesiredCluster desired = desiredClusters.of(db);
        if (db.isDeletionRequested()) {
            return delete(desired);
        }
        desired = withCurrentCertificate(desired);

        // A failed step still ends with an observation and a status, so a READY database whose data plane
        // broke (etcd gone, a member that cannot start) shows it instead of staying READY.
        RuntimeException stepFailure = null;
        try {
            runtime.ensureMembers(desired);
        } catch (RuntimeException e) {
            stepFailure = e;
        }
        ClusterObservation obs = runtime.observeCluster(desired);
        boolean initialized = db.isInitialized();
        if (stepFailure == null && !initialized && obs.leader().isPresent()) {
            RuntimeInfo.Endpoint leader = runtime.leaderEndpoint(desired, obs.leader().get());
            initializer.ensureRolesOnLeader(leader, desired, monitorPassword(db), false);
            initializer.createExtensionOnLeader(leader, desired);
            initializer.allowOwnerLogin(leader, desired);
            store.markInitialized(id);
            events.normal(id, "DatabaseCreated", "Created database " + db.getName() + ", its owner role and the vector extension on "
                    + obs.leader().get() + ".");
            initialized = true;
        } else if (stepFailure == null && initialized && db.getMonitorPasswordEnc() == null && obs.leader().isPresent()) {
            // Created before the monitoring role existed: add it (from the maintenance database only).
            initializer.ensureRolesOnLeader(runtime.leaderEndpoint(desired, obs.leader().get()), desired, monitorPassword(db), true);
        }
        if (stepFailure == null && initialized) {
            // Likewise a pooler that cannot follow a new leader: the status must say so (DEGRADED), not stay READY.
            try {
                runtime.ensurePooler(desired);
            } catch (RuntimeException e) {
                stepFailure = e;
            }
            obs = runtime.observeCluster(desired);
        }

        StatusTransitions.Next next = StatusTransitions.next(db.getStatus(), desired.spec().plan(), initialized, obs,
                Duration.between(db.getCreatedAt(), Instant.now()), timing.provisioningDeadline());
        store.writeObservation(id, next, obs);
        if (stepFailure != null) {
            throw stepFailure;
        }
        return Optional.of(next.status() == DatabaseStatus.READY ? timing.resyncInterval() : CONVERGING_POLL);
    }

    /**
     * The desired cluster with a server certificate valid for the runtime's endpoint names, issued (or renewed) first
     * when due; the members and the pooler then pick it up like any other change.
     */
    private DesiredCluster withCurrentCertificate(DesiredCluster desired) {
        ServerCertificates.Renewal renewal = desiredClusters.issueCertificateIfDue(desired, runtime.serverCertificateNames(desired));
        renewal.reason().ifPresent(why -> events.normal(desired.id(), "CertificateIssued", "Issued a new server certificate (serial "
                + renewal.material().serial() + ", valid until " + renewal.material().notAfter() + ") because " + why + "."));
        return desired.withTls(renewal.material());
    }

    /** The stored monitoring password, or a new one stored first (for a database created before the role existed). */
    private String monitorPassword(Database db) {
        return desiredClusters.monitorPassword(db).orElseGet(() -> {
            String password = dev.pgfleet.database.Passwords.generate();
            store.assignMonitorPassword(db.getId(), desiredClusters.encrypt(password));
            return password;
        });
    }

    /** Records a failed pass: the reason goes to events (once) and, while provisioning, to the status. */
    void recordFailure(UUID id, Exception failure) {
        String message = describe(failure);
        events.warningOnce(id, "StepFailed", message);
        store.load(id).filter(d -> !d.isDeletionRequested()).ifPresent(db -> StatusTransitions
                .afterFailure(db.getStatus(), db.isInitialized(), Duration.between(db.getCreatedAt(), Instant.now()),
                        timing.provisioningDeadline(), message)
                .ifPresent(next -> store.writeStatus(id, next)));
    }

    private Optional<Duration> delete(DesiredCluster desired) {
        runtime.deleteCluster(desired);
        store.delete(desired.id());
        log.info("deleted database {} ({})", desired.spec().databaseName(), desired.id());
        return Optional.empty();
    }

    static String describe(Throwable failure) {
        Throwable t = failure;
        StringBuilder sb = new StringBuilder();
        while (t != null && sb.length() < 500) {
            if (!sb.isEmpty()) {
                sb.append(": ");
            }
            sb.append(t.getMessage() != null ? t.getMessage() : t.getClass().getSimpleName());
            t = t.getCause() == t ? null : t.getCause();
        }
        return sb.toString();
    }
}
