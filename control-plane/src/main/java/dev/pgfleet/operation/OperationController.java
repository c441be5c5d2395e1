package dev.pgfleet.operation;

import dev.pgfleet.security.CurrentTenant;
import dev.pgfleet.system.Pagination;
import io.swagger.v3.oas.annotations.Operation;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

@RestController
@RequestMapping("/api/v1/databases/{databaseId}")
class OperationController {
    private final OperationHistory history;

    OperationController(OperationHistory history) {
        this.history = history;
    }

    @GetMapping("/operations")
    @Operation(summary = "Everything pgfleet did or does to the database (backups, verifications, restores, switchovers, drills),"
            + " newest first, with state, reason, timings and who asked; paged with ?limit=&cursor=")
    ResponseEntity<List<OperationView>> operations(@PathVariable UUID databaseId, @RequestParam(required = false) String limit,
                                                   @RequestParam(required = false) String cursor) {
        Pagination.PageRequest page = Pagination.PageRequest.of(limit, cursor);
        return Pagination.response(history.page(CurrentTenant.get(), databaseId, page).map(OperationView::of), page);
    }

    /**
     * {@code subjectId}: the backup, drill or restore the operation worked on or produced (null for a switchover).
     * {@code requestedBy}: "user", "schedule" or "control-plane".
     */
    record OperationView(UUID id, String kind, String state, String reason, String requestedBy, UUID subjectId, Instant requestedAt,
                         Instant startedAt, Instant finishedAt, Long durationMillis, int attempts) {
        static OperationView of(DatabaseOperation o) {
            return new OperationView(o.getId(), o.getKind().apiName(), o.getState().name(), o.getReason(), o.getRequestedBy().apiName(),
                    o.getSubjectId(), o.getRequestedAt(), o.getStartedAt(), o.getFinishedAt(),
                    o.took().map(java.time.Duration::toMillis).orElse(null), o.getAttempts());
        }
    }
}
