package dev.pgfleet.dashboard;

/**
 * Marks a controller that renders dashboard pages (HTML), wherever its feature package is: errors it raises are
 * rendered by {@link DashboardAdvice} as a page, not as the API's problem+json.
 */
public interface DashboardPage {
}
