package dev.pgfleet.tenant;

import dev.pgfleet.blueprint.Names;
import dev.pgfleet.problem.Conflict;
import dev.pgfleet.problem.Forbidden;
import dev.pgfleet.problem.InvalidInput;
import dev.pgfleet.problem.NotFound;
import dev.pgfleet.security.TenantPrincipal;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * Dashboard accounts: users and their passwords, a user's own API tokens, and the admin's view of tenants.
 * Generated passwords and tokens are returned once, in clear, and stored only as hashes.
 */
@Service
public class AccountService {
    static final int MIN_PASSWORD_LENGTH = 12;
    static final int MAX_PASSWORD_LENGTH = 128;
    static final int MAX_LABEL_LENGTH = 63;

    private final TenantRepository tenants;
    private final TenantUserRepository users;
    private final ApiTokenRepository tokens;
    private final PasswordEncoder encoder;

    AccountService(TenantRepository tenants, TenantUserRepository users, ApiTokenRepository tokens, PasswordEncoder encoder) {
        this.tenants = tenants;
        this.users = users;
        this.tokens = tokens;
        this.encoder = encoder;
    }

    public record TenantSummary(UUID id, String name, boolean admin, int databaseQuota, Instant createdAt, long users) {
    }

    public record UserSummary(UUID id, String name, Instant createdAt, boolean canSignIn) {
    }

    public record TokenSummary(UUID id, String label, Instant createdAt) {
    }

    /** A user just made (or whose password was just reset), with the only copy of the password in clear. */
    public record UserWithPassword(UserSummary user, String password) {
        @Override
        public String toString() {
            return "UserWithPassword[" + user.name() + ", redacted]";
        }
    }

    public record CreatedToken(TokenSummary token, String value) {
        @Override
        public String toString() {
            return "CreatedToken[" + token.id() + ", redacted]";
        }
    }

    @Transactional(readOnly = true)
    public List<TenantSummary> tenants(TenantPrincipal caller) {
        requireAdmin(caller);
        return tenants.findAll(org.springframework.data.domain.Sort.by("createdAt")).stream().map(this::summary).toList();
    }

    @Transactional(readOnly = true)
    public TenantSummary tenant(TenantPrincipal caller, UUID tenantId) {
        requireAdmin(caller);
        return tenants.findById(tenantId).map(this::summary).orElseThrow(() -> new NotFound("Tenant " + tenantId));
    }

    @Transactional(readOnly = true)
    public List<UserSummary> users(TenantPrincipal caller, UUID tenantId) {
        requireAdmin(caller);
        return users.findByTenantIdOrderByCreatedAt(tenant(caller, tenantId).id()).stream().map(AccountService::summary).toList();
    }

    /** The admin adds a user to a tenant; the user gets a generated password to sign in with and change. */
    @Transactional
    public UserWithPassword createUser(TenantPrincipal caller, UUID tenantId, String name) {
        requireAdmin(caller);
        UUID tenant = tenant(caller, tenantId).id();
        String problem = Names.problemWith(name);
        if (problem != null) {
            throw new InvalidInput("Invalid user name", "User name " + problem + ".", "name");
        }
        if (users.findByName(name).isPresent()) {
            throw new Conflict("Name taken", "A user named '" + name + "' already exists.", "name");
        }
        TenantUser user = users.saveAndFlush(new TenantUser(tenant, name));
        return withNewPassword(user);
    }

    /** A new generated password for a tenant's first user (used when the admin creates a tenant from the dashboard). */
    @Transactional
    public UserWithPassword enableFirstUser(TenantPrincipal caller, UUID tenantId) {
        requireAdmin(caller);
        TenantUser user = users.findFirstByTenantIdOrderByCreatedAt(tenantId).orElseThrow(() -> new NotFound("User"));
        return withNewPassword(user);
    }

    @Transactional
    public void changePassword(TenantPrincipal caller, String current, String next, String confirmation) {
        TenantUser user = users.findById(caller.userId()).orElseThrow(() -> new NotFound("User"));
        if (current == null || user.getPasswordHash() == null || !encoder.matches(current, user.getPasswordHash())) {
            throw new InvalidInput("Wrong password", "The current password is not right.", "current");
        }
        if (next == null || next.length() < MIN_PASSWORD_LENGTH || next.length() > MAX_PASSWORD_LENGTH) {
            throw new InvalidInput("Weak password", "A password needs " + MIN_PASSWORD_LENGTH + " to "
                    + MAX_PASSWORD_LENGTH + " characters.", "next");
        }
        if (!next.equals(confirmation)) {
            throw new InvalidInput("Passwords differ", "The two new passwords are not the same.", "confirmation");
        }
        user.setPasswordHash(encoder.encode(next));
        users.save(user);
    }

    @Transactional(readOnly = true)
    public List<TokenSummary> tokens(TenantPrincipal caller) {
        return tokens.findByUserIdOrderByCreatedAt(caller.userId()).stream().map(AccountService::summary).toList();
    }

    @Transactional
    public CreatedToken createToken(TenantPrincipal caller, String label) {
        String trimmed = label == null ? "" : label.strip();
        if (trimmed.isEmpty() || trimmed.length() > MAX_LABEL_LENGTH || trimmed.chars().anyMatch(Character::isISOControl)) {
            throw new InvalidInput("Invalid label", "Give the token a label of 1 to " + MAX_LABEL_LENGTH
                    + " characters, such as 'ci' or 'laptop'.", "label");
        }
        String value = Tokens.newToken();
        ApiToken token = tokens.save(new ApiToken(caller.userId(), Tokens.hash(value), trimmed));
        return new CreatedToken(summary(token), value);
    }

    @Transactional
    public void revokeToken(TenantPrincipal caller, UUID tokenId) {
        ApiToken token = tokens.findByIdAndUserId(tokenId, caller.userId()).orElseThrow(() -> new NotFound("Token " + tokenId));
        tokens.delete(token);
    }

    /** For the first start: gives the admin user its dashboard password, unless it has one. Returns whether it set it. */
    @Transactional
    boolean setAdminPasswordIfUnset(String password) {
        TenantUser admin = tenants.findByName(TenantService.ADMIN_TENANT)
                .flatMap(t -> users.findFirstByTenantIdOrderByCreatedAt(t.getId()))
                .orElseThrow(() -> new IllegalStateException("the admin tenant has no user"));
        if (admin.getPasswordHash() != null) {
            return false;
        }
        admin.setPasswordHash(encoder.encode(password));
        users.save(admin);
        return true;
    }

    private UserWithPassword withNewPassword(TenantUser user) {
        String password = Tokens.newPassword();
        user.setPasswordHash(encoder.encode(password));
        users.save(user);
        return new UserWithPassword(summary(user), password);
    }

    private TenantSummary summary(Tenant t) {
        return new TenantSummary(t.getId(), t.getName(), t.isAdmin(), t.getDatabaseQuota(), t.getCreatedAt(), users.countByTenantId(t.getId()));
    }

    private static UserSummary summary(TenantUser u) {
        return new UserSummary(u.getId(), u.getName(), u.getCreatedAt(), u.getPasswordHash() != null);
    }

    private static TokenSummary summary(ApiToken t) {
        return new TokenSummary(t.getId(), t.getLabel(), t.getCreatedAt());
    }

    private static void requireAdmin(TenantPrincipal caller) {
        if (!caller.admin()) {
            throw new Forbidden("Forbidden", "Only the admin tenant manages tenants and users.");
        }
    }
}
