package dev.pgfleet.drill;

import dev.pgfleet.blueprint.FailoverTargets;
import dev.pgfleet.blueprint.Plan;
import dev.pgfleet.dashboard.DashboardPage;
import dev.pgfleet.dashboard.FormErrors;
import dev.pgfleet.database.Database;
import dev.pgfleet.database.DatabaseService;
import dev.pgfleet.system.ApiException;
import dev.pgfleet.system.CronIntervals;
import dev.pgfleet.security.CurrentTenant;
import jakarta.servlet.http.HttpServletResponse;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
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
 * A database's Drills tab: the drill history with its figures, a chart of write unavailability over time, buttons
 * that run a switchover or kill-primary drill (after a confirmation), and the drill policy.
 */
@Controller
class DrillPages implements DashboardPage {
    static final String TAB = "drills/tab";

    private final DrillService service;
    private final DatabaseService databases;
    private final String minimumInterval;

    DrillPages(DrillService service, DatabaseService databases, DrillProperties settings) {
        this.service = service;
        this.databases = databases;
        this.minimumInterval = CronIntervals.describe(settings.minimumInterval());
    }

    /** One line of the drill history. */
    record Row(UUID id, String type, String trigger, String status, String statusReason, Instant createdAt, Instant finishedAt,
               String oldLeader, String newLeader, Long writeUnavailableMillis, Long failedTransactions, Long acknowledgedWrites,
               Long lostWrites, Long rejoinMillis) {
        static Row of(Drill d) {
            return new Row(d.getId(), d.getKind().apiName(), d.getTrigger().name(), d.getStatus().name(), d.getStatusReason(),
                    d.getCreatedAt(), d.getFinishedAt(), d.getOldLeader(), d.getNewLeader(), d.getWriteUnavailableMillis(),
                    d.getFailedTransactions(), d.getAcknowledgedWrites(), d.getLostWrites(), d.getRejoinMillis());
        }
    }

    record PolicyForm(String cron, Boolean enabled, String type) {
        static PolicyForm of(DrillPolicy p) {
            return new PolicyForm(p.getCron(), p.isEnabled(), p.getKind().apiName());
        }
    }

    @GetMapping("/databases/{id}/drills")
    String tab(@PathVariable UUID id, Model model) {
        model.addAttribute("policy", PolicyForm.of(service.policy(CurrentTenant.get(), id)));
        return show(id, model);
    }

    @GetMapping("/databases/{id}/drills/history")
    String history(@PathVariable UUID id, Model model) {
        addHistory(databases.get(CurrentTenant.get(), id), model);
        model.addAttribute("refresh", true); // the page header comes along, swapped out of band
        return TAB + " :: history";
    }

    @PostMapping("/databases/{id}/drills")
    String run(@PathVariable UUID id, @RequestParam(defaultValue = "") String type, RedirectAttributes flash) {
        try {
            Drill d = service.requestDrill(CurrentTenant.get(), id, new DrillService.DrillRequest(type));
            flash.addFlashAttribute("notice", "The " + d.getKind().apiName() + " drill started; its figures appear below when it ends.");
        } catch (ApiException e) {
            if (e.status() == HttpStatus.NOT_FOUND) {
                throw e;
            }
            flash.addFlashAttribute("problem", e.getMessage());
        }
        return "redirect:/databases/" + id + "/drills";
    }

    @PostMapping("/databases/{id}/drill-policy")
    String updatePolicy(@PathVariable UUID id, @ModelAttribute("policy") PolicyForm form, Model model, RedirectAttributes flash,
                        HttpServletResponse response) {
        FormErrors errors = new FormErrors();
        try {
            service.updatePolicy(CurrentTenant.get(), id, new DrillService.PolicyRequest(form.cron() == null ? null : form.cron().strip(),
                    Boolean.TRUE.equals(form.enabled()), form.type()));
            flash.addFlashAttribute("notice", "Drill policy saved; the schedule changed at once.");
            return "redirect:/databases/" + id + "/drills";
        } catch (ApiException e) {
            if (e.status() == HttpStatus.NOT_FOUND) {
                throw e;
            }
            errors.reject(e, "cron", "type");
        }
        model.addAttribute(FormErrors.MODEL_ATTRIBUTE, errors);
        response.setStatus(HttpStatus.UNPROCESSABLE_ENTITY.value());
        return show(id, model);
    }

    private String show(UUID id, Model model) {
        Database db = databases.get(CurrentTenant.get(), id);
        Optional<FailoverTargets> targets = Plan.fromId(db.getPlan()).flatMap(Plan::failoverTargets);
        model.addAttribute("tab", "drills");
        model.addAttribute("minimumInterval", minimumInterval);
        model.addAttribute("targets", targets.orElse(null));
        addHistory(db, model);
        return TAB;
    }

    private void addHistory(Database db, Model model) {
        List<Drill> drills = service.list(CurrentTenant.get(), db.getId());
        List<Row> rows = drills.stream().map(Row::of).toList();
        model.addAttribute("db", db);
        model.addAttribute("rows", rows);
        model.addAttribute("active", drills.stream().anyMatch(d -> d.getStatus() == Drill.Status.PENDING || d.getStatus() == Drill.Status.RUNNING));
        model.addAttribute("chart", chart(db, drills));
    }

    private static String chart(Database db, List<Drill> drills) {
        List<UnavailabilityChart.Point> points = drills.stream()
                .filter(d -> d.getWriteUnavailableMillis() != null && d.getFinishedAt() != null)
                .map(d -> new UnavailabilityChart.Point(d.getFinishedAt(), d.getWriteUnavailableMillis(), d.getKind().apiName(),
                        d.getStatus() == Drill.Status.PASSED))
                .toList();
        List<UnavailabilityChart.Target> targets = Plan.fromId(db.getPlan()).flatMap(Plan::failoverTargets)
                .map(t -> List.of(new UnavailabilityChart.Target(Drill.Kind.KILL_PRIMARY.apiName(), t.killPrimaryWriteUnavailability().toMillis()),
                        new UnavailabilityChart.Target(Drill.Kind.SWITCHOVER.apiName(), t.switchoverWritePause().toMillis())))
                .orElse(List.of());
        return UnavailabilityChart.render(points, targets);
    }
}
