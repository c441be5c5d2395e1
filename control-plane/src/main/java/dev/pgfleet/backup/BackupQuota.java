package dev.pgfleet.backup;

import dev.pgfleet.problem.Conflict;
import dev.pgfleet.problem.InvalidInput;
import dev.pgfleet.problem.NotFound;
import java.util.UUID;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;

/**
 * A tenant's backup storage: the sum of the recorded sizes of its successful backups (each the bytes its download
 * returns: the custom-format file, or the tar of a directory-format dump), across all its databases, against its
 * quota (its own {@code tenants.backup_quota_bytes}, else {@code pgfleet.backup.tenant-quota-bytes}). The quota is
 * checked before a backup starts, because a dump's size is known only at its end: the backup that crosses the
 * quota completes, the next one is refused until backups are deleted (by hand or by retention) or the quota raised.
 */
@Component
class BackupQuota {
    private final JdbcTemplate jdbc;
    private final BackupProperties settings;

    BackupQuota(JdbcTemplate jdbc, BackupProperties settings) {
        this.jdbc = jdbc;
        this.settings = settings;
    }

    /** What a tenant stores and may store, in bytes. */
    record Usage(long usedBytes, long quotaBytes, boolean ownQuota) {
        boolean reached() {
            return usedBytes >= quotaBytes;
        }

        String describe() {
            return String.format(java.util.Locale.ROOT, "Stored backups use %,d of the tenant's %,d bytes", usedBytes, quotaBytes);
        }
    }

    @Transactional(readOnly = true)
    Usage usageOf(UUID tenantId) {
        Long used = jdbc.queryForObject("select coalesce(sum(b.size_bytes), 0) from backups b join databases d on d.id = b.database_id"
                + " where d.tenant_id = ? and b.size_bytes is not null", Long.class, tenantId); // a stored dump: a SUCCEEDED backup
        Long own = jdbc.query("select backup_quota_bytes from tenants where id = ?",
                rs -> rs.next() ? (Long) rs.getObject(1, Long.class) : null, tenantId);
        return new Usage(used == null ? 0 : used, own != null ? own : settings.tenantQuotaBytes().toBytes(), own != null);
    }

    /** The tenant's usage, or a 409 when it has reached its quota (for a backup asked for now). */
    Usage requireRoom(UUID tenantId) {
        Usage usage = usageOf(tenantId);
        if (usage.reached()) {
            throw new Conflict("Backup storage quota reached", refusal(usage));
        }
        return usage;
    }

    static String refusal(Usage usage) {
        return usage.describe() + ": no new backup starts until some are deleted (or retention lowered) or the quota raised.";
    }

    /** The admin sets a tenant's own quota, or clears it ({@code null}) to use the default; 404 for no such tenant. */
    @Transactional
    Usage setOwnQuota(UUID tenantId, Long bytes) {
        if (bytes != null && bytes < 0) {
            throw new InvalidInput("Invalid quota", "'quotaBytes' must be 0 or more, or null for the default.",
                    "quotaBytes");
        }
        if (jdbc.update("update tenants set backup_quota_bytes = ? where id = ?", bytes, tenantId) == 0) {
            throw new NotFound("Tenant " + tenantId);
        }
        return usageOf(tenantId);
    }
}
