package dev.pgfleet.system;

import dev.pgfleet.problem.DomainException;
import jakarta.servlet.ServletException;
import java.util.Optional;
import java.util.stream.Collectors;
import org.springframework.beans.TypeMismatchException;
import org.springframework.core.convert.ConversionException;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ProblemDetail;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.security.web.firewall.RequestRejectedException;
import org.springframework.util.InvalidMimeTypeException;
import org.springframework.validation.BindException;
import org.springframework.web.ErrorResponse;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;
import org.springframework.web.multipart.MultipartException;

/**
 * Tells a request the client got wrong from a fault of ours, for every place an exception can surface (the API's
 * advice, the dashboard's advice, the servlet error page): a malformed request is a 4xx problem that says what
 * to change, never a 500. Pure: no I/O, no Spring beans.
 */
public final class ClientFaults {
    private ClientFaults() {
    }

    /**
     * The 4xx problem for an exception caused by the request, or empty when the exception is our fault. Causes are
     * followed only through the servlet container's wrapping: a parse error deep inside our own call to another
     * service (Patroni's answer, say) is our fault, not the client's.
     */
    public static Optional<ProblemDetail> problemFor(Throwable thrown) {
        for (Throwable t = thrown; t != null; t = t instanceof ServletException && t.getCause() != t ? t.getCause() : null) {
            Optional<ProblemDetail> p = direct(t);
            if (p.isPresent()) {
                return p;
            }
        }
        return Optional.empty();
    }

    private static Optional<ProblemDetail> direct(Throwable t) {
        if (t instanceof DomainException e && ProblemAdvice.statusOf(e).is4xxClientError()) {
            return Optional.of(problem(ProblemAdvice.statusOf(e), e.title(), e.getMessage()));
        }
        if (t instanceof RequestBodyTooLarge || t instanceof HttpMessageNotReadableException && t.getCause() instanceof RequestBodyTooLarge) {
            String detail = t instanceof RequestBodyTooLarge ? t.getMessage() : t.getCause().getMessage();
            return Optional.of(problem(HttpStatus.PAYLOAD_TOO_LARGE, "Request body too large", detail));
        }
        if (t instanceof MultipartException) {
            return Optional.of(problem(HttpStatus.UNSUPPORTED_MEDIA_TYPE, "Unsupported media type", RequestShapeFilter.NO_MULTIPART));
        }
        if (t instanceof MethodArgumentTypeMismatchException m && m.getParameter().hasParameterAnnotation(
                org.springframework.web.bind.annotation.PathVariable.class)) {
            // A path id that is not a UUID names nothing that exists.
            return Optional.of(problem(HttpStatus.NOT_FOUND, "Not found", "'" + m.getValue() + "' is not the id of anything here."));
        }
        if (t instanceof TypeMismatchException m) {
            String name = m.getPropertyName() != null ? m.getPropertyName() : "a parameter";
            String type = m.getRequiredType() != null ? m.getRequiredType().getSimpleName() : "value of the expected type";
            return Optional.of(problem(HttpStatus.BAD_REQUEST, "Invalid parameter", "'" + name + "' must be a " + type + "."));
        }
        if (t instanceof BindException b) {
            String fields = b.getFieldErrors().stream().map(f -> "'" + f.getField() + "'").distinct().sorted()
                    .collect(Collectors.joining(", "));
            return Optional.of(problem(HttpStatus.BAD_REQUEST, "Invalid form", fields.isEmpty() ? "The form's fields are not valid."
                    : "These fields have a value of the wrong kind: " + fields + "."));
        }
        if (t instanceof HttpMessageNotReadableException) {
            return Optional.of(problem(HttpStatus.BAD_REQUEST, "Invalid request body", "The request body could not be read."));
        }
        if (t instanceof ConversionException) {
            return Optional.of(problem(HttpStatus.BAD_REQUEST, "Invalid parameter", "A parameter has a value of the wrong kind."));
        }
        if (t instanceof InvalidMimeTypeException) {
            return Optional.of(problem(HttpStatus.BAD_REQUEST, "Invalid header", "A media type header (Content-Type or Accept) cannot be parsed."));
        }
        if (t instanceof RequestRejectedException) {
            return Optional.of(problem(HttpStatus.BAD_REQUEST, "Bad request", "The request's URL or headers are not acceptable here."));
        }
        if (t instanceof ErrorResponse e && e.getStatusCode().is4xxClientError()) {
            // Spring's own request errors (405, 406, 415, missing parameters, ...) carry their status and a detail.
            ProblemDetail body = e.getBody();
            return Optional.of(problem(e.getStatusCode(), body.getTitle() != null ? body.getTitle() : reason(e.getStatusCode()),
                    body.getDetail() != null ? body.getDetail() : reason(e.getStatusCode()) + "."));
        }
        return Optional.empty();
    }

    /** The problem for a status the servlet container or security set without an exception (e.g. a 403 for a missing CSRF token). */
    public static ProblemDetail problemForStatus(int status) {
        HttpStatus s = HttpStatus.resolve(status);
        String detail = switch (status) {
            case 400 -> "The request is malformed.";
            case 401 -> "Sign in, or send a valid API token as 'Authorization: Bearer <token>'.";
            case 403 -> "This request is not allowed: a form needs its CSRF token, admin pages need the admin.";
            case 404 -> "Nothing is here.";
            case 405 -> "This method is not allowed here.";
            case 413 -> "The request body is too large.";
            case 415 -> "This content type is not accepted here.";
            default -> s != null ? s.getReasonPhrase() + "." : "The request was refused.";
        };
        return problem(HttpStatusCode.valueOf(status), s != null ? s.getReasonPhrase() : "Error", detail);
    }

    private static ProblemDetail problem(HttpStatusCode status, String title, String detail) {
        ProblemDetail p = ProblemDetail.forStatusAndDetail(status, detail);
        p.setTitle(title);
        return p;
    }

    private static String reason(HttpStatusCode status) {
        HttpStatus s = HttpStatus.resolve(status.value());
        return s != null ? s.getReasonPhrase() : "Error";
    }
}
