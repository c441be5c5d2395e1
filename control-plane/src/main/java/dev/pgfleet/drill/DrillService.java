package dev.pgfleet.drill;

import dev.pgfleet.blueprint.Plan;
import dev.pgfleet.database.Database;
import dev.pgfleet.database.DatabaseChanged;
import dev.pgfleet.database.DatabaseDeleted;
import dev.pgfleet.database.DatabaseEvents;
import dev.pgfleet.database.DatabaseRepository;
import dev.pgfleet.database.DatabaseService;
import dev.pgfleet.provisioning.PoolerControl;
import dev.pgfleet.provisioning.DesiredCluster;
import dev.pgfleet.provisioning.DesiredClusters;
import dev.pgfleet.provisioning.ClusterObservation;
import dev.pgfleet.system.Pagination;
import dev.pgfleet.system.ApiException;
import dev.pgfleet.system.ScheduleRule;
import dev.pgfleet.security.TenantPrincipal;
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
import org.springframework.http.HttpStatus;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.transaction.event.TransactionalEventListener;

/** The drill and switchover API's rules, scoped to the caller's tenant; and the schedules behind drill policies. */
@Service
class DrillService {
    private static final Logger log = LoggerFactory.getLogger(DrillService.class);
    /** Longer than any switchover can take (pause 10 s + promotion 60 s + retarget 30 s): its control plane died. */
    private static final Duration SWITCHOVER_STUCK = Duration.ofMinutes(3);
    /** Longer than any drill can take (every wait at its limit is about 7 minutes). */
    private static final Duration DRILL_STUCK = Duration.ofMinutes(15);

    private final DatabaseService databaseService;
    private final DatabaseRepository databases;
    private final DrillRepository drills;
    private final DrillPolicyRepository policies;
    private final DrillLedger ledger;
    private final DrillSchedules schedules;
    private final DrillRunner runner;
    private final Switchover switchover;
    private final PoolerControl runtime;
    private final DesiredClusters desiredClusters;
    private final DatabaseEvents events;
    private final DrillProperties settings;
    private final DrillAdmission admission;

    DrillService(DatabaseService databaseService, DatabaseRepository databases, DrillRepository drills, DrillPolicyRepository policies,
                 DrillLedger ledger, DrillSchedules schedules, DrillRunner runner, Switchover switchover, PoolerControl runtime,
                 DesiredClusters desiredClusters, DatabaseEvents events, DrillProperties settings,
                 DrillAdmission admission) {
        this.databaseService = databaseService;
        this.databases = databases;
        this.drills = drills;
        this.policies = policies;
        this.ledger = ledger;
        this.schedules = schedules;
        this.runner = runner;
        this.switchover = switchover;
        this.runtime = runtime;
        this.desiredClusters = desiredClusters;
        this.events = events;
        this.settings = settings;
        this.admission = admission;
    }

    record DrillRequest(String type) {
    }

    record SwitchoverRequest(String candidate) {
    }

    record PolicyRequest(String cron, Boolean enabled, String type) {
    }

    /**
     * Starts a drill in the background (202): refused unless the database is READY with every member healthy, and
     * (409) while one of it is running or the tenant already runs its number of drills ({@link DrillAdmission}).
     */
    Drill requestDrill(TenantPrincipal caller, UUID databaseId, DrillRequest request) {
        Database db = databaseService.get(caller, databaseId);
        Drill.Kind kind = kind(request == null ? null : request.type());
        refuseIfNotRunnable(db);
        Drill drill = admitted(admission.admit(db.getTenantId(), db.getId(), kind, Drill.Trigger.ON_DEMAND));
        schedules.runNow(db.getId(), drill.getId());
        return drill;
    }

