package dev.pgfleet.problem;

/** The request is malformed: a missing or badly formed field (HTTP 400). */
public final class InvalidInput extends DomainException {
    public InvalidInput(String title, String detail) {
        super(title, detail, null);
    }

    public InvalidInput(String title, String detail, String field) {
        super(title, detail, field);
    }
}
