package dev.pgfleet.database;

import dev.pgfleet.blueprint.Plan;
import dev.pgfleet.dashboard.DashboardPage;
import dev.pgfleet.dashboard.FormErrors;
import dev.pgfleet.problem.Conflict;
import dev.pgfleet.problem.DomainException;
import dev.pgfleet.problem.InvalidInput;
import dev.pgfleet.security.CurrentTenant;
import jakarta.servlet.http.HttpServletResponse;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.springframework.http.CacheControl;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.ModelAttribute;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.servlet.mvc.support.RedirectAttributes;

/**
 * The dashboard's database pages: the list, the create form, the overview (status, members, connection strings,
 * events) and deletion. Every page goes through {@link DatabaseService}, so the API's rules and tenant scoping
 * hold here unchanged.
 */
@Controller
class DatabasePages implements DashboardPage {
    static final String LIST = "databases/list";
    static final String NEW = "databases/new";
    static final String OVERVIEW = "databases/overview";

    private final DatabaseService service;
    private final DatabaseViews views;
    private final DatabaseEvents events;
    private final RuntimeInfo runtime;
    private final DrillOutcomes drills;

    DatabasePages(DatabaseService service, DatabaseViews views, DatabaseEvents events, RuntimeInfo runtime, DrillOutcomes drills) {
        this.service = service;
        this.views = views;
        this.events = events;
        this.runtime = runtime;
        this.drills = drills;
    }

    /** One line of the databases list. */
    record Row(UUID id, String name, String plan, DatabaseStatus status, int members, Instant createdAt, Instant lastVerifiedBackupAt,
               DrillOutcomes.LastDrill lastDrill) {
    }

    /** The create form's fields, as typed (the version stays text so that a wrong value is shown back, not lost). */
    record CreateForm(String name, String plan, String postgresVersion) {
    }

    @GetMapping("/databases")
    String list(Model model) {
        model.addAttribute("rows", rows());
        return LIST;
    }

    /** The list's table body alone, for htmx's periodic refresh. */
    @GetMapping("/databases/rows")
    String rowsFragment(Model model) {
        model.addAttribute("rows", rows());
        return LIST + " :: rows";
    }

    @GetMapping("/databases/new")
    String newForm(Model model) {
        model.addAttribute("form", new CreateForm("", Plan.HA.id(), runtime.defaultPostgresVersion().map(String::valueOf).orElse("")));
        return showForm(model);
    }

    @PostMapping("/databases")
    String create(@ModelAttribute("form") CreateForm form, Model model, HttpServletResponse response) {
        FormErrors errors = new FormErrors();
        Integer version = null;
        if (form.postgresVersion() != null && !form.postgresVersion().isBlank()) {
            try {
                version = Integer.valueOf(form.postgresVersion().strip());
            } catch (NumberFormatException e) {
                errors.reject("postgresVersion", "Choose one of the PostgreSQL versions offered.");
            }
        }
        if (!errors.any()) {
            try {
                Database d = service.create(CurrentTenant.get(), new CreateDatabaseRequest(form.name(), form.plan(), version));
                return "redirect:/databases/" + d.getId();
            } catch (DomainException e) {
                errors.reject(e, "name", "plan", "postgresVersion");
            }
        }
        model.addAttribute(FormErrors.MODEL_ATTRIBUTE, errors);
        response.setStatus(HttpStatus.UNPROCESSABLE_ENTITY.value());
        return showForm(model);
    }

    @GetMapping("/databases/{id}")
    String overview(@PathVariable UUID id, Model model) {
        return showOverview(service.get(CurrentTenant.get(), id), model);
    }

    /** Status, members and events, for htmx polling while the database changes. */
    @GetMapping("/databases/{id}/status")
    String statusFragment(@PathVariable UUID id, Model model) {
        addOverview(service.get(CurrentTenant.get(), id), model);
        return OVERVIEW + " :: status";
    }

    /** The connection strings with the password in them: only on an explicit click, never cached. */
    @GetMapping("/databases/{id}/credentials")
    String revealCredentials(@PathVariable UUID id, Model model, HttpServletResponse response) {
        Database d = service.get(CurrentTenant.get(), id);
        response.setHeader("Cache-Control", CacheControl.noStore().getHeaderValue());
        model.addAttribute("db", d);
        model.addAttribute("credentials", views.credentials(d, service.ownerPassword(d)));
        return OVERVIEW + " :: credentials";
    }