    /**
     * A planned switchover, done before this returns: the pooler pauses, Patroni hands over, the pooler follows and
     * resumes. Refused (409) unless the database is READY and whole; one at a time with drills.
     */
    Switchover.Result switchover(TenantPrincipal caller, UUID databaseId, SwitchoverRequest request) {
        Database db = databaseService.get(caller, databaseId);
        refuseIfNotRunnable(db);
        Plan plan = Plan.fromId(db.getPlan()).orElseThrow();
        DesiredCluster desired = desiredClusters.of(db);
        ClusterObservation obs = runtime.observeCluster(desired);
        String leader = obs.leader().orElseThrow(() -> new ApiException(HttpStatus.CONFLICT, "No leader", "The database has no leader now."));
        Candidates.Choice choice = Candidates.choose(plan, obs, request == null ? null : request.candidate(), leader);
        if (choice.member() == null) {
            throw new ApiException(HttpStatus.CONFLICT, "Switchover not possible", choice.refusal());
        }
        Drill lock = admitted(admission.admit(db.getTenantId(), db.getId(), Drill.Kind.SWITCHOVER, Drill.Trigger.API));
        ledger.start(lock.getId(), leader);
        events.normal(db.getId(), "SwitchoverStarted", "Switchover from " + leader + " to " + choice.member() + " requested.");
        try {
            Switchover.Result result = switchover.perform(db, desired, leader, choice.member());
            String message = String.format(java.util.Locale.ROOT, "Switched over from %s to %s; the pooler held transactions for %.2f s.",
                    leader, result.newLeader(), result.paused().toMillis() / 1000.0);
            ledger.finish(lock.getId(), new DrillFigures(result.newLeader(), null, null, null, null, null), true, message);
            events.normal(db.getId(), "SwitchoverSucceeded", message);
            return result;
        } catch (Exception e) {
            String message = "Switchover from " + leader + " to " + choice.member() + " failed: " + DrillRunner.describe(e);
            ledger.finish(lock.getId(), null, false, message);
            events.warningOnce(db.getId(), "SwitchoverFailed", message);
            log.warn("switchover of {} failed", db.getName(), e);
            throw new ApiException(HttpStatus.BAD_GATEWAY, "Switchover failed", message + " The pooler was resumed.");
        }
    }

    @Transactional(readOnly = true)
    List<Drill> list(TenantPrincipal caller, UUID databaseId) {
        return drills.findByDatabaseIdAndTriggerNotOrderByCreatedAtDesc(databaseService.get(caller, databaseId).getId(), Drill.Trigger.API);
    }

    /** One page of the database's drills, newest first (the API's list). */
    @Transactional(readOnly = true)
    Pagination.Page<Drill> page(TenantPrincipal caller, UUID databaseId, Pagination.PageRequest request) {
        Pagination.Cursor before = request.afterOr(Pagination.Cursor.AFTER_ALL);
        return Pagination.Page.of(drills.findPage(databaseService.get(caller, databaseId).getId(), Drill.Trigger.API, before.createdAt(),
                before.id(), request.probe()), request, d -> new Pagination.Cursor(d.getCreatedAt(), d.getId()));
    }

