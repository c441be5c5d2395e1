package dev.pgfleet.problem;

/** The request is well formed but conflicts with the current state, e.g. an operation already running (HTTP 409). */
public final class Conflict extends DomainException {
    public Conflict(String title, String detail) {
        super(title, detail, null);
    }

    public Conflict(String title, String detail, String field) {
        super(title, detail, field);
    }
}
