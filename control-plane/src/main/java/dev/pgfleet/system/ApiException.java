package dev.pgfleet.system;

import org.springframework.http.HttpStatus;

/** A request we refuse, with a title and a sentence a person understands; rendered as problem+json. */
public class ApiException extends RuntimeException {
    private final HttpStatus status;
    private final String title;
    private final String field;

    public ApiException(HttpStatus status, String title, String detail) {
        this(status, title, detail, null);
    }

    /** A refusal caused by one field of the request: the API names it, the dashboard shows the message beside it. */
    public ApiException(HttpStatus status, String title, String detail, String field) {
        super(detail);
        this.status = status;
        this.title = title;
        this.field = field;
    }

    /** The request field at fault, or null when the refusal is about the request as a whole. */
    public String field() {
        return field;
    }

    public HttpStatus status() {
        return status;
    }

    public String title() {
        return title;
    }

    public static ApiException notFound(String what) {
        return new ApiException(HttpStatus.NOT_FOUND, "Not found", what + " does not exist.");
    }
}
