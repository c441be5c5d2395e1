package dev.pgfleet.api;

import dev.pgfleet.problem.DomainException;
import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The domain refusals ({@code dev.pgfleet.problem}) an API operation's services can throw, so that the OpenAPI document
 * lists each one's status as a problem+json response. Only what the request's shape cannot tell goes here: 401, 403 (for
 * {@code @PreAuthorize}), 404 (for a path id) and 400/413/415 (for a body or query parameters) are derived from the
 * handler method itself ({@link ProblemResponses}).
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface Refusals {
    Class<? extends DomainException>[] value();
}
