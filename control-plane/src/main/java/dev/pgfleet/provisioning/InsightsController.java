package dev.pgfleet.provisioning;

import dev.pgfleet.database.DatabaseService;
import dev.pgfleet.security.CurrentTenant;
import io.swagger.v3.oas.annotations.Operation;
import java.util.UUID;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

@RestController
class InsightsController {
    private final DatabaseService databases;
    private final InsightsCache insights;

    InsightsController(DatabaseService databases, InsightsCache insights) {
        this.databases = databases;
        this.insights = insights;
    }

    @GetMapping("/api/v1/databases/{id}/insights")
    @Operation(summary = "The pooler's figures (SHOW POOLS / SHOW STATS), the database's size and its pgvector indexes with"
            + " size and scans, as of 'fetchedAt' (figures are reused for a few seconds; requests are rate-limited per tenant,"
            + " 429 with Retry-After beyond it); parts that could not be fetched are null and explained in 'problems'")
    DatabaseInsight insights(@PathVariable UUID id) {
        return insights.insightFor(CurrentTenant.get(), databases.get(CurrentTenant.get(), id));
    }

    /** 429 problem+json with Retry-After (whole seconds), here rather than in the shared handler, which sets no headers. */
    @ExceptionHandler(InsightsCache.RateLimited.class)
    ResponseEntity<ProblemDetail> rateLimited(InsightsCache.RateLimited e) {
        ProblemDetail p = ProblemDetail.forStatusAndDetail(HttpStatus.TOO_MANY_REQUESTS, e.getMessage());
        p.setTitle(e.title());
        p.setProperty("retryAfterSeconds", e.retryAfterSeconds());
        return ResponseEntity.status(HttpStatus.TOO_MANY_REQUESTS).header(HttpHeaders.RETRY_AFTER, Long.toString(e.retryAfterSeconds()))
                .contentType(MediaType.APPLICATION_PROBLEM_JSON).body(p);
    }
}
