package dev.pgfleet.tenant;

import dev.pgfleet.dashboard.DashboardPage;
import dev.pgfleet.dashboard.FormErrors;
import dev.pgfleet.problem.DomainException;
import dev.pgfleet.security.CurrentTenant;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.util.UUID;
import org.springframework.http.CacheControl;
import org.springframework.http.HttpStatus;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.servlet.mvc.support.RedirectAttributes;

/** The signed-in user's own account: API tokens for their tenant (a new one shown once), and their password (a change signs out their other sessions). */
@Controller
class AccountPages implements DashboardPage {
    static final String VIEW = "account/index";

    private final AccountService accounts;
    private final OtherSessions otherSessions;

    AccountPages(AccountService accounts, OtherSessions otherSessions) {
        this.accounts = accounts;
        this.otherSessions = otherSessions;
    }

    @GetMapping("/account")
    String account(Model model) {
        return show(model);
    }

    @PostMapping("/account/tokens")
    String createToken(@RequestParam(defaultValue = "") String label, Model model, HttpServletResponse response) {
        try {
            model.addAttribute("createdToken", accounts.createToken(CurrentTenant.get(), label));
            response.setHeader("Cache-Control", CacheControl.noStore().getHeaderValue());
        } catch (DomainException e) {
            FormErrors errors = new FormErrors();
            errors.reject(e, "label");
            model.addAttribute(FormErrors.MODEL_ATTRIBUTE, errors);
            model.addAttribute("label", label);
            response.setStatus(HttpStatus.UNPROCESSABLE_ENTITY.value());
        }
        return show(model);
    }

    @PostMapping("/account/tokens/{tokenId}/revoke")
    String revoke(@PathVariable UUID tokenId, RedirectAttributes flash) {
        accounts.revokeToken(CurrentTenant.get(), tokenId);
        flash.addFlashAttribute("notice", "Token revoked: requests with it now answer 401.");
        return "redirect:/account";
    }

    @PostMapping("/account/password")
    String changePassword(@RequestParam(defaultValue = "") String current, @RequestParam(defaultValue = "") String next,
                          @RequestParam(defaultValue = "") String confirmation, Model model, RedirectAttributes flash,
                          HttpServletRequest request, HttpServletResponse response) {
        try {
            accounts.changePassword(CurrentTenant.get(), current, next, confirmation);
            int ended = otherSessions.endAllBut(SecurityContextHolder.getContext().getAuthentication(), request.getSession().getId());
            flash.addFlashAttribute("notice", ended == 0 ? "Password changed."
                    : "Password changed; your " + ended + (ended == 1 ? " other session was" : " other sessions were") + " signed out.");
            return "redirect:/account";
        } catch (DomainException e) {
            FormErrors errors = new FormErrors();
            errors.reject(e, "current", "next", "confirmation");
            model.addAttribute(FormErrors.MODEL_ATTRIBUTE, errors);
            response.setStatus(HttpStatus.UNPROCESSABLE_ENTITY.value());
            return show(model);
        }
    }

    private String show(Model model) {
        model.addAttribute("tokens", accounts.tokens(CurrentTenant.get()));
        return VIEW;
    }
}
