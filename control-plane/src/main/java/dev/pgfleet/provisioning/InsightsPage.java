package dev.pgfleet.provisioning;

import dev.pgfleet.dashboard.DashboardPage;
import dev.pgfleet.database.Database;
import dev.pgfleet.database.DatabaseService;
import dev.pgfleet.system.CurrentTenant;
import java.util.UUID;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;

/** The overview's pooler, size and vector-index panel, loaded by htmx after the page and refreshed every 15 s. */
@Controller
class InsightsPage implements DashboardPage {
    private final DatabaseService databases;
    private final DatabaseInsights insights;

    InsightsPage(DatabaseService databases, DatabaseInsights insights) {
        this.databases = databases;
        this.insights = insights;
    }

    @GetMapping("/databases/{id}/insights")
    String panel(@PathVariable UUID id, Model model) {
        Database db = databases.get(CurrentTenant.get(), id);
        model.addAttribute("db", db);
        model.addAttribute("insight", insights.fetchInsight(db));
        return "databases/insights :: panel";
    }
}
