package dev.pgfleet.database;

import java.util.List;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;

/** Writes and reads a database's events; a failure repeated on every retry is recorded once. */
@Component
public class DatabaseEvents {
    private static final Logger log = LoggerFactory.getLogger(DatabaseEvents.class);

    private final DatabaseEventRepository events;

    DatabaseEvents(DatabaseEventRepository events) {
        this.events = events;
    }

    @Transactional
    public void normal(UUID databaseId, String reason, String message) {
        record(databaseId, "Normal", reason, message);
    }

    /** A warning, unless the newest event already says exactly this (a step failing on every retry). */
    @Transactional
    public void warningOnce(UUID databaseId, String reason, String message) {
        boolean repeated = events.findTopByDatabaseIdOrderByIdDesc(databaseId)
                .filter(e -> e.getReason().equals(reason) && e.getMessage().equals(message))
                .isPresent();
        if (!repeated) {
            record(databaseId, "Warning", reason, message);
        }
    }

    @Transactional(readOnly = true)
    public List<DatabaseEvent> recent(UUID databaseId) {
        List<DatabaseEvent> newestFirst = new java.util.ArrayList<>(events.findTop50ByDatabaseIdOrderByIdDesc(databaseId));
        java.util.Collections.reverse(newestFirst);
        return newestFirst;
    }

    private void record(UUID databaseId, String level, String reason, String message) {
        log.info("database {}: {} {}: {}", databaseId, level, reason, message);
        events.save(new DatabaseEvent(databaseId, level, reason, message.length() > 2000 ? message.substring(0, 2000) : message));
    }
}
