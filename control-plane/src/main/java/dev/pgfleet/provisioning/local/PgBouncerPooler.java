package dev.pgfleet.provisioning.local;

import dev.pgfleet.blueprint.ClusterSecrets;
import dev.pgfleet.blueprint.PgBouncerConfig;
import dev.pgfleet.blueprint.PoolerSettings;
import dev.pgfleet.provisioning.DesiredCluster;
import dev.pgfleet.provisioning.PgBouncerConsole;
import dev.pgfleet.system.process.LocalProcesses;
import dev.pgfleet.tls.PresentedCertificate;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * One PgBouncer per database, in transaction mode, in front of the current leader. Retargeting rewrites
 * pgbouncer.ini with the new leader's port and RELOADs it over the admin console: server connections to
 * the old address are dropped, clients stay connected.
 */
class PgBouncerPooler {
    static final Duration PROBE_TIMEOUT = Duration.ofSeconds(2);
    private final LocalLayout layout;
    private final LocalProcesses processes;
    private final PgBouncerConsole console;
    private final String listenHost;
    private final String connectHost;

    PgBouncerPooler(LocalLayout layout, LocalProcesses processes, PgBouncerConsole console, String listenHost, String connectHost) {
        this.layout = layout;
        this.processes = processes;
        this.console = console;
        this.listenHost = listenHost;
        this.connectHost = connectHost;
    }

    /** PgBouncer runs and sends connections to {@code leader}; returns whether anything had to be done. */
    boolean ensure(DesiredCluster desired, String leader) {
        Path dir = layout.poolerDir(desired.id());
        processes.user().createControlledDirectories(dir);
        processes.user().createOwnedLeaf(dir.resolve("log"));
        Path ini = dir.resolve("pgbouncer.ini");
        boolean changed = processes.user().writeOwnedFile(dir.resolve("userlist.txt"), PgBouncerConfig.renderAuthFile(List.of(
                new PgBouncerConfig.UserSecret(desired.spec().ownerUsername(), desired.ownerScramVerifier()),
                new PgBouncerConfig.UserSecret(ClusterSecrets.POOLER_ADMIN_USER, desired.poolerAdminScramVerifier()))));
        PoolerSettings settings = settings(desired);
        if (desired.tls() != null) {
            changed |= LocalTlsFiles.write(processes.user(), dir, desired.tls());
            changed |= processes.user().writeOwnedFile(Path.of(PgBouncerConfig.hbaFile(settings)), PgBouncerConfig.renderHba());
        }
        changed |= processes.user().writeOwnedFile(ini, PgBouncerConfig.renderIni(desired.spec(), settings,
                connectHost, desired.member(leader).pgPort()));
        if (find(desired).isEmpty()) {
            processes.startDetached(List.of("pgbouncer", ini.toString()), dir, dir.resolve("pgbouncer.out"),
                    dir.resolve("pgbouncer.pid"));
            awaitAccepting(desired, Duration.ofSeconds(10));
            return true;
        }
        // The file is only what we asked for; a RELOAD that failed last time must be retried, so compare
        // with what PgBouncer actually has loaded.
        if (changed || !loadedTarget(desired).equals(Optional.of(leader))) {
            adminCommand(desired, "RELOAD");
            return true;
        }
        // Likewise for a renewed certificate: RELOAD re-reads the TLS files (clients stay connected) until PgBouncer
        // presents the stored one.
        if (desired.tls() != null && !presentsCurrentCertificate(desired)) {
            adminCommand(desired, "RELOAD");
            return true;
        }
        return false;
    }

    /** Whether PgBouncer presents the desired certificate to TLS clients now. I/O. */
    boolean presentsCurrentCertificate(DesiredCluster desired) {
        return PresentedCertificate.fetchSerial(connectHost, desired.poolerPort(), desired.tls().caCertificatePem(), PROBE_TIMEOUT)
                .equals(Optional.of(desired.tls().serial()));
    }

