package dev.pgfleet.backup;

import dev.pgfleet.operation.OperationKind;
import dev.pgfleet.operation.Operations;
import dev.pgfleet.problem.Conflict;
import java.util.UUID;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;

/**
 * Whether a tenant may ask for one more restore now: at most {@code pgfleet.backup.max-running-per-tenant} restores
 * waiting or restoring per tenant (active RESTORE operations); more are refused (409) rather than queued, since a
 * restore replaces or creates a database and a tenant should decide again once the earlier ones are done. One restore at
 * a time into a database is the operations lock's rule. Runs inside the request's transaction, after locking the
 * tenant's row, so that two requests of one tenant are admitted one after the other (FOR NO KEY UPDATE: a database
 * insert's foreign-key check on the tenant is not blocked by it).
 */
@Component
class RestoreAdmission {
    private final JdbcTemplate jdbc;
    private final Operations operations;
    private final BackupProperties settings;

    RestoreAdmission(JdbcTemplate jdbc, Operations operations, BackupProperties settings) {
        this.jdbc = jdbc;
        this.operations = operations;
        this.settings = settings;
    }

    /**
     * Throws a 409 when one more restore for the tenant is not allowed. {@code alreadyRequested}: the caller's restore
     * operation is requested already (in this transaction) and is not counted.
     */
    @Transactional(propagation = Propagation.MANDATORY)
    void require(UUID tenantId, boolean alreadyRequested) {
        jdbc.query("select id from tenants where id = ? for no key update", rs -> null, tenantId);
        long active = operations.activeOfTenant(tenantId, OperationKind.RESTORE) - (alreadyRequested ? 1 : 0);
        if (active >= settings.maxRunningPerTenant()) {
            throw new Conflict("Too many restores", "At most " + settings.maxRunningPerTenant()
                    + " restores may be waiting or running at once per tenant, and " + active + " are; wait for one to finish.");
        }
    }
}
