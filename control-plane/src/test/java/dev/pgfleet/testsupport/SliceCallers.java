package dev.pgfleet.testsupport;

import static org.mockito.Mockito.when;

import dev.pgfleet.security.DashboardUser;
import dev.pgfleet.security.TenantPrincipal;
import dev.pgfleet.tenant.TenantService;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.mockito.Mockito;
import org.springframework.context.ApplicationContext;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.test.web.servlet.request.SecurityMockMvcRequestPostProcessors;
import org.springframework.test.context.junit.jupiter.SpringExtension;
import org.springframework.test.web.servlet.request.RequestPostProcessor;

/**
 * The callers of an {@link ApiSliceTest}: three API tokens the (mocked) {@link TenantService} knows, stubbed again
 * before each test after every mock of the slice is reset, and a signed-in dashboard user.
 */
public final class SliceCallers implements BeforeEachCallback {
    public static final TenantPrincipal TENANT = new TenantPrincipal(UUID.fromString("00000000-0000-0000-0000-00000000000a"),
            "acme", null, false);
    public static final TenantPrincipal OTHER_TENANT = new TenantPrincipal(UUID.fromString("00000000-0000-0000-0000-00000000000b"),
            "globex", null, false);
    public static final TenantPrincipal ADMIN = new TenantPrincipal(UUID.fromString("00000000-0000-0000-0000-0000000000ad"),
            "admin", null, true);

    /** Resets every mock of the slice (the context is shared by all slice tests), then gives the tokens their tenants. */
    @Override
    public void beforeEach(ExtensionContext context) {
        ApplicationContext spring = SpringExtension.getApplicationContext(context);
        for (String name : spring.getBeanDefinitionNames()) {
            if (name.startsWith(ControllerDependencyMocks.BEAN_PREFIX)) {
                Mockito.reset(spring.getBean(name));
            }
        }
        TenantService tenants = spring.getBean(TenantService.class);
        when(tenants.authenticate("tenant-token")).thenReturn(Optional.of(TENANT));
        when(tenants.authenticate("other-token")).thenReturn(Optional.of(OTHER_TENANT));
        when(tenants.authenticate("admin-token")).thenReturn(Optional.of(ADMIN));
    }

    /** {@code Authorization: Bearer tenant-token}. */
    public static RequestPostProcessor tenantToken() {
        return bearer("tenant-token");
    }

    /** {@code Authorization: Bearer admin-token}. */
    public static RequestPostProcessor adminToken() {
        return bearer("admin-token");
    }

    public static RequestPostProcessor bearer(String token) {
        return request -> {
            request.addHeader("Authorization", "Bearer " + token);
            return request;
        };
    }

    /** A dashboard session of the user {@code name} of {@code principal}'s tenant (an admin when the tenant is the admin's). */
    public static RequestPostProcessor signedIn(String name, TenantPrincipal principal) {
        DashboardUser user = new DashboardUser(name, "{noop}never-checked-in-a-slice", principal);
        return SecurityMockMvcRequestPostProcessors.authentication(
                new UsernamePasswordAuthenticationToken(user, null, user.getAuthorities()));
    }
}
