package dev.pgfleet.security;

import org.springframework.security.core.context.SecurityContextHolder;

/** Who the current request acts for: the tenant of an API token, or of the user signed in to the dashboard. */
public final class CurrentTenant {
    private CurrentTenant() {
    }

    /** Only called on authenticated requests. */
    public static TenantPrincipal get() {
        Object principal = SecurityContextHolder.getContext().getAuthentication().getPrincipal();
        return principal instanceof DashboardUser user ? user.principal() : (TenantPrincipal) principal;
    }
}
