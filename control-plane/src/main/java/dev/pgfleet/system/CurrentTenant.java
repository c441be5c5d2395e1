package dev.pgfleet.system;

import dev.pgfleet.tenant.TenantPrincipal;

/** Who the current API request acts for. */
public final class CurrentTenant {
    private CurrentTenant() {
    }

    public static TenantPrincipal get() {
        return SecurityConfig.currentPrincipal();
    }
}
