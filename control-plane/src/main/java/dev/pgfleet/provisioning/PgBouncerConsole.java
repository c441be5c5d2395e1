package dev.pgfleet.provisioning;

import dev.pgfleet.blueprint.ClusterSecrets;
import dev.pgfleet.system.process.LocalProcesses;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The one way the control plane talks to any PgBouncer's admin console (a local database's main or read-only
 * pooler, a pooler pod on Kubernetes): psql as {@link ClusterSecrets#POOLER_ADMIN_USER}, because JDBC drivers send
 * startup parameters the console refuses. psql runs as the control plane's own user with an allow-listed
 * environment; the password reaches it through {@code PGPASSWORD}, never its argument list. Every method does I/O.
 */
public final class PgBouncerConsole {
    private final LocalProcesses processes;

    public PgBouncerConsole(LocalProcesses processes) {
        this.processes = processes;
    }

    /** Where a PgBouncer's admin console listens, and the admin user's password. */
    public record Address(String host, int port, String adminPassword) {
    }

    /** Runs one command (RELOAD, PAUSE, RESUME, SHOW ...) and returns its rows as unaligned text without a header.
     * psql is stopped after {@code timeout} (PAUSE waits for running transactions). */
    public String runCommand(Address console, String command, Duration timeout) {
        return runPsql(console, List.of("-t", "-c", command), timeout);
    }

    /** A SHOW command's answer with its header row, for parsing by column name (columns vary between versions). */
    public String fetchTable(Address console, String showCommand, Duration timeout) {
        return runPsql(console, List.of("-P", "footer=off", "-c", showCommand), timeout);
    }

    private String runPsql(Address console, List<String> arguments, Duration timeout) {
        List<String> argv = new ArrayList<>(List.of("psql", "-X", "-A", "-q", "-v", "ON_ERROR_STOP=1",
                "-h", console.host(), "-p", Integer.toString(console.port()), "-U", ClusterSecrets.POOLER_ADMIN_USER, "-d", "pgbouncer"));
        argv.addAll(arguments);
        return processes.runClientToCompletion(argv, Path.of(System.getProperty("java.io.tmpdir")), timeout,
                "PGPASSWORD", console.adminPassword(), "PGCONNECT_TIMEOUT", "3");
    }
}
