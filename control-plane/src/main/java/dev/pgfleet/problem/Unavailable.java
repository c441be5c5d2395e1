package dev.pgfleet.problem;

/** A part this request needs is not available now; trying later may work (HTTP 503). */
public final class Unavailable extends DomainException {
    public Unavailable(String title, String detail) {
        super(title, detail, null);
    }

    public Unavailable(String title, String detail, String field) {
        super(title, detail, field);
    }
}
