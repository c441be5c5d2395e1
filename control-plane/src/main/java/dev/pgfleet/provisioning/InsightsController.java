package dev.pgfleet.provisioning;

import dev.pgfleet.database.DatabaseService;
import dev.pgfleet.system.CurrentTenant;
import io.swagger.v3.oas.annotations.Operation;
import java.util.UUID;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

@RestController
class InsightsController {
    private final DatabaseService databases;
    private final DatabaseInsights insights;

    InsightsController(DatabaseService databases, DatabaseInsights insights) {
        this.databases = databases;
        this.insights = insights;
    }

    @GetMapping("/api/v1/databases/{id}/insights")
    @Operation(summary = "The pooler's figures (SHOW POOLS / SHOW STATS), the database's size and its pgvector indexes with"
            + " size and scans, fetched now; parts that could not be fetched are null and explained in 'problems'")
    DatabaseInsight insights(@PathVariable UUID id) {
        return insights.fetchInsight(databases.get(CurrentTenant.get(), id));
    }
}
