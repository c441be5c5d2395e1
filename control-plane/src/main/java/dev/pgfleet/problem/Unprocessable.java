package dev.pgfleet.problem;

/** The request is well formed but its values are refused by a rule, e.g. a schedule that is too frequent (HTTP 422). */
public final class Unprocessable extends DomainException {
    public Unprocessable(String title, String detail) {
        super(title, detail, null);
    }

    public Unprocessable(String title, String detail, String field) {
        super(title, detail, field);
    }
}
