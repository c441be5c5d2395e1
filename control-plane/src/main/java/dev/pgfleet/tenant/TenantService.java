package dev.pgfleet.tenant;

import dev.pgfleet.blueprint.Names;
import dev.pgfleet.problem.Conflict;
import dev.pgfleet.problem.InvalidInput;
import dev.pgfleet.security.ApiTokens;
import dev.pgfleet.security.TenantPrincipal;
import java.util.Optional;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/** Creates tenants with their first user and token, and resolves tokens to principals. */
@Service
public class TenantService implements ApiTokens {
    static final String ADMIN_TENANT = "admin";

    private final TenantRepository tenants;
    private final TenantUserRepository users;
    private final ApiTokenRepository tokens;
    private final TenantProperties properties;

    TenantService(TenantRepository tenants, TenantUserRepository users, ApiTokenRepository tokens,
                  TenantProperties properties) {
        this.tenants = tenants;
        this.users = users;
        this.tokens = tokens;
        this.properties = properties;
    }

    /** A new tenant, its first user (named like the tenant) and that user's token, returned once in clear. */
    @Transactional
    public CreatedTenant createTenant(String name, boolean admin) {
        return createTenant(name, admin, Tokens.newToken());
    }

    /** As {@link #createTenant(String, boolean)}, with a token chosen by the operator (at least 32 characters). */
    @Transactional
    public CreatedTenant createTenant(String name, boolean admin, String token) {
        if (token.length() < 32) {
            throw new IllegalArgumentException("an API token must have at least 32 characters");
        }
        String problem = Names.problemWith(name);
        if (problem != null) {
            throw new InvalidInput("Invalid tenant name", "Tenant name " + problem + ".", "name");
        }
        if (tenants.findByName(name).isPresent()) {
            throw new Conflict("Tenant exists", "A tenant named '" + name + "' already exists.", "name");
        }
        // The first user is named like the tenant, and user names are unique across tenants (they sign in with it).
        if (users.findByName(name).isPresent()) {
            throw new Conflict("Name taken", "A user named '" + name + "' already exists; choose another"
                    + " tenant name.", "name");
        }
        Tenant tenant = tenants.save(new Tenant(name, admin, properties.databaseQuota()));
        TenantUser user = users.save(new TenantUser(tenant.getId(), name));
        tokens.save(new ApiToken(user.getId(), Tokens.hash(token)));
        return new CreatedTenant(tenant, token);
    }

    @Override
    @Transactional(readOnly = true)
    public Optional<TenantPrincipal> authenticate(String token) {
        return tokens.findByTokenHash(Tokens.hash(token))
                .flatMap(t -> users.findById(t.getUserId()))
                .flatMap(u -> tenants.findById(u.getTenantId())
                        .map(tenant -> new TenantPrincipal(tenant.getId(), tenant.getName(), u.getId(), tenant.isAdmin())));
    }

    @Transactional(readOnly = true)
    public boolean adminExists() {
        return tenants.existsByAdminTrue();
    }

    /** A tenant just made, with the only copy of its token in clear text. */
    public record CreatedTenant(Tenant tenant, String token) {
        @Override
        public String toString() {
            return "CreatedTenant[" + tenant.getName() + "]";
        }
    }
}
