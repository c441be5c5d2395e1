package dev.pgfleet.tenant;

import dev.pgfleet.dashboard.DashboardPage;
import dev.pgfleet.dashboard.FormErrors;
import dev.pgfleet.problem.DomainException;
import dev.pgfleet.problem.NotFound;
import dev.pgfleet.security.CurrentTenant;
import jakarta.servlet.http.HttpServletResponse;
import java.util.UUID;
import org.springframework.http.CacheControl;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;

/**
 * The admin's pages (only for the admin tenant; /admin/** needs ROLE_ADMIN): tenants, and the users of each.
 * A new tenant's API token and its first user's password, like a new user's password, are shown on the page
 * that answers the form — once, never stored in clear, never cached.
 */
@Controller
class AdminPages implements DashboardPage {
    static final String TENANTS = "admin/tenants";
    static final String TENANT = "admin/tenant";

    private final TenantService tenants;
    private final AccountService accounts;

    AdminPages(TenantService tenants, AccountService accounts) {
        this.tenants = tenants;
        this.accounts = accounts;
    }

    @GetMapping("/admin/tenants")
    String list(Model model) {
        return showTenants(model);
    }

    @PostMapping("/admin/tenants")
    String create(@RequestParam(defaultValue = "") String name, Model model, HttpServletResponse response) {
        try {
            TenantService.CreatedTenant created = tenants.createTenant(name.strip(), false);
            AccountService.UserWithPassword firstUser = accounts.enableFirstUser(CurrentTenant.get(), created.tenant().getId());
            model.addAttribute("createdTenant", created.tenant().getName());
            model.addAttribute("createdToken", created.token());
            model.addAttribute("createdUser", firstUser);
            response.setHeader("Cache-Control", CacheControl.noStore().getHeaderValue());
        } catch (DomainException e) {
            FormErrors errors = new FormErrors();
            errors.reject(e, "name");
            model.addAttribute(FormErrors.MODEL_ATTRIBUTE, errors);
            model.addAttribute("name", name);
            response.setStatus(HttpStatus.UNPROCESSABLE_ENTITY.value());
        }
        return showTenants(model);
    }

    @GetMapping("/admin/tenants/{tenantId}")
    String tenant(@PathVariable UUID tenantId, Model model) {
        return showTenant(tenantId, model);
    }

    @PostMapping("/admin/tenants/{tenantId}/users")
    String createUser(@PathVariable UUID tenantId, @RequestParam(defaultValue = "") String name, Model model,
                      HttpServletResponse response) {
        try {
            model.addAttribute("createdUser", accounts.createUser(CurrentTenant.get(), tenantId, name.strip()));
            response.setHeader("Cache-Control", CacheControl.noStore().getHeaderValue());
        } catch (DomainException e) {
            if (e instanceof NotFound) {
                throw e;
            }
            FormErrors errors = new FormErrors();
            errors.reject(e, "name");
            model.addAttribute(FormErrors.MODEL_ATTRIBUTE, errors);
            model.addAttribute("name", name);
            response.setStatus(HttpStatus.UNPROCESSABLE_ENTITY.value());
        }
        return showTenant(tenantId, model);
    }

    private String showTenants(Model model) {
        model.addAttribute("tenants", accounts.tenants(CurrentTenant.get()));
        return TENANTS;
    }

    private String showTenant(UUID tenantId, Model model) {
        model.addAttribute("tenant", accounts.tenant(CurrentTenant.get(), tenantId));
        model.addAttribute("users", accounts.users(CurrentTenant.get(), tenantId));
        return TENANT;
    }
}
