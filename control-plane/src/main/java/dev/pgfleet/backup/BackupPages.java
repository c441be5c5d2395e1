package dev.pgfleet.backup;

import dev.pgfleet.dashboard.DashboardPage;
import dev.pgfleet.dashboard.FormErrors;
import dev.pgfleet.database.Database;
import dev.pgfleet.database.DatabaseService;
import dev.pgfleet.system.ApiException;
import dev.pgfleet.system.CronIntervals;
import dev.pgfleet.security.CurrentTenant;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.ModelAttribute;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.servlet.mvc.support.RedirectAttributes;

/**
 * A database's Backups tab: the backups with their verification, "back up now", restore into a new database,
 * download, and the backup policy. Every action goes through {@link BackupService}, as the API does.
 */
@Controller
class BackupPages implements DashboardPage {
    static final String TAB = "backups/tab";

    private final BackupService service;
    private final DatabaseService databases;
    private final Limits limits;

    BackupPages(BackupService service, DatabaseService databases, BackupProperties settings) {
        this.service = service;
        this.databases = databases;
        this.limits = new Limits(CronIntervals.describe(settings.minimumInterval()), settings.maxRetentionCount(), settings.maxRetentionDays());
    }

    /** The policy's limits, shown under the form so that a tenant knows them before a refusal. */
    record Limits(String interval, int count, int days) {
    }

    /** One line of the backups table. */
    record Row(UUID id, String trigger, String status, String statusReason, Instant createdAt, Long sizeBytes, Long durationMillis,
               String format, String sourceMember, String verification, String verificationReason, Instant verifiedAt, boolean usable) {
        static Row of(Backup b) {
            return new Row(b.getId(), b.getTrigger().name(), b.getStatus().name(), b.getStatusReason(), b.getCreatedAt(), b.getSizeBytes(),
                    b.duration() == null ? null : b.duration().toMillis(), b.getFormat(), b.getSourceMember(), b.getVerification().name(),
                    b.getVerificationReason(), b.getVerifiedAt(), b.getStatus() == Backup.Status.SUCCEEDED);
        }

        boolean active() {
            return "PENDING".equals(status) || "RUNNING".equals(status) || "PENDING".equals(verification);
        }
    }

    /** The policy form as typed (numbers stay text, so that a wrong value is shown back rather than lost). */
    record PolicyForm(String cron, Boolean enabled, String retentionCount, String retentionDays, Boolean verifyAfterBackup) {
        static PolicyForm of(BackupPolicy p) {
            return new PolicyForm(p.getCron(), p.isEnabled(), p.getRetentionCount() == null ? "" : p.getRetentionCount().toString(),
                    p.getRetentionDays() == null ? "" : p.getRetentionDays().toString(), p.isVerifyAfterBackup());
        }
    }

    @GetMapping("/databases/{id}/backups")
    String tab(@PathVariable UUID id, Model model) {
        model.addAttribute("policy", PolicyForm.of(service.policy(CurrentTenant.get(), id)));
        return show(id, model);
    }

    /** The table alone, polled while a backup or its verification is under way. */
    @GetMapping("/databases/{id}/backups/rows")
    String rows(@PathVariable UUID id, Model model) {
        addRows(databases.get(CurrentTenant.get(), id), model);
        model.addAttribute("refresh", true); // the page header comes along, swapped out of band
        return TAB + " :: rows";
    }

    @PostMapping("/databases/{id}/backups")
    String backupNow(@PathVariable UUID id, RedirectAttributes flash) {
        try {
            service.requestBackup(CurrentTenant.get(), id);
            flash.addFlashAttribute("notice", "Backup started; it is verified by a test restore when it finishes.");
        } catch (ApiException e) {
            if (e.status() == HttpStatus.NOT_FOUND) {
                throw e;
            }
            flash.addFlashAttribute("problem", e.getMessage());
        }
        return "redirect:/databases/" + id + "/backups";
    }

    @GetMapping("/databases/{id}/backups/{backupId}/download")
    void download(@PathVariable UUID id, @PathVariable UUID backupId, HttpServletResponse response) throws IOException {
        Backup b = service.get(CurrentTenant.get(), id, backupId);
        DumpDownload.write(b, service.dump(b), response);
    }

    /** Restores a backup into a new database and goes to it: its timeline shows provisioning, then the restore. */
    @PostMapping("/databases/{id}/backups/{backupId}/restore")
    String restore(@PathVariable UUID id, @PathVariable UUID backupId, @RequestParam(defaultValue = "") String newDatabaseName,
                   RedirectAttributes flash) {
        try {
            Restore r = service.requestRestore(CurrentTenant.get(), id,
                    new BackupService.RestoreRequest(backupId, newDatabaseName.strip(), null));
            flash.addFlashAttribute("notice", "Restoring into " + newDatabaseName.strip() + ": it is provisioned first, then the backup is restored.");
            return "redirect:/databases/" + r.getTargetDatabaseId();
        } catch (ApiException e) {
            if (e.status() == HttpStatus.NOT_FOUND) {
                throw e;
            }
            flash.addFlashAttribute("restoreBackup", backupId);
            flash.addFlashAttribute("restoreError", e.getMessage());
            flash.addFlashAttribute("restoreName", newDatabaseName);
            return "redirect:/databases/" + id + "/backups";
        }
    }

    @PostMapping("/databases/{id}/backup-policy")
    String updatePolicy(@PathVariable UUID id, @ModelAttribute("policy") PolicyForm form, Model model, RedirectAttributes flash,
                        HttpServletResponse response) {
        FormErrors errors = new FormErrors();
        Integer count = number(form.retentionCount(), "retentionCount", errors);
        Integer days = number(form.retentionDays(), "retentionDays", errors);
        if (!errors.any()) {
            try {
                service.updatePolicy(CurrentTenant.get(), id, new BackupService.PolicyRequest(form.cron() == null ? null : form.cron().strip(),
                        Boolean.TRUE.equals(form.enabled()), count, days, Boolean.TRUE.equals(form.verifyAfterBackup())));
                flash.addFlashAttribute("notice", "Backup policy saved; the schedule changed at once.");
                return "redirect:/databases/" + id + "/backups";
            } catch (ApiException e) {
                if (e.status() == HttpStatus.NOT_FOUND) {
                    throw e;
                }
                errors.reject(e, "cron", "retentionCount", "retentionDays");
            }
        }
        model.addAttribute(FormErrors.MODEL_ATTRIBUTE, errors);
        response.setStatus(HttpStatus.UNPROCESSABLE_ENTITY.value());
        return show(id, model);
    }

    private String show(UUID id, Model model) {
        Database db = databases.get(CurrentTenant.get(), id);
        model.addAttribute("db", db);
        model.addAttribute("tab", "backups");
        model.addAttribute("limits", limits);
        addRows(db, model);
        return TAB;
    }

    private void addRows(Database db, Model model) {
        List<Row> rows = service.list(CurrentTenant.get(), db.getId()).stream().map(Row::of).toList();
        model.addAttribute("db", db);
        model.addAttribute("rows", rows);
        model.addAttribute("active", rows.stream().anyMatch(Row::active));
    }

    private static Integer number(String text, String field, FormErrors errors) {
        if (text == null || text.isBlank()) {
            return null;
        }
        try {
            return Integer.valueOf(text.strip());
        } catch (NumberFormatException e) {
            errors.reject(field, "'" + text + "' is not a whole number.");
            return null;
        }
    }
}
