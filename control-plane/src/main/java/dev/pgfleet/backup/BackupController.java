package dev.pgfleet.backup;

import dev.pgfleet.security.CurrentTenant;
import dev.pgfleet.system.Pagination;
import io.swagger.v3.oas.annotations.Operation;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

@RestController
@RequestMapping("/api/v1/databases/{databaseId}")
class BackupController {
    private final BackupService service;

    BackupController(BackupService service) {
        this.service = service;
    }

    @GetMapping("/backup-policy")
    @Operation(summary = "When the database is backed up, how long backups are kept, and whether each is verified")
    PolicyView policy(@PathVariable UUID databaseId) {
        return PolicyView.of(service.policy(CurrentTenant.get(), databaseId));
    }

    @PutMapping("/backup-policy")
    @Operation(summary = "Change the backup policy; the schedule changes at once")
    PolicyView updatePolicy(@PathVariable UUID databaseId, @RequestBody BackupService.PolicyRequest request) {
        return PolicyView.of(service.updatePolicy(CurrentTenant.get(), databaseId, request));
    }

    @PostMapping("/backups")
    @Operation(summary = "Take a backup now (runs in the background; poll the backup)")
    ResponseEntity<BackupView> backupNow(@PathVariable UUID databaseId) {
        Backup b = service.requestBackup(CurrentTenant.get(), databaseId);
        return ResponseEntity.accepted().location(URI.create("/api/v1/databases/" + databaseId + "/backups/" + b.getId()))
                .body(BackupView.of(b));
    }

    @GetMapping("/backups")
    @Operation(summary = "The database's backups, newest first; paged with ?limit=&cursor= (Link: rel=\"next\" names the next page)")
    ResponseEntity<List<BackupView>> list(@PathVariable UUID databaseId, @RequestParam(required = false) String limit,
                                          @RequestParam(required = false) String cursor) {
        Pagination.PageRequest page = Pagination.PageRequest.of(limit, cursor);
        return Pagination.response(service.page(CurrentTenant.get(), databaseId, page).map(BackupView::of), page);
    }

    @GetMapping("/backups/{backupId}")
    BackupView get(@PathVariable UUID databaseId, @PathVariable UUID backupId) {
        return BackupView.of(service.get(CurrentTenant.get(), databaseId, backupId));
    }

    /**
     * Streams the dump synchronously (no async dispatch, so the bearer authentication covers the whole response).
     * A directory-format dump goes out as one tar whose SHA-256 and length are the recorded ones.
     */
    @GetMapping("/backups/{backupId}/download")
    @Operation(summary = "The dump: a pg_dump custom-format file, or (format \"directory\") a tar of the dump directory;"
            + " restore either with pg_restore. X-Checksum-Sha256 is the SHA-256 of exactly these bytes.")
    void download(@PathVariable UUID databaseId, @PathVariable UUID backupId, HttpServletResponse response) throws IOException {
        Backup b = service.get(CurrentTenant.get(), databaseId, backupId);
        DumpDownload.write(b, service.dump(b), response);
    }

    @DeleteMapping("/backups/{backupId}")
    ResponseEntity<Void> delete(@PathVariable UUID databaseId, @PathVariable UUID backupId) throws IOException {
        service.delete(CurrentTenant.get(), databaseId, backupId);
        return ResponseEntity.noContent().build();
    }

    @PostMapping("/restore")
    @Operation(summary = "Restore a backup into a new database (newDatabaseName), or over this one with \"overwrite\": true")
    ResponseEntity<RestoreView> restore(@PathVariable UUID databaseId, @RequestBody BackupService.RestoreRequest request) {
        Restore r = service.requestRestore(CurrentTenant.get(), databaseId, request);
        return ResponseEntity.accepted().location(URI.create("/api/v1/databases/" + r.getTargetDatabaseId())).body(RestoreView.of(r));
    }

    @GetMapping("/restores")
    @Operation(summary = "Restores into this database, newest first; paged with ?limit=&cursor=")
    ResponseEntity<List<RestoreView>> restores(@PathVariable UUID databaseId, @RequestParam(required = false) String limit,
                                               @RequestParam(required = false) String cursor) {
        Pagination.PageRequest page = Pagination.PageRequest.of(limit, cursor);
        return Pagination.response(service.restoresPage(CurrentTenant.get(), databaseId, page).map(RestoreView::of), page);
    }

    record RestoreView(UUID id, UUID backupId, UUID targetDatabaseId, boolean overwrite, String status, String statusReason,
                       Instant createdAt, Instant finishedAt) {
        static RestoreView of(Restore r) {
            return new RestoreView(r.getId(), r.getBackupId(), r.getTargetDatabaseId(), r.isOverwrite(), r.getStatus().name(),
                    r.getStatusReason(), r.getCreatedAt(), r.getFinishedAt());
        }
    }

    record PolicyView(String cron, boolean enabled, Integer retentionCount, Integer retentionDays, boolean verifyAfterBackup,
                      Instant updatedAt) {
        static PolicyView of(BackupPolicy p) {
            return new PolicyView(p.getCron(), p.isEnabled(), p.getRetentionCount(), p.getRetentionDays(), p.isVerifyAfterBackup(),
                    p.getUpdatedAt());
        }
    }

    record BackupView(UUID id, String trigger, String status, String statusReason, int attempts, Instant createdAt, Instant startedAt,
                      Instant finishedAt, Long sizeBytes, Long durationMillis, String format, String sha256, String sourceMember,
                      String verification, String verificationReason, Instant verifiedAt, Long verificationMillis) {
        static BackupView of(Backup b) {
            return new BackupView(b.getId(), b.getTrigger().name(), b.getStatus().name(), b.getStatusReason(), b.getAttempts(),
                    b.getCreatedAt(), b.getStartedAt(), b.getFinishedAt(), b.getSizeBytes(),
                    b.duration() == null ? null : b.duration().toMillis(), b.getFormat(), b.getSha256(), b.getSourceMember(),
                    b.getVerification().name(), b.getVerificationReason(), b.getVerifiedAt(), b.getVerificationMillis());
        }
    }
}
