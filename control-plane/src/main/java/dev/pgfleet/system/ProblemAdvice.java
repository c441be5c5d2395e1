package dev.pgfleet.system;

import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.core.JsonProcessingException;
import java.util.stream.Collectors;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.security.access.AccessDeniedException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;

/**
 * Every error of the API as RFC 9457 problem+json, with a detail that says what to change. The dashboard's
 * pages have an advice of their own, ordered before this one, that renders errors as HTML.
 */
@RestControllerAdvice
public class ProblemAdvice extends ResponseEntityExceptionHandler {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(ProblemAdvice.class);

    /** The one mapping from a domain refusal to its HTTP status (dev.pgfleet.problem). */
    @ExceptionHandler(dev.pgfleet.problem.DomainException.class)
    ResponseEntity<ProblemDetail> domainException(dev.pgfleet.problem.DomainException e) {
        HttpStatus status = statusOf(e);
        ProblemDetail p = ProblemDetail.forStatusAndDetail(status, e.getMessage());
        p.setTitle(e.title());
        if (e.field() != null) {
            p.setProperty("field", e.field());
        }
        ResponseEntity.BodyBuilder response = ResponseEntity.status(status);
        if (e instanceof dev.pgfleet.problem.TooManyRequests t) {
            response.header(HttpHeaders.RETRY_AFTER, Long.toString(Math.max(1, t.retryAfter().toSeconds())));
        }
        return response.body(p);
    }

    /** Which HTTP status each domain refusal is; public so that the dashboard's advice answers with the same one. */
    public static HttpStatus statusOf(dev.pgfleet.problem.DomainException e) {
        if (e instanceof dev.pgfleet.problem.InvalidInput) {
            return HttpStatus.BAD_REQUEST;
        } else if (e instanceof dev.pgfleet.problem.Forbidden) {
            return HttpStatus.FORBIDDEN;
        } else if (e instanceof dev.pgfleet.problem.NotFound) {
            return HttpStatus.NOT_FOUND;
        } else if (e instanceof dev.pgfleet.problem.Conflict) {
            return HttpStatus.CONFLICT;
        } else if (e instanceof dev.pgfleet.problem.Unprocessable) {
            return HttpStatus.UNPROCESSABLE_ENTITY;
        } else if (e instanceof dev.pgfleet.problem.TooManyRequests) {
            return HttpStatus.TOO_MANY_REQUESTS;
        } else if (e instanceof dev.pgfleet.problem.UpstreamFailed) {
            return HttpStatus.BAD_GATEWAY;
        }
        return HttpStatus.SERVICE_UNAVAILABLE; // Unavailable, the last permitted subclass
    }

    @ExceptionHandler(AccessDeniedException.class)
    ProblemDetail accessDenied(AccessDeniedException e) {
        ProblemDetail p = ProblemDetail.forStatusAndDetail(HttpStatus.FORBIDDEN, "This operation needs the admin tenant's token.");
        p.setTitle("Forbidden");
        return p;
    }

    @ExceptionHandler(org.springframework.dao.DataIntegrityViolationException.class)
    ProblemDetail conflict(org.springframework.dao.DataIntegrityViolationException e) {
        // Reached only by a race the explicit checks could not see, e.g. two creations of one name at once.
        ProblemDetail p = ProblemDetail.forStatusAndDetail(HttpStatus.CONFLICT,
                "The request conflicts with a change made at the same moment (a name already taken?); nothing was created.");
        p.setTitle("Conflict");
        return p;
    }

    /** Two requests waited on each other's row locks and PostgreSQL ended one (deadlock, lock timeout): nothing changed. */
    @ExceptionHandler(org.springframework.dao.PessimisticLockingFailureException.class)
    ProblemDetail lockConflict(org.springframework.dao.PessimisticLockingFailureException e) {
        ProblemDetail p = ProblemDetail.forStatusAndDetail(HttpStatus.CONFLICT,
                "Another request on the same database or tenant was being handled at the same moment; nothing was changed by"
                        + " this one. Try again.");
        p.setTitle("Concurrent change");
        return p;
    }

