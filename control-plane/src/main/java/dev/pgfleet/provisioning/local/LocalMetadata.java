package dev.pgfleet.provisioning.local;

import java.util.List;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Repository;

/** What the local runtime reads from the metadata store about all databases (each method one query, I/O). */
@Repository
@ConditionalOnProperty(name = "pgfleet.runtime", havingValue = "local", matchIfMissing = true)
class LocalMetadata {
    private final JdbcTemplate jdbc;

    LocalMetadata(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /** The Patroni scopes (database ids) of every database not being deleted: each must have an etcd user. */
    List<String> findScopesNotBeingDeleted() {
        return jdbc.queryForList("select cast(id as varchar) from databases where not deletion_requested", String.class);
    }

    /** The plan of every database placed here, deleted or not (their members still run until removed). */
    List<String> findPlansOfAllDatabases() {
        return jdbc.queryForList("select plan from databases", String.class);
    }
}
