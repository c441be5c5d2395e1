package dev.pgfleet.operation;

import java.util.UUID;

/**
 * Who asked for an operation: a tenant's user (through the API or the dashboard), the database's schedule, or the
 * control plane itself (a retry, a recovery). Stored as one short text: {@code user:<uuid>}, {@code schedule},
 * {@code control-plane}; plain {@code user} for a user whose id was not recorded (operations migrated from before V13).
 */
public record Requester(Kind kind, UUID userId) {
    public enum Kind { USER, SCHEDULE, CONTROL_PLANE }

    public static Requester user(UUID userId) {
        return new Requester(Kind.USER, userId);
    }

    public static Requester schedule() {
        return new Requester(Kind.SCHEDULE, null);
    }

    public static Requester controlPlane() {
        return new Requester(Kind.CONTROL_PLANE, null);
    }

    String stored() {
        return switch (kind) {
            case USER -> userId == null ? "user" : "user:" + userId;
            case SCHEDULE -> "schedule";
            case CONTROL_PLANE -> "control-plane";
        };
    }

    static Requester parse(String stored) {
        if (stored != null && stored.startsWith("user:")) {
            return user(UUID.fromString(stored.substring("user:".length())));
        }
        if ("user".equals(stored)) {
            return new Requester(Kind.USER, null);
        }
        return "schedule".equals(stored) ? schedule() : controlPlane();
    }

    /** For the API and the dashboard: "user", "schedule" or "control-plane". */
    public String apiName() {
        return kind.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }
}