    @Transactional(readOnly = true)
    Drill get(TenantPrincipal caller, UUID databaseId, UUID drillId) {
        Database db = databaseService.get(caller, databaseId);
        return drills.findByIdAndDatabaseId(drillId, db.getId()).filter(d -> d.getTrigger() != Drill.Trigger.API)
                .orElseThrow(() -> ApiException.notFound("Drill " + drillId));
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
            throw new ApiException(HttpStatus.BAD_REQUEST, "Missing field", "Field 'enabled' is required.");
        }
        Drill.Kind kind = kind(request.type());
        if (request.enabled() && Plan.fromId(db.getPlan()).flatMap(Plan::failoverTargets).isEmpty()) {
            throw new ApiException(HttpStatus.CONFLICT, "No drills on this plan",
                    "The " + db.getPlan() + " plan has a single member: there is nothing to fail over to.");
        }
        DrillPolicy policy = policies.findById(db.getId()).orElse(DrillPolicy.defaults(db.getId()));
        policy.update(request.cron(), request.enabled(), kind);
        policies.save(policy);
        schedules.applyPolicy(policy);
        return policy;
    }

    /** For the cron trigger: a new SCHEDULED drill, or empty (recorded as not run when the cluster is not whole). */
    Optional<UUID> scheduledDrill(UUID databaseId) {
        Database db = databases.findById(databaseId).orElse(null);
        if (db == null) {
            return Optional.empty();
        }
        Drill.Kind kind = policies.findById(databaseId).map(DrillPolicy::getKind).orElse(Drill.Kind.SWITCHOVER);
        Optional<String> refusal = runner.refusal(db);
        if (refusal.isPresent()) {
            ledger.recordNotRun(databaseId, kind, refusal.get());
            events.warningOnce(databaseId, "DrillFailed", "Scheduled " + kind.apiName() + " drill not run: " + refusal.get());
            return Optional.empty();
        }
        DrillAdmission.Result admitted = admission.admit(db.getTenantId(), databaseId, kind, Drill.Trigger.SCHEDULED);
        if (admitted instanceof DrillAdmission.Result.TenantBusy busy) {
            ledger.recordNotRun(databaseId, kind, busy.reason());
            events.warningOnce(databaseId, "DrillFailed", "Scheduled " + kind.apiName() + " drill not run: " + busy.reason());
        }
        return admitted instanceof DrillAdmission.Result.Admitted a ? Optional.of(a.drill().getId()) : Optional.empty();
    }

    /** Records a drill or switchover whose control plane stopped as failed, and resumes its pooler. */
    void abandon(Drill drill, String reason) {
        ledger.finish(drill.getId(), null, false, reason);
        databases.findById(drill.getDatabaseId()).ifPresent(db -> {
            try {
                runtime.resumePooler(desiredClusters.of(db));
            } catch (RuntimeException e) {
                log.warn("could not resume the pooler of {}: {}", db.getName(), e.getMessage());
            }
            events.warningOnce(db.getId(), "DrillFailed", "Drill " + drill.getId() + " " + reason);
        });
    }

    /** Safety net for a control plane that died mid-switchover or mid-drill (its pooler might be paused). */
    @Scheduled(fixedDelay = 30_000, initialDelay = 30_000)
    void abandonStuck() {
        for (Drill d : ledger.stuck(SWITCHOVER_STUCK)) {
            Duration limit = d.getTrigger() == Drill.Trigger.API ? SWITCHOVER_STUCK : DRILL_STUCK;
            java.time.Instant since = d.getStartedAt() != null ? d.getStartedAt() : d.getCreatedAt();
            if (since.isBefore(java.time.Instant.now().minus(limit))) {
                abandon(d, "did not finish within " + limit.toMinutes() + " minutes (its control plane stopped?)");
            }
        }
    }

    @TransactionalEventListener
    void onDatabaseChanged(DatabaseChanged event) {
        databases.findById(event.databaseId()).ifPresent(db -> {
            if (db.isDeletionRequested()) {
                schedules.forget(db.getId());
            } else {
                policies.findById(db.getId()).ifPresent(schedules::applyPolicy);
            }
        });
    }

    @EventListener
    void onDatabaseDeleted(DatabaseDeleted event) {
        try {
            schedules.forget(event.databaseId());
        } catch (RuntimeException e) {
            log.warn("could not remove the drill schedule of deleted database {}: {}", event.databaseId(), e.toString());
        }
    }

    @EventListener(ApplicationReadyEvent.class)
    void scheduleAll() {
        for (DrillPolicy p : policies.findAll()) {
            schedules.applyPolicy(p);
        }
    }

    private void refuseIfNotRunnable(Database db) {
        runner.refusal(db).ifPresent(why -> {
            throw new ApiException(HttpStatus.CONFLICT, "Not possible now", why);
        });
    }

    private static Drill.Kind kind(String type) {
        return Drill.Kind.fromApiName(type).orElseThrow(() -> new ApiException(HttpStatus.BAD_REQUEST, "Invalid drill type",
                "'type' must be \"switchover\" or \"kill-primary\", not " + (type == null ? "missing" : "'" + type + "'") + ".", "type"));
    }

    private static Drill admitted(DrillAdmission.Result result) {
        if (result instanceof DrillAdmission.Result.TenantBusy busy) {
            throw new ApiException(HttpStatus.CONFLICT, "Too many drills", "Not started: " + busy.reason());
        }
        if (result instanceof DrillAdmission.Result.Admitted a) {
            return a.drill();
        }
        throw busy();
    }

    private static ApiException busy() {
        return new ApiException(HttpStatus.CONFLICT, "Drill or switchover in progress",
                "A drill or switchover of this database is already pending or running; wait for it to finish.");
    }
}
