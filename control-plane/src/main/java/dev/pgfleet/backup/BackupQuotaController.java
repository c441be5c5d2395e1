package dev.pgfleet.backup;

import dev.pgfleet.security.CurrentTenant;
import io.swagger.v3.oas.annotations.Operation;
import java.util.UUID;
import org.springframework.security.access.prepost.PreAuthorize;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/** A tenant's backup storage against its quota; the admin may give a tenant a quota of its own. */
@RestController
class BackupQuotaController {
    private final BackupQuota quota;

    BackupQuotaController(BackupQuota quota) {
        this.quota = quota;
    }

    @GetMapping("/api/v1/backup-usage")
    @Operation(summary = "The caller's backup storage: the sum of its successful backups' sizes, and its quota")
    UsageView usage() {
        return UsageView.of(quota.usageOf(CurrentTenant.get().tenantId()));
    }

    @PutMapping("/api/v1/tenants/{tenantId}/backup-quota")
    @PreAuthorize("hasRole('ADMIN')")
    @Operation(summary = "Give a tenant a backup storage quota of its own in bytes, or null for the default (admin only)")
    UsageView setQuota(@PathVariable UUID tenantId, @RequestBody QuotaRequest request) {
        return UsageView.of(quota.setOwnQuota(tenantId, request.quotaBytes()));
    }

    record QuotaRequest(Long quotaBytes) {
    }

    /** {@code ownQuota}: the tenant has a quota of its own rather than the installation's default. */
    record UsageView(long usedBytes, long quotaBytes, boolean ownQuota, boolean quotaReached) {
        static UsageView of(BackupQuota.Usage u) {
            return new UsageView(u.usedBytes(), u.quotaBytes(), u.ownQuota(), u.reached());
        }
    }
}
