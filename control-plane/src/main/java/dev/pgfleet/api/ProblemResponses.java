package dev.pgfleet.api;

import dev.pgfleet.problem.Conflict;
import dev.pgfleet.problem.DomainException;
import dev.pgfleet.problem.Forbidden;
import dev.pgfleet.problem.InvalidInput;
import dev.pgfleet.problem.NotFound;
import dev.pgfleet.problem.TooManyRequests;
import dev.pgfleet.problem.Unavailable;
import dev.pgfleet.problem.UpstreamFailed;
import dev.pgfleet.problem.Unprocessable;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeSet;
import org.springframework.core.MethodParameter;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.http.HttpStatus;
import org.springframework.security.access.prepost.PreAuthorize;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.method.HandlerMethod;

/**
 * Which problem+json statuses an API operation can answer, derived from its handler method (pure):
 * <ul>
 *   <li>401 always: the API's filter chain asks every /api/** request for a token, and the document describes /api/** only;</li>
 *   <li>403 for {@code @PreAuthorize} (the admin-only operations);</li>
 *   <li>404 for a path variable: an id that is not the caller's, or not a UUID, names nothing;</li>
 *   <li>400, 413 and 415 for a body (not JSON, wrong shape or field; larger than {@code pgfleet.max-request-body}; another media
 *       type, as {@code system.RequestShapeFilter} and Spring MVC refuse it), 400 for query parameters;</li>
 *   <li>each domain refusal the operation declares with {@link Refusals}.</li>
 * </ul>
 * Refusals that any request can meet through a malformed header (an unparseable Content-Type or Accept: 400, an Accept that
 * admits no representation: 406) are described once, in the document's description, not on every operation.
 */
final class ProblemResponses {
    /**
     * Each domain refusal's status, as {@code system.ProblemAdvice.statusOf} answers it (ProblemResponsesTest holds the
     * two together for every permitted subclass of {@link DomainException}).
     */
    static final Map<Class<? extends DomainException>, HttpStatus> DOMAIN_STATUSES = Map.of(
            InvalidInput.class, HttpStatus.BAD_REQUEST,
            Forbidden.class, HttpStatus.FORBIDDEN,
            NotFound.class, HttpStatus.NOT_FOUND,
            Conflict.class, HttpStatus.CONFLICT,
            Unprocessable.class, HttpStatus.UNPROCESSABLE_ENTITY,
            TooManyRequests.class, HttpStatus.TOO_MANY_REQUESTS,
            UpstreamFailed.class, HttpStatus.BAD_GATEWAY,
            Unavailable.class, HttpStatus.SERVICE_UNAVAILABLE);

    private ProblemResponses() {
    }

    static SortedSet<HttpStatus> of(HandlerMethod handler) {
        SortedSet<HttpStatus> statuses = new TreeSet<>();
        statuses.add(HttpStatus.UNAUTHORIZED);
        for (MethodParameter p : handler.getMethodParameters()) {
            if (p.hasParameterAnnotation(PathVariable.class)) {
                statuses.add(HttpStatus.NOT_FOUND);
            }
            if (p.hasParameterAnnotation(RequestBody.class)) {
                statuses.add(HttpStatus.BAD_REQUEST);
                statuses.add(HttpStatus.PAYLOAD_TOO_LARGE);
                statuses.add(HttpStatus.UNSUPPORTED_MEDIA_TYPE);
            }
            if (p.hasParameterAnnotation(RequestParam.class)) {
                statuses.add(HttpStatus.BAD_REQUEST);
            }
        }
        if (handler.hasMethodAnnotation(PreAuthorize.class) || AnnotatedElementUtils.hasAnnotation(handler.getBeanType(), PreAuthorize.class)) {
            statuses.add(HttpStatus.FORBIDDEN);
        }
        Refusals refusals = handler.getMethodAnnotation(Refusals.class);
        if (refusals != null) {
            for (Class<? extends DomainException> refusal : refusals.value()) {
                statuses.add(statusOf(refusal));
            }
        }
        return statuses;
    }

    static HttpStatus statusOf(Class<? extends DomainException> refusal) {
        HttpStatus status = DOMAIN_STATUSES.get(refusal);
        if (status == null) {
            throw new IllegalArgumentException(refusal.getName() + " has no status here; add it to ProblemResponses.DOMAIN_STATUSES");
        }
        return status;
    }
}
