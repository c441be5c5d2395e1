package dev.pgfleet.system.process;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The environment of every process pgfleet starts (PostgreSQL, Patroni, PgBouncer, etcd, scratch instances,
 * pg_dump, pg_restore, psql): built from an allow-list, never inherited from the control plane. The control
 * plane's own environment holds its master key, admin token and metadata password (PGFLEET_*), and variables
 * that would reconfigure a child (PATRONI_*, ETCD_*, PG* service and password files, PYTHONPATH, LD_PRELOAD):
 * none of it may reach a process a tenant can influence. Pure.
 */
public final class ProcessEnvironment {
    /**
     * A fixed search path: a PATH taken from the control plane's environment could point at anything. ./pgfleet setup
     * installs PgBouncer for this path (its RUNTIME_PATH; ImageVersionsIntegrationTest keeps the two equal).
     */
    public static final String PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    /**
     * The only variables a caller may add, each for a reason: libpq's password, connect timeout, session options
     * (to pin search_path), application name for client tools, and the address the JVM resolved the host to
     * (DatabaseSessions.hostAddressEnvironment). Anything else is a programming error.
     */
    static final Set<String> CALLER_VARIABLES = Set.of("PGPASSWORD", "PGCONNECT_TIMEOUT", "PGOPTIONS", "PGAPPNAME",
            "PGSSLMODE", "PGHOSTADDR");

    private ProcessEnvironment() {
    }

    /**
     * The whole environment for a process working in {@code workDir}: a fixed PATH and locale, HOME set to the work
     * directory (so no tool reads root's ~/.pgpass, ~/.psqlrc or ~/.pg_service.conf), libpq's password and service
     * files switched off, plus the caller's allow-listed variables given as name, value pairs.
     */
    public static Map<String, String> build(Path workDir, String... callerVariables) {
        if (callerVariables.length % 2 != 0) {
            throw new IllegalArgumentException("environment variables come as name, value pairs");
        }
        Map<String, String> env = new LinkedHashMap<>();
        env.put("PATH", PATH);
        env.put("LANG", "C.UTF-8");
        env.put("LC_ALL", "C.UTF-8");
        env.put("HOME", workDir.toAbsolutePath().toString());
        env.put("PGPASSFILE", "/dev/null");
        env.put("PGSERVICEFILE", "/dev/null");
        env.put("PGSYSCONFDIR", "/nonexistent");
        for (int i = 0; i < callerVariables.length; i += 2) {
            String name = callerVariables[i];
            if (!CALLER_VARIABLES.contains(name)) {
                throw new IllegalArgumentException(name + " is not an allowed environment variable for a data-plane process");
            }
            env.put(name, callerVariables[i + 1]);
        }
        return env;
    }
}
