package dev.pgfleet.blueprint;

import java.util.regex.Pattern;

/**
 * The one naming rule for everything a tenant names (tenants, databases) and the quoting used
 * wherever such a name reaches SQL or a configuration file. Names are DNS-1035 labels so the same
 * name works as a PostgreSQL identifier, a directory name and a Kubernetes object name.
 */
public final class Names {
    public static final int MAX_LENGTH = 63;
    private static final Pattern NAME = Pattern.compile("[a-z]([a-z0-9-]*[a-z0-9])?");
    /** Names PostgreSQL or PgBouncer already use for themselves (databases and roles). */
    private static final java.util.Set<String> RESERVED = java.util.Set.of(
            "postgres", "template0", "template1", "pgbouncer", ClusterSecrets.REPLICATION_USER);

    private Names() {
    }

    public static boolean isValid(String name) {
        return problemWith(name) == null;
    }

    /** Why a name is refused, in words a person understands; null when it is valid. */
    public static String problemWith(String name) {
        if (name == null || name.isEmpty()) {
            return "a name is required";
        }
        if (name.length() > MAX_LENGTH) {
            return "'" + name + "' is longer than " + MAX_LENGTH + " characters";
        }
        if (!NAME.matcher(name).matches()) {
            return "'" + name + "' is not a valid name: use 1-63 lowercase letters, digits and hyphens,"
                    + " starting with a letter and not ending with a hyphen";
        }
        if (RESERVED.contains(name)) {
            return "'" + name + "' is reserved by PostgreSQL or PgBouncer";
        }
        return null;
    }

    public static String requireValid(String name) {
        String problem = problemWith(name);
        if (problem != null) {
            throw new IllegalArgumentException(problem);
        }
        return name;
    }

    /** A PostgreSQL identifier in double quotes; quoting is kept even for validated names. */
    public static String quoteIdentifier(String identifier) {
        return '"' + identifier.replace("\"", "\"\"") + '"';
    }

    /** A PostgreSQL string literal in single quotes. */
    public static String quoteLiteral(String value) {
        return '\'' + value.replace("'", "''") + '\'';
    }
}