    /** The connection strings again with the password masked ("Hide password"). */
    @GetMapping("/databases/{id}/connection")
    String connectionFragment(@PathVariable UUID id, Model model) {
        Database d = service.get(CurrentTenant.get(), id);
        model.addAttribute("db", d);
        model.addAttribute("connection", views.connection(d));
        model.addAttribute("apiBase", apiBase());
        return OVERVIEW + " :: connection";
    }

    /** One full connection string as text, for the copy buttons. */
    @GetMapping(value = "/databases/{id}/connection-string", produces = MediaType.TEXT_PLAIN_VALUE)
    ResponseEntity<String> connectionString(@PathVariable UUID id, @RequestParam String kind) {
        Database d = service.get(CurrentTenant.get(), id);
        DatabaseViews.CredentialsView c = views.credentials(d, service.ownerPassword(d));
        String value = switch (kind) {
            case "pooler" -> c.poolerUri();
            case "direct" -> c.directUri();
            case "read-only" -> c.readOnlyUri();
            default -> throw new InvalidInput("Unknown kind", "kind is 'pooler', 'direct' or 'read-only'.");
        };
        if (value == null && kind.equals("read-only") && c.poolerUri() != null) {
            throw new Conflict("No read-only endpoint", "Only databases with replicas (plan ha) have one.");
        }
        if (value == null) {
            throw new Conflict("Not placed yet", "The database has no endpoints yet.");
        }
        return ResponseEntity.ok().cacheControl(CacheControl.noStore()).contentType(MediaType.TEXT_PLAIN).body(value);
    }

    /** The CA certificate to verify the endpoints with, as a download (the dashboard's link; the API has the same). */
    @GetMapping("/databases/{id}/ca.crt")
    ResponseEntity<String> caCertificate(@PathVariable UUID id) {
        Database d = service.get(CurrentTenant.get(), id);
        return DatabaseController.caCertificateResponse(d, views.caCertificatePem(d));
    }

    /** Deletion needs the database's name typed again: checked here, not only in the browser. */
    @PostMapping("/databases/{id}/delete")
    String delete(@PathVariable UUID id, @RequestParam(name = "confirmName", defaultValue = "") String confirmName, Model model,
                  RedirectAttributes flash, HttpServletResponse response) {
        Database d = service.get(CurrentTenant.get(), id);
        if (!d.getName().equals(confirmName.strip())) {
            FormErrors errors = new FormErrors();
            errors.reject("confirmName", "Type the database's name, " + d.getName() + ", to delete it.");
            model.addAttribute(FormErrors.MODEL_ATTRIBUTE, errors);
            response.setStatus(HttpStatus.UNPROCESSABLE_ENTITY.value());
            return showOverview(d, model);
        }
        try {
            service.delete(CurrentTenant.get(), id);
        } catch (org.springframework.orm.ObjectOptimisticLockingFailureException raceWithReconciler) {
            service.delete(CurrentTenant.get(), id);
        }
        flash.addFlashAttribute("notice", "Deleting " + d.getName() + ": its processes, data and ports are being removed.");
        return "redirect:/databases";
    }

    private String showForm(Model model) {
        model.addAttribute("plans", Arrays.stream(Plan.values()).toList());
        model.addAttribute("versions", runtime.supportedPostgresVersions());
        return NEW;
    }

    private String showOverview(Database d, Model model) {
        addOverview(d, model);
        model.addAttribute("connection", views.connection(d));
        model.addAttribute("apiBase", apiBase());
        model.addAttribute("tab", "overview");
        return OVERVIEW;
    }

    private void addOverview(Database d, Model model) {
        model.addAttribute("db", d);
        model.addAttribute("view", views.view(d, false));
        model.addAttribute("events", events.recent(d.getId()));
        model.addAttribute("settled", d.getStatus() == DatabaseStatus.READY || d.getStatus() == DatabaseStatus.FAILED);
    }

    /** This control plane's address as the browser reached it, for the copyable download command. */
    private static String apiBase() {
        return org.springframework.web.servlet.support.ServletUriComponentsBuilder.fromCurrentContextPath().build().toUriString();
    }

    private List<Row> rows() {
        List<Database> list = service.list(CurrentTenant.get());
        Map<UUID, DrillOutcomes.LastDrill> last = drills.lastDrills(list.stream().map(Database::getId).toList());
        return list.stream().map(d -> new Row(d.getId(), d.getName(), d.getPlan(), d.getStatus(), d.getMembers().size(), d.getCreatedAt(),
                d.getLastVerifiedBackupAt(), last.get(d.getId()))).toList();
    }
}
