package dev.pgfleet.drill;

import dev.pgfleet.blueprint.Plan;
import dev.pgfleet.database.Database;
import dev.pgfleet.database.DatabaseChanged;
import dev.pgfleet.database.DatabaseDeleted;
import dev.pgfleet.database.DatabaseEvents;
import dev.pgfleet.database.DatabaseRepository;
import dev.pgfleet.database.DatabaseService;
import dev.pgfleet.operation.DatabaseSchedules;
import dev.pgfleet.operation.OperationKind;
import dev.pgfleet.operation.Requester;
import dev.pgfleet.problem.Conflict;
import dev.pgfleet.problem.InvalidInput;
import dev.pgfleet.problem.NotFound;
import dev.pgfleet.security.TenantPrincipal;
import dev.pgfleet.system.Pagination;
import dev.pgfleet.system.ScheduleRule;
import io.swagger.v3.oas.annotations.media.Schema;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.TimeZone;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.transaction.event.TransactionalEventListener;

/**
 * The drills API's rules, scoped to the caller's tenant, and the schedules behind drill policies. A drill is an
 * operation of kind DRILL: requested here or by its schedule ({@link DrillOperations}), run by {@link DrillRunner}.
 */
@Service
class DrillService {
    private static final Logger log = LoggerFactory.getLogger(DrillService.class);

    private final DatabaseService databaseService;
    private final DatabaseRepository databases;
    private final DrillRepository drills;
    private final DrillPolicyRepository policies;
    private final DrillLedger ledger;
    private final DatabaseSchedules schedules;
    private final DrillRunner runner;
    private final DatabaseEvents events;
    private final DrillProperties settings;
    private final DrillAdmission admission;

    DrillService(DatabaseService databaseService, DatabaseRepository databases, DrillRepository drills, DrillPolicyRepository policies,
                 DrillLedger ledger, DatabaseSchedules schedules, DrillRunner runner, DatabaseEvents events, DrillProperties settings,
                 DrillAdmission admission) {
        this.databaseService = databaseService;
        this.databases = databases;
        this.drills = drills;
        this.policies = policies;
        this.ledger = ledger;
        this.schedules = schedules;
        this.runner = runner;
        this.events = events;
        this.settings = settings;
        this.admission = admission;
    }

    record DrillRequest(String type) {
    }

    @Schema(name = "DrillPolicyRequest")
    record PolicyRequest(String cron, Boolean enabled, String type) {
    }

    /**
     * Starts a drill in the background (202): refused unless the database is READY with every member healthy, and
     * (409) while a conflicting operation of it is active or the tenant already runs its number of drills
     * ({@link DrillAdmission}).
     */
    Drill requestDrill(TenantPrincipal caller, UUID databaseId, DrillRequest request) {
        Database db = databaseService.get(caller, databaseId);
        Drill.Kind kind = kind(request == null ? null : request.type());
        refuseIfNotRunnable(db);
        Drill drill = new Drill(db.getId(), kind, Drill.Trigger.ON_DEMAND);
        var op = DrillAdmission.admittedOrRefuse(admission.admit(db.getTenantId(), db.getId(), OperationKind.DRILL, requester(caller),
                drill.getId(), "Waiting to run", o -> save(drill, o.getId())));
        schedules.runSoon(OperationKind.DRILL, db.getId(), op.getId(), Duration.ZERO);
        return drill;
    }

    /**
     * For the cron trigger: requests a SCHEDULED drill and answers its operation, or empty — recorded as not run (with
     * the reason) when the cluster is not whole or the tenant's bound is reached; skipped when another operation that
     * conflicts is active (as a drill under way always was).
     */
    Optional<UUID> scheduledDrill(UUID databaseId) {
        Database db = databases.findById(databaseId).orElse(null);
        if (db == null || db.isDeletionRequested()) {
            return Optional.empty();
        }
        Optional<DrillPolicy> policy = enabledPolicy(databaseId);
        if (policy.isEmpty()) {
            return Optional.empty(); // turned off after Quartz took the firing
        }
        Drill.Kind kind = policy.get().getKind();
        Optional<String> refusal = runner.refusal(db);
        if (enabledPolicy(databaseId).isEmpty()) {
            return Optional.empty(); // turned off while the cluster was observed: a policy turned off starts nothing
        }
        if (refusal.isPresent()) {
            notRun(db, kind, refusal.get());
            return Optional.empty();
        }
        Drill drill = new Drill(databaseId, kind, Drill.Trigger.SCHEDULED);
        DrillAdmission.Result admitted = admission.admit(db.getTenantId(), databaseId, OperationKind.DRILL, Requester.schedule(),
                drill.getId(), "Waiting to run", o -> save(drill, o.getId()));
        if (admitted instanceof DrillAdmission.Result.TenantBusy busy) {
            notRun(db, kind, busy.reason());
        } else if (admitted instanceof DrillAdmission.Result.DatabaseBusy busy) {
            log.info("scheduled drill of {} skipped: {}", db.getName(), busy.conflict().describe());
        }
        return admitted instanceof DrillAdmission.Result.Admitted a ? Optional.of(a.operation().getId()) : Optional.empty();
    }

