package dev.pgfleet.drill;

import dev.pgfleet.operation.DatabaseOperation;
import dev.pgfleet.operation.OperationConflict;
import dev.pgfleet.operation.OperationKind;
import dev.pgfleet.operation.Operations;
import dev.pgfleet.operation.Requester;
import java.util.UUID;
import java.util.function.Consumer;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Whether a drill or switchover may be requested. The database's lock is the operations' ({@link Operations#request}
 * refuses what {@code OperationConflicts} says conflicts: another drill or a switchover, a restore...). On top, a
 * per-tenant bound: at most {@code pgfleet.drill.max-running-per-tenant} drill and switchover operations REQUESTED or
 * RUNNING across one tenant's databases ({@link Operations#activeOfTenant}, both kinds added), so one tenant cannot
 * occupy every Quartz worker with drills. Admission locks the tenant's row (FOR NO KEY UPDATE, which a foreign-key check
 * does not wait for) so that two requests of one tenant are counted one after the other, on any replica; an operation
 * whose control plane died is ended by the operations' recovery, which frees its slot.
 */
@Component
class DrillAdmission {
    private final JdbcTemplate jdbc;
    private final Operations operations;
    private final DrillProperties settings;
    private final TransactionTemplate transaction;

    DrillAdmission(JdbcTemplate jdbc, Operations operations, DrillProperties settings, PlatformTransactionManager transactions) {
        this.jdbc = jdbc;
        this.operations = operations;
        this.settings = settings;
        this.transaction = new TransactionTemplate(transactions);
    }

    /** A new operation, or why not. */
    sealed interface Result {
        record Admitted(DatabaseOperation operation) implements Result {
        }

        record DatabaseBusy(OperationConflict conflict) implements Result {
        }

        record TenantBusy(String reason) implements Result {
        }
    }

    /**
     * Requests an operation of {@code kind} (DRILL or SWITCHOVER); {@code alsoInTransaction} runs in the same transaction
     * once it is requested (a drill stores its row, a switchover starts), so nothing is half made.
     */
    Result admit(UUID tenantId, UUID databaseId, OperationKind kind, Requester by, UUID subjectId, String reason,
                 Consumer<DatabaseOperation> alsoInTransaction) {
        return transaction.execute(tx -> {
            jdbc.query("select id from tenants where id = ? for no key update", rs -> null, tenantId);
            long active = operations.activeOfTenant(tenantId, OperationKind.DRILL) + operations.activeOfTenant(tenantId, OperationKind.SWITCHOVER);
            Operations.Result requested = operations.request(databaseId, tenantId, kind, by, subjectId, reason);
            if (requested instanceof Operations.Result.Refused refused) {
                return new Result.DatabaseBusy(refused.conflict());
            }
            if (active >= settings.maxRunningPerTenant()) {
                tx.setRollbackOnly(); // the operation just requested is not kept
                return new Result.TenantBusy("at most " + settings.maxRunningPerTenant() + " drills or switchovers run at once per tenant,"
                        + " and " + active + " are pending or running; try again when one has finished.");
            }
            DatabaseOperation op = ((Operations.Result.Requested) requested).operation();
            alsoInTransaction.accept(op);
            return new Result.Admitted(op);
        });
    }

    /** As a refusal of a request: 409 naming the conflicting operation, or the tenant's bound. */
    static DatabaseOperation admittedOrRefuse(Result result) {
        if (result instanceof Result.TenantBusy busy) {
            throw new dev.pgfleet.problem.Conflict("Too many drills", "Not started: " + busy.reason());
        }
        if (result instanceof Result.DatabaseBusy busy) {
            throw busy.conflict().refusal();
        }
        return ((Result.Admitted) result).operation();
    }
}