    @ExceptionHandler(org.springframework.orm.ObjectOptimisticLockingFailureException.class)
    ProblemDetail concurrentChange(org.springframework.orm.ObjectOptimisticLockingFailureException e) {
        ProblemDetail p = ProblemDetail.forStatusAndDetail(HttpStatus.CONFLICT,
                "The database changed while this request was being handled; nothing was changed by it. Try again.");
        p.setTitle("Concurrent change");
        return p;
    }

    /**
     * Anything else: first, is it a request the client got wrong ({@link ClientFaults}: a multipart body, a
     * parameter of the wrong type...)? That is its 4xx. Only what remains is a 500 that says where to look, still
     * as problem+json, with no internals leaked.
     */
    @ExceptionHandler(Exception.class)
    ProblemDetail unexpected(Exception e, jakarta.servlet.http.HttpServletResponse response) {
        var clientFault = ClientFaults.problemFor(e);
        if (clientFault.isPresent()) {
            response.setStatus(clientFault.get().getStatus());
            return clientFault.get();
        }
        String reference = java.util.UUID.randomUUID().toString().substring(0, 8);
        log.error("unexpected error (reference {})", reference, e);
        ProblemDetail p = ProblemDetail.forStatusAndDetail(HttpStatus.INTERNAL_SERVER_ERROR,
                "Something went wrong on our side; the control plane's log has the details under reference " + reference + ".");
        p.setTitle("Internal error");
        return p;
    }

    /** A path id that is not a UUID names nothing (404); a query parameter of the wrong type is a bad request (400). */
    @ExceptionHandler(MethodArgumentTypeMismatchException.class)
    ProblemDetail typeMismatch(MethodArgumentTypeMismatchException e, jakarta.servlet.http.HttpServletResponse response) {
        ProblemDetail p = ClientFaults.problemFor(e).orElseThrow();
        response.setStatus(p.getStatus());
        return p;
    }

    @Override
    protected ResponseEntity<Object> handleHttpMessageNotReadable(HttpMessageNotReadableException ex, HttpHeaders headers,
                                                                  HttpStatusCode status, WebRequest request) {
        if (ex.getCause() instanceof RequestBodyTooLarge tooLarge) {
            ProblemDetail p = ClientFaults.problemFor(tooLarge).orElseThrow();
            return handleExceptionInternal(ex, p, headers, HttpStatus.PAYLOAD_TOO_LARGE, request);
        }
        ProblemDetail p = ProblemDetail.forStatusAndDetail(HttpStatus.BAD_REQUEST, describe(ex.getCause()));
        p.setTitle("Invalid request body");
        return handleExceptionInternal(ex, p, headers, HttpStatus.BAD_REQUEST, request);
    }

    private static String describe(Throwable cause) {
        if (cause instanceof UnrecognizedPropertyException u) {
            String known = u.getKnownPropertyIds().stream().map(Object::toString).sorted().collect(Collectors.joining(", "));
            return "Unknown field '" + u.getPropertyName() + "'. Allowed fields: " + known + ".";
        }
        if (cause instanceof InvalidFormatException f) {
            return "Field '" + path(f) + "' has the wrong type: '" + f.getValue() + "' is not a " + f.getTargetType().getSimpleName() + ".";
        }
        if (cause instanceof MismatchedInputException m && !m.getPath().isEmpty()) {
            return "Field '" + path(m) + "' has the wrong type.";
        }
        if (cause instanceof JsonProcessingException j) {
            return "The body is not valid JSON: " + j.getOriginalMessage() + ".";
        }
        return "A JSON object is required as the request body.";
    }

    private static String path(MismatchedInputException e) {
        return e.getPath().stream().map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
                .collect(Collectors.joining("."));
    }
}
