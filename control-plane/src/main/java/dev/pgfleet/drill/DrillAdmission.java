package dev.pgfleet.drill;

import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;

/**
 * Whether a drill or switchover may start: one per database at a time (the ledger's rule and the partial unique
 * index), and at most {@code pgfleet.drill.max-running-per-tenant} pending or running across one tenant's databases,
 * so one tenant cannot occupy every Quartz worker with drills. Admission locks the tenant's row (FOR NO KEY UPDATE,
 * which a foreign-key check does not wait for) so that two requests of one tenant are counted one after the other,
 * on any replica. Stuck drills are abandoned after 15 minutes (DrillService), so a dead replica frees its slots.
 */
@Component
class DrillAdmission {
    private final JdbcTemplate jdbc;
    private final DrillLedger ledger;
    private final DrillProperties settings;

    DrillAdmission(JdbcTemplate jdbc, DrillLedger ledger, DrillProperties settings) {
        this.jdbc = jdbc;
        this.ledger = ledger;
        this.settings = settings;
    }

    /** A new PENDING drill, or why not. */
    sealed interface Result {
        record Admitted(Drill drill) implements Result {
        }

        record DatabaseBusy() implements Result {
        }

        record TenantBusy(String reason) implements Result {
        }
    }

    @Transactional
    Result admit(UUID tenantId, UUID databaseId, Drill.Kind kind, Drill.Trigger trigger) {
        jdbc.query("select id from tenants where id = ? for no key update", rs -> null, tenantId);
        Long active = jdbc.queryForObject("select count(*) from drills r join databases d on d.id = r.database_id"
                + " where d.tenant_id = ? and r.status in ('PENDING', 'RUNNING')", Long.class, tenantId);
        if (ledger.active(databaseId).isPresent()) {
            return new Result.DatabaseBusy();
        }
        if (active != null && active >= settings.maxRunningPerTenant()) {
            return new Result.TenantBusy("at most " + settings.maxRunningPerTenant() + " drills or switchovers run at once per tenant,"
                    + " and " + active + " are pending or running; try again when one has finished.");
        }
        Optional<Drill> created = ledger.createIfIdle(databaseId, kind, trigger);
        return created.<Result>map(Result.Admitted::new).orElseGet(Result.DatabaseBusy::new);
    }
}
