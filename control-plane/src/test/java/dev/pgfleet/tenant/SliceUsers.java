package dev.pgfleet.tenant;

/** Dashboard users for {@code @WebMvcTest} slices (DashboardUser's constructor is package-private). */
public final class SliceUsers {
    private SliceUsers() {
    }

    /** A signed-in user of {@code principal}'s tenant (the hash is never checked in a slice). */
    public static DashboardUser of(String name, TenantPrincipal principal) {
        return new DashboardUser(name, "{noop}unused", principal);
    }
}