    private Optional<DrillPolicy> enabledPolicy(UUID databaseId) {
        return policies.findById(databaseId).filter(DrillPolicy::isEnabled);
    }

    private void notRun(Database db, Drill.Kind kind, String reason) {
        ledger.recordNotRun(db.getId(), db.getTenantId(), kind, reason);
        events.warningOnce(db.getId(), "DrillFailed", "Scheduled " + kind.apiName() + " drill not run: " + reason);
    }

    @Transactional(readOnly = true)
    List<Drill> list(TenantPrincipal caller, UUID databaseId) {
        return drills.findByDatabaseIdOrderByCreatedAtDesc(databaseService.get(caller, databaseId).getId());
    }

    /** One page of the database's drills, newest first (the API's list). */
    @Transactional(readOnly = true)
    Pagination.Page<Drill> page(TenantPrincipal caller, UUID databaseId, Pagination.PageRequest request) {
        Pagination.Cursor before = request.afterOr(Pagination.Cursor.AFTER_ALL);
        return Pagination.Page.of(drills.findPage(databaseService.get(caller, databaseId).getId(), before.createdAt(), before.id(),
                request.probe()), request, d -> new Pagination.Cursor(d.getCreatedAt(), d.getId()));
    }

    @Transactional(readOnly = true)
    Drill get(TenantPrincipal caller, UUID databaseId, UUID drillId) {
        Database db = databaseService.get(caller, databaseId);
        return drills.findByIdAndDatabaseId(drillId, db.getId()).orElseThrow(() -> new NotFound("Drill " + drillId));
    }

    @Transactional(readOnly = true)
    DrillPolicy policy(TenantPrincipal caller, UUID databaseId) {
        Database db = databaseService.get(caller, databaseId);
        return policies.findById(db.getId()).orElse(DrillPolicy.defaults(db.getId()));
    }

    /** Validates the whole policy first, stores it, and reschedules at once. */
    @Transactional
    DrillPolicy updatePolicy(TenantPrincipal caller, UUID databaseId, PolicyRequest request) {
        Database db = databaseService.get(caller, databaseId);
        ScheduleRule.require(request.cron(), settings.minimumInterval(), "cron", "'0 0 4 ? * SUN' for Sundays at 04:00", "drills",
                TimeZone.getDefault(), Instant.now());
        if (request.enabled() == null) {
            throw new InvalidInput("Missing field", "Field 'enabled' is required.", "enabled");
        }
        Drill.Kind kind = kind(request.type());
        if (request.enabled() && Plan.fromId(db.getPlan()).flatMap(Plan::failoverTargets).isEmpty()) {
            throw new Conflict("No drills on this plan",
                    "The " + db.getPlan() + " plan has a single member: there is nothing to fail over to.");
        }
        DrillPolicy policy = policies.findById(db.getId()).orElse(DrillPolicy.defaults(db.getId()));
        policy.update(request.cron(), request.enabled(), kind);
        policies.save(policy);
        apply(policy);
        return policy;
    }

    /** A database being deleted runs no more drills; its policy is applied again whenever it changes otherwise. */
    @TransactionalEventListener
    void onDatabaseChanged(DatabaseChanged event) {
        databases.findById(event.databaseId()).ifPresent(db -> policies.findById(db.getId()).ifPresent(p ->
                schedules.applyCron(OperationKind.DRILL, p.getDatabaseId(), p.getCron(), p.isEnabled() && !db.isDeletionRequested())));
    }

    /** Every schedule of a deleted database goes (idempotent: other kinds' features may ask the same). */
    @EventListener
    void onDatabaseDeleted(DatabaseDeleted event) {
        try {
            schedules.forgetDatabase(event.databaseId());
        } catch (RuntimeException e) {
            log.warn("could not remove the schedules of deleted database {}: {}", event.databaseId(), e.toString());
        }
    }

    @EventListener(ApplicationReadyEvent.class)
    void scheduleAll() {
        for (DrillPolicy p : policies.findAll()) {
            apply(p);
        }
    }

    private void apply(DrillPolicy p) {
        schedules.applyCron(OperationKind.DRILL, p.getDatabaseId(), p.getCron(), p.isEnabled());
    }

    private void save(Drill drill, UUID operationId) {
        drill.runsAs(operationId);
        drills.save(drill);
    }

    private void refuseIfNotRunnable(Database db) {
        runner.refusal(db).ifPresent(why -> {
            throw new Conflict("Not possible now", why);
        });
    }

    static Requester requester(TenantPrincipal caller) {
        return caller.userId() == null ? Requester.controlPlane() : Requester.user(caller.userId());
    }

    private static Drill.Kind kind(String type) {
        return Drill.Kind.fromApiName(type).orElseThrow(() -> new InvalidInput("Invalid drill type",
                "'type' must be \"switchover\" or \"kill-primary\", not " + (type == null ? "missing" : "'" + type + "'") + ".", "type"));
    }
}
