package dev.pgfleet.security;

import java.util.List;
import org.springframework.security.core.authority.SimpleGrantedAuthority;
import org.springframework.security.core.userdetails.User;

/** A person signed in to the dashboard: Spring Security's user, carrying the same principal an API token resolves to. */
public final class DashboardUser extends User {
    private final TenantPrincipal principal;

    public DashboardUser(String name, String passwordHash, TenantPrincipal principal) {
        super(name, passwordHash, principal.admin()
                ? List.of(new SimpleGrantedAuthority("ROLE_TENANT"), new SimpleGrantedAuthority("ROLE_ADMIN"))
                : List.of(new SimpleGrantedAuthority("ROLE_TENANT")));
        this.principal = principal;
    }

    public TenantPrincipal principal() {
        return principal;
    }
}
