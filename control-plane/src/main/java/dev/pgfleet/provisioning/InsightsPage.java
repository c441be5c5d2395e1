package dev.pgfleet.provisioning;

import dev.pgfleet.dashboard.DashboardPage;
import dev.pgfleet.database.Database;
import dev.pgfleet.database.DatabaseService;
import dev.pgfleet.security.CurrentTenant;
import java.util.UUID;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;

/**
 * The overview's pooler, size and vector-index panel, loaded by htmx after the page and refreshed every 15 s. Over
 * the tenant's rate it shows the last figures with their time and a note (or only the note when there are none),
 * so a busy tenant sees a pause in refreshing rather than an error.
 */
@Controller
class InsightsPage implements DashboardPage {
    private final DatabaseService databases;
    private final InsightsCache insights;

    InsightsPage(DatabaseService databases, InsightsCache insights) {
        this.databases = databases;
        this.insights = insights;
    }

    @GetMapping("/databases/{id}/insights")
    String panel(@PathVariable UUID id, Model model) {
        Database db = databases.get(CurrentTenant.get(), id);
        model.addAttribute("db", db);
        try {
            model.addAttribute("insight", insights.insightFor(CurrentTenant.get(), db));
        } catch (InsightsCache.RateLimited e) {
            model.addAttribute("insight", e.lastKnown().orElse(null));
            model.addAttribute("limited", e.getMessage());
        }
        return "databases/insights :: panel";
    }
}
