package dev.pgfleet.problem;

/**
 * A request the domain refuses, in words a person understands: a short title, a sentence that says what to change, and
 * (optionally) the request field at fault. Domain services throw its subclasses and know nothing of HTTP; one advice
 * ({@code system.ProblemAdvice}) maps each subclass to its status and renders problem+json, and the dashboard's
 * advice shows the detail beside the field.
 */
public abstract sealed class DomainException extends RuntimeException
        permits InvalidInput, NotFound, Conflict, Unprocessable, TooManyRequests, Forbidden, Unavailable, UpstreamFailed {
    private final String title;
    private final String field;

    protected DomainException(String title, String detail, String field) {
        super(detail);
        this.title = title;
        this.field = field;
    }

    public String title() {
        return title;
    }

    /** The request field at fault, or null when the refusal is about the request as a whole. */
    public String field() {
        return field;
    }
}
