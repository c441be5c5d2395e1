package dev.pgfleet.problem;

/** The caller may not do this (HTTP 403). */
public final class Forbidden extends DomainException {
    public Forbidden(String title, String detail) {
        super(title, detail, null);
    }

    public Forbidden(String title, String detail, String field) {
        super(title, detail, field);
    }
}
