package dev.pgfleet.provisioning;

import dev.pgfleet.database.Database;
import dev.pgfleet.database.DatabaseDeleted;
import dev.pgfleet.database.DatabaseEvents;
import dev.pgfleet.database.DatabaseMember;
import dev.pgfleet.database.DatabaseRepository;
import dev.pgfleet.database.DatabaseStatus;
import java.util.Optional;
import java.util.UUID;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;

/** The reconciler's short transactions: read a database, write what was observed (only when it changed). */
@Component
class ReconcileStore {
    private final DatabaseRepository databases;
    private final DatabaseEvents events;
    private final org.springframework.context.ApplicationEventPublisher publisher;

    ReconcileStore(DatabaseRepository databases, DatabaseEvents events, org.springframework.context.ApplicationEventPublisher publisher) {
        this.databases = databases;
        this.events = events;
        this.publisher = publisher;
    }

    @Transactional(readOnly = true)
    Optional<Database> load(UUID id) {
        return databases.findById(id);
    }

    @Transactional
    void markInitialized(UUID id) {
        databases.findById(id).ifPresent(Database::markInitialized);
    }

    /** A database created before the monitoring role existed gets its password (encrypted) once. */
    @Transactional
    void assignMonitorPassword(UUID id, String encrypted) {
        databases.findById(id).ifPresent(d -> d.assignMonitorPassword(encrypted));
    }

    /** Writes the status and the members' roles, and records a status change as an event. */
    @Transactional
    void writeObservation(UUID id, StatusTransitions.Next next, ClusterObservation obs) {
        Database d = databases.findById(id).orElse(null);
        if (d == null || d.isDeletionRequested()) {
            return;
        }
        for (DatabaseMember m : d.getMembers()) {
            obs.members().stream().filter(o -> o.name().equals(m.getName())).findFirst().ifPresentOrElse(
                    o -> m.observe(o.role(), o.processRunning() ? o.state() : "stopped", o.lagBytes()),
                    () -> m.observe(null, "stopped", null));
        }
        changeStatus(d, next);
    }

    @Transactional
    void writeStatus(UUID id, StatusTransitions.Next next) {
        databases.findById(id).filter(d -> !d.isDeletionRequested()).ifPresent(d -> changeStatus(d, next));
    }

    @Transactional
    void delete(UUID id) {
        databases.deleteById(id);
        publisher.publishEvent(new DatabaseDeleted(id));
    }

    private void changeStatus(Database d, StatusTransitions.Next next) {
        DatabaseStatus before = d.getStatus();
        if (d.changeStatus(next.status(), next.reason()) && before != next.status()) {
            String message = before + " → " + next.status() + ": " + next.reason();
            if (next.status() == DatabaseStatus.FAILED || next.status() == DatabaseStatus.DEGRADED) {
                events.warningOnce(d.getId(), "StatusChanged", message);
            } else {
                events.normal(d.getId(), "StatusChanged", message);
            }
        }
    }
}
