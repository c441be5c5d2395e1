package dev.pgfleet.drill;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;

/** The short transactions around a drill's life; the drill itself runs between them. */
@Component
class DrillLedger {
    private static final List<Drill.Status> ACTIVE = List.of(Drill.Status.PENDING, Drill.Status.RUNNING);

    private final DrillRepository drills;

    DrillLedger(DrillRepository drills) {
        this.drills = drills;
    }

    @Transactional(readOnly = true)
    Optional<Drill> find(UUID id) {
        return drills.findById(id);
    }

    /** A new PENDING drill (or API switchover), or empty when this database already has one pending or running. */
    @Transactional
    Optional<Drill> createIfIdle(UUID databaseId, Drill.Kind kind, Drill.Trigger trigger) {
        if (drills.findFirstByDatabaseIdAndStatusIn(databaseId, ACTIVE).isPresent()) {
            return Optional.empty();
        }
        try {
            return Optional.of(drills.saveAndFlush(new Drill(databaseId, kind, trigger)));
        } catch (DataIntegrityViolationException raced) {
            return Optional.empty(); // the partial unique index: another one was created at the same moment
        }
    }

    /** A scheduled drill that could not run, recorded so the history shows it. */
    @Transactional
    void recordNotRun(UUID databaseId, Drill.Kind kind, String reason) {
        Drill d = new Drill(databaseId, kind, Drill.Trigger.SCHEDULED);
        d.finish(false, "Not run: " + reason);
        drills.save(d);
    }

    @Transactional(readOnly = true)
    Optional<Drill> active(UUID databaseId) {
        return drills.findFirstByDatabaseIdAndStatusIn(databaseId, ACTIVE);
    }

    @Transactional
    void start(UUID id, String oldLeader) {
        drills.findById(id).orElseThrow().start(oldLeader);
    }

    @Transactional
    void finish(UUID id, DrillFigures figures, boolean passed, String reason) {
        drills.findById(id).ifPresent(d -> {
            if (figures != null) {
                d.record(figures);
            }
            d.finish(passed, reason);
        });
    }

    /** Drills and switchovers RUNNING (or PENDING) for longer than {@code limit}: their control plane died. */
    @Transactional(readOnly = true)
    List<Drill> stuck(Duration limit) {
        Instant before = Instant.now().minus(limit);
        return drills.findByStatusIn(ACTIVE).stream()
                .filter(d -> (d.getStartedAt() != null ? d.getStartedAt() : d.getCreatedAt()).isBefore(before)).toList();
    }
}
