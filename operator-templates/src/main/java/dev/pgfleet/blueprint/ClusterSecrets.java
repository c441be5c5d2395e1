package dev.pgfleet.blueprint;

/**
 * Passwords the data plane itself uses (never shown to tenants).
 *
 * @param dcsPassword the password of the database's own etcd user ({@link Dcs#scopeUser}), which may touch only
 *                    the keys of its scope
 */
public record ClusterSecrets(String superuserPassword, String replicationPassword, String restApiPassword,
                             String dcsPassword) {
    public static final String SUPERUSER = "postgres";
    public static final String REPLICATION_USER = "replicator";
    public static final String REST_API_USER = "pgfleet";
    /** The control plane's role on PgBouncer's admin console; the underscore keeps it out of tenant names. */
    public static final String POOLER_ADMIN_USER = "pgfleet_admin";

    @Override
    public String toString() {
        return "ClusterSecrets[redacted]";
    }
}
