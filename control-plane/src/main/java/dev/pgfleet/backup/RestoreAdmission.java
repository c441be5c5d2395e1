package dev.pgfleet.backup;

import dev.pgfleet.system.ApiException;
import java.util.UUID;
import org.springframework.http.HttpStatus;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;

/**
 * Whether a restore may be asked for now: one restore at a time into a database, and at most
 * {@code pgfleet.backup.max-running-per-tenant} restores waiting or restoring per tenant; more are refused (409)
 * rather than queued, since a restore replaces or creates a database and a tenant should decide again once the
 * earlier ones are done. Runs inside the request's transaction, after locking the tenant's row, so that two requests
 * of one tenant are admitted one after the other (FOR NO KEY UPDATE: a database insert's foreign-key check on the
 * tenant is not blocked by it).
 */
@Component
class RestoreAdmission {
    private final JdbcTemplate jdbc;
    private final BackupProperties settings;

    RestoreAdmission(JdbcTemplate jdbc, BackupProperties settings) {
        this.jdbc = jdbc;
        this.settings = settings;
    }

    /** Throws a 409 when a restore into {@code targetDatabaseId} (null: a new database) or one more for the tenant is not allowed. */
    @Transactional(propagation = Propagation.MANDATORY)
    void require(UUID tenantId, UUID targetDatabaseId) {
        jdbc.query("select id from tenants where id = ? for no key update", rs -> null, tenantId);
        if (targetDatabaseId != null) {
            Long into = jdbc.queryForObject("select count(*) from restores where target_database_id = ? and status in ('WAITING', 'RESTORING')",
                    Long.class, targetDatabaseId);
            if (into != null && into > 0) {
                throw new ApiException(HttpStatus.CONFLICT, "Restore in progress",
                        "A restore into this database is already waiting or running; wait for it to finish.");
            }
        }
        Long active = jdbc.queryForObject("select count(*) from restores r join databases d on d.id = r.target_database_id"
                + " where d.tenant_id = ? and r.status in ('WAITING', 'RESTORING')", Long.class, tenantId);
        if (active != null && active >= settings.maxRunningPerTenant()) {
            throw new ApiException(HttpStatus.CONFLICT, "Too many restores", "At most " + settings.maxRunningPerTenant()
                    + " restores may be waiting or running at once per tenant, and " + active + " are; wait for one to finish.");
        }
    }
}
