package dev.pgfleet.problem;

/** A data-plane component (PostgreSQL, Patroni, PgBouncer) failed while doing what was asked (HTTP 502). */
public final class UpstreamFailed extends DomainException {
    public UpstreamFailed(String title, String detail) {
        super(title, detail, null);
    }

    public UpstreamFailed(String title, String detail, String field) {
        super(title, detail, field);
    }
}
