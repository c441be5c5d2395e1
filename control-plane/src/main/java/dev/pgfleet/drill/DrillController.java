package dev.pgfleet.drill;

import dev.pgfleet.security.CurrentTenant;
import dev.pgfleet.system.Pagination;
import io.swagger.v3.oas.annotations.Operation;
import java.net.URI;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.springframework.http.ResponseEntity;
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
class DrillController {
    private final DrillService service;

    DrillController(DrillService service) {
        this.service = service;
    }

    @PostMapping("/switchover")
    @Operation(summary = "Planned switchover to the synchronous standby (or 'candidate'): the pooler pauses, so clients wait"
            + " instead of failing. Answers once done.")
    SwitchoverView switchover(@PathVariable UUID databaseId, @RequestBody(required = false) DrillService.SwitchoverRequest request) {
        Switchover.Result r = service.switchover(CurrentTenant.get(), databaseId, request);
        return new SwitchoverView(r.oldLeader(), r.newLeader(), r.paused().toMillis());
    }

    @PostMapping("/drills")
    @Operation(summary = "Run a failover drill now: {\"type\": \"switchover\"} or {\"type\": \"kill-primary\"} (runs in the background)")
    ResponseEntity<DrillView> drill(@PathVariable UUID databaseId, @RequestBody(required = false) DrillService.DrillRequest request) {
        Drill d = service.requestDrill(CurrentTenant.get(), databaseId, request);
        return ResponseEntity.accepted().location(URI.create("/api/v1/databases/" + databaseId + "/drills/" + d.getId()))
                .body(DrillView.of(d));
    }

    @GetMapping("/drills")
    @Operation(summary = "Drill history, newest first, with what each measured and whether it met the plan's targets;"
            + " paged with ?limit=&cursor=")
    ResponseEntity<List<DrillView>> drills(@PathVariable UUID databaseId, @RequestParam(required = false) String limit,
                                           @RequestParam(required = false) String cursor) {
        Pagination.PageRequest page = Pagination.PageRequest.of(limit, cursor);
        return Pagination.response(service.page(CurrentTenant.get(), databaseId, page).map(DrillView::of), page);
    }

    @GetMapping("/drills/{drillId}")
    DrillView drill(@PathVariable UUID databaseId, @PathVariable UUID drillId) {
        return DrillView.of(service.get(CurrentTenant.get(), databaseId, drillId));
    }

    @GetMapping("/drill-policy")
    @Operation(summary = "When drills run on their own (off by default) and which kind")
    PolicyView policy(@PathVariable UUID databaseId) {
        return PolicyView.of(service.policy(CurrentTenant.get(), databaseId));
    }

    @PutMapping("/drill-policy")
    @Operation(summary = "Change the drill policy; the schedule changes at once")
    PolicyView updatePolicy(@PathVariable UUID databaseId, @RequestBody DrillService.PolicyRequest request) {
        return PolicyView.of(service.updatePolicy(CurrentTenant.get(), databaseId, request));
    }

    record SwitchoverView(String oldLeader, String newLeader, long poolerPausedMillis) {
    }

    record PolicyView(String cron, boolean enabled, String type) {
        static PolicyView of(DrillPolicy p) {
            return new PolicyView(p.getCron(), p.isEnabled(), p.getKind().apiName());
        }
    }

    /** {@code passed}: null while the drill runs; true only when every figure met the plan's target. */
    record DrillView(UUID id, String type, String trigger, String status, String statusReason, Boolean passed, Instant createdAt,
                     Instant startedAt, Instant finishedAt, String oldLeader, String newLeader, Long writeUnavailableMillis,
                     Long failedTransactions, Long acknowledgedWrites, Long lostWrites, Long oldLeaderRejoinMillis) {
        static DrillView of(Drill d) {
            Boolean passed = switch (d.getStatus()) {
                case PASSED -> true;
                case FAILED -> false;
                default -> null;
            };
            return new DrillView(d.getId(), d.getKind().apiName(), d.getTrigger().name(), d.getStatus().name(), d.getStatusReason(), passed,
                    d.getCreatedAt(), d.getStartedAt(), d.getFinishedAt(), d.getOldLeader(), d.getNewLeader(), d.getWriteUnavailableMillis(),
                    d.getFailedTransactions(), d.getAcknowledgedWrites(), d.getLostWrites(), d.getRejoinMillis());
        }
    }
}
