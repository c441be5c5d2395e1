package dev.pgfleet.problem;

/** The named thing does not exist, or not for this caller (HTTP 404: a tenant never learns another tenant's ids). */
public final class NotFound extends DomainException {
    public NotFound(String what) {
        super("Not found", what + " does not exist.", null);
    }
}
