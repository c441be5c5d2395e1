package dev.pgfleet.operation;

import dev.pgfleet.dashboard.DashboardPage;
import dev.pgfleet.security.CurrentTenant;
import dev.pgfleet.system.Pagination;
import java.time.Instant;
import java.util.UUID;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestParam;

/**
 * The overview's operation history (everything pgfleet did or does to the database), loaded by htmx after the page, a
 * page of {@link #PAGE_SIZE} at a time, newest first, through the same {@link OperationHistory} as the API. It lives here
 * rather than in the database pages so that {@code database} does not depend on {@code operation} (which depends on it).
 */
@Controller
class OperationPages implements DashboardPage {
    static final String HISTORY = "operations/history :: history";
    static final int PAGE_SIZE = 20;

    private final OperationHistory history;

    OperationPages(OperationHistory history) {
        this.history = history;
    }

    /**
     * One line of the history. {@code detail}: the tab that shows what the operation produced (a backup, a restore, a
     * drill's figures), with the row's anchor; null when there is none (a switchover's result is this line).
     */
    record Row(UUID id, String kind, String state, String reason, String requestedBy, Instant requestedAt, Instant startedAt,
               Instant finishedAt, Long durationMillis, String detail) {
        static Row of(DatabaseOperation o) {
            return new Row(o.getId(), o.getKind().apiName(), o.getState().name(), o.getReason(), o.getRequestedBy().apiName(),
                    o.getRequestedAt(), o.getStartedAt(), o.getFinishedAt(), o.took().map(java.time.Duration::toMillis).orElse(null),
                    detail(o));
        }

        private static String detail(DatabaseOperation o) {
            if (o.getSubjectId() == null) {
                return null;
            }
            String base = "/databases/" + o.getDatabaseId();
            return switch (o.getKind()) {
                case BACKUP, VERIFICATION -> base + "/backups#backup-" + o.getSubjectId();
                case RESTORE, POINT_IN_TIME_RESTORE -> base + "/backups#restore-" + o.getSubjectId();
                case DRILL -> base + "/drills#drill-" + o.getSubjectId();
                default -> null;
            };
        }
    }

    @GetMapping("/databases/{id}/operations")
    String history(@PathVariable UUID id, @RequestParam(required = false) String cursor, Model model) {
        Pagination.PageRequest request = Pagination.PageRequest.of(String.valueOf(PAGE_SIZE), cursor);
        Pagination.Page<Row> page = history.page(CurrentTenant.get(), id, request).map(Row::of);
        model.addAttribute("databaseId", id);
        model.addAttribute("rows", page.items());
        model.addAttribute("older", page.next() == null ? null : page.next().encode());
        model.addAttribute("paged", request.after() != null);
        return HISTORY;
    }
}
