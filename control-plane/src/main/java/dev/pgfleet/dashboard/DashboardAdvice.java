package dev.pgfleet.dashboard;

import dev.pgfleet.problem.DomainException;
import dev.pgfleet.security.DashboardUser;
import dev.pgfleet.system.ProblemAdvice;
import dev.pgfleet.system.ClientFaults;
import jakarta.servlet.http.HttpServletResponse;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.security.core.Authentication;
import org.springframework.web.bind.annotation.ControllerAdvice;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.ModelAttribute;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;
import org.springframework.web.servlet.ModelAndView;

/**
 * For every dashboard page: who is signed in (the layout's navigation), and errors as a page with the same
 * status the API would answer — another tenant's database is a 404 here exactly as it is there.
 */
@ControllerAdvice(assignableTypes = DashboardPage.class)
@Order(Ordered.HIGHEST_PRECEDENCE)
class DashboardAdvice {
    private static final Logger log = LoggerFactory.getLogger(DashboardAdvice.class);

    /** The signed-in person, for the layout. */
    record Me(String user, String tenant, boolean admin) {
    }

    @ModelAttribute("me")
    Me me(Authentication authentication) {
        if (authentication != null && authentication.getPrincipal() instanceof DashboardUser u) {
            return new Me(u.getUsername(), u.principal().tenantName(), u.principal().admin());
        }
        return null;
    }

    /** No errors until a controller says otherwise, so that templates can always ask {@code errors.of(field)}. */
    @ModelAttribute(FormErrors.MODEL_ATTRIBUTE)
    FormErrors noErrors() {
        return new FormErrors();
    }

    @ExceptionHandler(DomainException.class)
    ModelAndView refused(DomainException e, HttpServletResponse response) {
        return errorPage(response, ProblemAdvice.statusOf(e), e.title(), e.getMessage());
    }

    @ExceptionHandler(MethodArgumentTypeMismatchException.class)
    ModelAndView notAnId(MethodArgumentTypeMismatchException e, HttpServletResponse response) {
        ProblemDetail p = ClientFaults.problemFor(e).orElseThrow(); // a path id: 404; a query parameter: 400
        return errorPage(response, HttpStatus.valueOf(p.getStatus()), p.getTitle(), p.getDetail());
    }

    /** A request the client got wrong (a form field of the wrong kind, a missing parameter...) is its 4xx; anything else is ours. */
    @ExceptionHandler(Exception.class)
    ModelAndView unexpected(Exception e, HttpServletResponse response) {
        var clientFault = ClientFaults.problemFor(e);
        if (clientFault.isPresent()) {
            ProblemDetail p = clientFault.get();
            return errorPage(response, HttpStatus.valueOf(p.getStatus()), p.getTitle(), p.getDetail());
        }
        String reference = UUID.randomUUID().toString().substring(0, 8);
        log.error("unexpected error on a dashboard page (reference {})", reference, e);
        return errorPage(response, HttpStatus.INTERNAL_SERVER_ERROR, "Something went wrong",
                "Something went wrong on our side; the control plane's log has the details under reference " + reference + ".");
    }

    private static ModelAndView errorPage(HttpServletResponse response, HttpStatus status, String title, String detail) {
        response.setStatus(status.value());
        ModelAndView page = new ModelAndView(Views.ERROR);
        page.setStatus(status);
        page.addObject("status", status.value());
        page.addObject("problemTitle", title);
        page.addObject("detail", detail);
        return page;
    }
}
