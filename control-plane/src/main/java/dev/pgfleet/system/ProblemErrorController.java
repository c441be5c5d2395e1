package dev.pgfleet.system;

import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.util.List;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.web.servlet.error.DefaultErrorAttributes;
import org.springframework.boot.web.servlet.error.ErrorController;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.stereotype.Controller;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.servlet.ModelAndView;

/**
 * The servlet error page (/error), in place of Spring Boot's: whatever failed outside a controller (security's
 * refusals, a filter, the firewall) is answered as problem+json with the right 4xx, or as the dashboard's error
 * page for a browser (one that asks for text/html by name) outside /api. An exception caused by the request is
 * a 4xx here too ({@link ClientFaults}); only our own faults are a 500, logged with a reference.
 */
@Controller
class ProblemErrorController implements ErrorController {
    private static final Logger log = LoggerFactory.getLogger(ProblemErrorController.class);
    static final String VIEW = "error";

    private final ObjectMapper json;

    ProblemErrorController(ObjectMapper json) {
        this.json = json;
    }

    @RequestMapping("/error")
    ModelAndView error(HttpServletRequest request, HttpServletResponse response) throws IOException {
        Object code = request.getAttribute(RequestDispatcher.ERROR_STATUS_CODE);
        String path = (String) request.getAttribute(RequestDispatcher.ERROR_REQUEST_URI);
        ProblemDetail problem;
        if (!(code instanceof Integer status)) {
            // Asked for directly, not as the error page of another request.
            problem = ClientFaults.problemForStatus(404);
            path = request.getRequestURI();
        } else {
            Throwable thrown = thrown(request);
            problem = thrown == null ? null : ClientFaults.problemFor(thrown).orElse(null);
            if (problem == null && status >= 500) {
                String reference = UUID.randomUUID().toString().substring(0, 8);
                log.error("unexpected error (reference {}) on {}", reference, path, thrown);
                problem = ProblemDetail.forStatusAndDetail(HttpStatus.INTERNAL_SERVER_ERROR,
                        "Something went wrong on our side; the control plane's log has the details under reference " + reference + ".");
                problem.setTitle("Internal error");
            } else if (problem == null) {
                problem = ClientFaults.problemForStatus(status);
            }
        }
        if (path != null) {
            problem.setInstance(URI.create(path.replaceAll("[^A-Za-z0-9/._~%!$&'()*+,;=:@-]", "")));
        }
        if (wantsPage(request, path)) {
            response.setStatus(problem.getStatus());
            ModelAndView page = new ModelAndView(VIEW, HttpStatus.valueOf(problem.getStatus()));
            page.addObject("status", problem.getStatus());
            page.addObject("problemTitle", problem.getTitle());
            page.addObject("detail", problem.getDetail());
            return page;
        }
        RequestShapeFilter.write(response, json, problem);
        return null;
    }

    private static Throwable thrown(HttpServletRequest request) {
        Object e = request.getAttribute(RequestDispatcher.ERROR_EXCEPTION);
        if (e == null) {
            e = request.getAttribute(DefaultErrorAttributes.class.getName() + ".ERROR");
        }
        return e instanceof Throwable t ? t : null;
    }

    /** A browser outside the API: it names text/html in Accept (a bare wildcard, as curl sends, gets problem+json). */
    private static boolean wantsPage(HttpServletRequest request, String path) {
        if (path != null && (path.equals("/api") || path.startsWith("/api/"))) {
            return false;
        }
        try {
            List<MediaType> accepted = MediaType.parseMediaTypes(request.getHeader("Accept"));
            return accepted.stream().anyMatch(a -> a.getQualityValue() > 0 && "text".equals(a.getType()) && "html".equals(a.getSubtype()));
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}