    /** The member PgBouncer currently sends connections to, as its admin console reports it. */
    Optional<String> loadedTarget(DesiredCluster desired) {
        String db = desired.spec().databaseName();
        for (String row : adminCommand(desired, "SHOW DATABASES").split("\n")) {
            String[] cols = row.split("\\|", -1);
            if (cols.length > 2 && cols[0].equals(db) && cols[2].matches("\\d+")) {
                int port = Integer.parseInt(cols[2]);
                return desired.members().stream().filter(s -> s.pgPort() == port).map(DesiredCluster.MemberSlot::name).findFirst();
            }
        }
        return Optional.empty();
    }

    Optional<ProcessHandle> find(DesiredCluster desired) {
        Path dir = layout.poolerDir(desired.id());
        return processes.findRunning(dir.resolve("pgbouncer.pid"), dir.resolve("pgbouncer.ini").toString());
    }

    boolean accepting(DesiredCluster desired) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(connectHost, desired.poolerPort()), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    void stop(DesiredCluster desired) {
        find(desired).ifPresent(p -> processes.stop(p, Duration.ofSeconds(10)));
    }

    /**
     * Runs one admin-console command (RELOAD, PAUSE, RESUME, SHOW ...) and returns its rows as
     * unaligned text. psql, because JDBC drivers send startup parameters the console refuses.
     */
    String adminCommand(DesiredCluster desired, String command) {
        return adminCommand(desired, command, Duration.ofSeconds(30));
    }

    /** Like {@link #adminCommand(DesiredCluster, String)}, for commands that wait (PAUSE): psql is stopped after {@code timeout}. */
    String adminCommand(DesiredCluster desired, String command, Duration timeout) {
        return console.runCommand(consoleOf(desired), command, timeout);
    }

    /** A SHOW command's answer with its header row, for parsing by column name (columns vary between versions). */
    String adminTable(DesiredCluster desired, String showCommand) {
        return console.fetchTable(consoleOf(desired), showCommand, Duration.ofSeconds(10));
    }

    private PgBouncerConsole.Address consoleOf(DesiredCluster desired) {
        return new PgBouncerConsole.Address(connectHost, desired.poolerPort(), desired.poolerAdminPassword());
    }

    /**
     * PAUSE: returns once every running transaction has finished and server connections are closed; new ones
     * wait. Past {@code timeout} (a long transaction) it RESUMEs and throws.
     */
    void pause(DesiredCluster desired, Duration timeout) {
        try {
            adminCommand(desired, "PAUSE", timeout);
        } catch (RuntimeException e) {
            resume(desired);
            throw new IllegalStateException("the pooler could not pause within " + timeout.toSeconds()
                    + " s (transactions still running); it was resumed: " + e.getMessage(), e);
        }
    }

    /** RESUME; a pooler that is not paused answers with an error, which is the state wanted. */
    void resume(DesiredCluster desired) {
        try {
            adminCommand(desired, "RESUME");
        } catch (RuntimeException e) {
            if (!String.valueOf(e.getMessage()).contains("not paused")) {
                throw e;
            }
        }
    }

    private void awaitAccepting(DesiredCluster desired, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!accepting(desired)) {
            if (System.nanoTime() > deadline || find(desired).isEmpty()) {
                throw new IllegalStateException("PgBouncer did not start listening on port " + desired.poolerPort() + "; see "
                        + layout.poolerDir(desired.id()).resolve("log").resolve("pgbouncer.log"));
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private PoolerSettings settings(DesiredCluster desired) {
        Path dir = layout.poolerDir(desired.id());
        return new PoolerSettings(listenHost, desired.poolerPort(), dir.resolve("userlist.txt").toString(),
                dir.resolve("log").resolve("pgbouncer.log").toString(), ClusterSecrets.POOLER_ADMIN_USER,
                desired.tls() == null ? null : LocalTlsFiles.at(dir));
    }
}
