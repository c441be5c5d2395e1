package dev.pgfleet.tenant;

import dev.pgfleet.security.DashboardUser;
import dev.pgfleet.security.TenantPrincipal;
import org.springframework.security.core.userdetails.UserDetails;
import org.springframework.security.core.userdetails.UserDetailsService;
import org.springframework.security.core.userdetails.UsernameNotFoundException;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/** Form login's user lookup: users without a password (API-only users) cannot sign in. */
@Service
class DashboardUserDetails implements UserDetailsService {
    private final TenantUserRepository users;
    private final TenantRepository tenants;

    DashboardUserDetails(TenantUserRepository users, TenantRepository tenants) {
        this.users = users;
        this.tenants = tenants;
    }

    @Override
    @Transactional(readOnly = true)
    public UserDetails loadUserByUsername(String name) {
        TenantUser user = users.findByName(name).filter(u -> u.getPasswordHash() != null)
                .orElseThrow(() -> new UsernameNotFoundException("no dashboard user " + name));
        Tenant tenant = tenants.findById(user.getTenantId()).orElseThrow(() -> new UsernameNotFoundException("no tenant"));
        return new DashboardUser(user.getName(), user.getPasswordHash(),
                new TenantPrincipal(tenant.getId(), tenant.getName(), user.getId(), tenant.isAdmin()));
    }
}
