package dev.pgfleet.blueprint;

/**
 * What one tenant database is: the validated, normalised input of every blueprint builder.
 *
 * @param scope        Patroni scope (the cluster's key prefix in the DCS), unique across the fleet
 * @param databaseName the tenant's database inside PostgreSQL (also the owner role's name)
 * @param plan         member count, synchronous mode and sizing
 * @param postgresMajorVersion installed PostgreSQL major version, e.g. 15
 */
public record ClusterSpec(String scope, String databaseName, Plan plan, int postgresMajorVersion) {
    public ClusterSpec {
        if (scope == null || !scope.matches("[a-z0-9][a-z0-9-]{0,62}")) {
            throw new IllegalArgumentException("scope must be a lowercase DNS label: " + scope);
        }
        Names.requireValid(databaseName);
        if (plan == null) {
            throw new IllegalArgumentException("plan is required");
        }
        if (postgresMajorVersion < 13) {
            throw new IllegalArgumentException("PostgreSQL " + postgresMajorVersion + " is not supported (13 or newer)");
        }
    }

    /** The owner role is named like the database, so a connection string reads user=shop dbname=shop. */
    public String ownerUsername() {
        return databaseName;
    }

    public String memberName(int ordinal) {
        return databaseName + "-" + ordinal;
    }

    public Resources memberResources() {
        return plan.memberResources();
    }
}
