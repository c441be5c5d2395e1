package dev.pgfleet.provisioning.local;

import dev.pgfleet.blueprint.ClusterSecrets;
import dev.pgfleet.blueprint.PgBouncerConfig;
import dev.pgfleet.blueprint.PoolerSettings;
import dev.pgfleet.blueprint.PoolerSizing;
import dev.pgfleet.blueprint.ReadOnlyEndpoint;
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
 * A database's read-only endpoint as two processes of the data-plane user: HAProxy in TCP mode in front of the
 * members (it picks the replicas within the lag bound, else the leader, by asking each member's Patroni; see
 * {@link ReadOnlyEndpoint}), and a second PgBouncer in transaction mode in front of that proxy. Neither follows the
 * leader through the control plane: the proxy's health checks do, so it keeps working while the control plane is
 * down. Configuration only changes with pgfleet itself (ports are fixed at placement): then the process restarts.
 */
class ReadOnlyPooler {
    private static final String PROXY = "haproxy";
    private static final String POOLER = "pgbouncer";
    /** Where HAProxy listens and the read-only PgBouncer reaches it (in every local certificate's names). */
    static final String PROXY_HOST = "127.0.0.1";

    private final LocalLayout layout;
    private final LocalProcesses processes;
    private final PgBouncerConsole console;
    private final String listenHost;
    private final String connectHost;

    ReadOnlyPooler(LocalLayout layout, LocalProcesses processes, PgBouncerConsole console, String listenHost, String connectHost) {
        this.layout = layout;
        this.processes = processes;
        this.console = console;
        this.listenHost = listenHost;
        this.connectHost = connectHost;
    }

    /** Both processes run with current configuration; returns whether anything had to be (re)started. */
    boolean ensure(DesiredCluster desired) {
        DesiredCluster.ReadOnlyPorts ports = desired.readOnly();
        Path dir = dir(desired);
        processes.user().createControlledDirectories(dir);
        processes.user().createOwnedLeaf(dir.resolve("log"));
        int maxConnections = PoolerSizing.forResources(desired.spec().memberResources()).maxServerConnections() * 2;
        // The proxy only ever listens on loopback, whatever address the data plane is advertised on: the PgBouncer in
        // front of it is its one client. Reachable from elsewhere it would relay anyone to the members from an address
        // they trust (the superuser's and replication's pg_hba lines), past the read-only PgBouncer.
        boolean proxyChanged = processes.user().writeOwnedFile(dir.resolve("haproxy.cfg"), ReadOnlyEndpoint.renderProxyConfig(
                desired.spec(), PROXY_HOST, ports.proxyPort(), desired.members().stream()
                        .map(m -> new ReadOnlyEndpoint.ProxyMember(m.name(), connectHost, m.pgPort(), m.restPort())).toList(),
                maxConnections));
        boolean started = ensureRunning(desired, PROXY, proxyChanged,
                List.of("haproxy", "-db", "-f", dir.resolve("haproxy.cfg").toString()), PROXY_HOST, ports.proxyPort());
        PoolerSettings settings = settings(desired);
        boolean poolerChanged = processes.user().writeOwnedFile(dir.resolve("userlist.txt"), PgBouncerConfig.renderAuthFile(List.of(
                new PgBouncerConfig.UserSecret(desired.spec().ownerUsername(), desired.ownerScramVerifier()),
                new PgBouncerConfig.UserSecret(ClusterSecrets.POOLER_ADMIN_USER, desired.poolerAdminScramVerifier()))));
        boolean tlsChanged = false;
        if (desired.tls() != null) {
            // The main pooler's identity and rules: one certificate and one hba for every endpoint of the database.
            tlsChanged = LocalTlsFiles.write(processes.user(), dir, desired.tls());
            poolerChanged |= processes.user().writeOwnedFile(Path.of(PgBouncerConfig.hbaFile(settings)), PgBouncerConfig.renderHba());
        }
        poolerChanged |= processes.user().writeOwnedFile(dir.resolve("pgbouncer.ini"),
                ReadOnlyEndpoint.renderPoolerIni(desired.spec(), settings, PROXY_HOST, ports.proxyPort()));
        started |= ensureRunning(desired, POOLER, poolerChanged,
                List.of("pgbouncer", dir.resolve("pgbouncer.ini").toString()), connectHost, ports.poolerPort());
        // A renewed certificate is not a restart: RELOAD re-reads the TLS files while clients stay connected, until
        // PgBouncer presents the stored one (as the main pooler does).
        if (!started && desired.tls() != null && (tlsChanged || !presentsCurrentCertificate(desired))) {
            console.runCommand(new PgBouncerConsole.Address(connectHost, ports.poolerPort(), desired.poolerAdminPassword()),
                    "RELOAD", Duration.ofSeconds(30));
            return true;
        }
        return started;
    }

    /** Whether the read-only PgBouncer presents the desired certificate to TLS clients now. I/O. */
    boolean presentsCurrentCertificate(DesiredCluster desired) {
        return PresentedCertificate.fetchSerial(connectHost, desired.readOnly().poolerPort(), desired.tls().caCertificatePem(),
                PgBouncerPooler.PROBE_TIMEOUT).equals(Optional.of(desired.tls().serial()));
    }

    /** Stops the read-only PgBouncer, then the proxy. Idempotent; the files go with the database's directory. */
    void stop(DesiredCluster desired) {
        find(desired, POOLER).ifPresent(p -> processes.stop(p, Duration.ofSeconds(10)));
        find(desired, PROXY).ifPresent(p -> processes.stop(p, Duration.ofSeconds(10)));
    }

    private boolean ensureRunning(DesiredCluster desired, String program, boolean configChanged, List<String> command,
                                  String host, int port) {
        Path dir = dir(desired);
        Optional<ProcessHandle> running = find(desired, program);
        if (running.isPresent() && !configChanged) {
            return false;
        }
        running.ifPresent(p -> processes.stop(p, Duration.ofSeconds(10)));
        processes.startDetached(command, dir, dir.resolve(program + ".out"), dir.resolve(program + ".pid"));
        awaitAccepting(desired, program, host, port, Duration.ofSeconds(10));
        return true;
    }

    private Optional<ProcessHandle> find(DesiredCluster desired, String program) {
        Path dir = dir(desired);
        String config = dir.resolve(PROXY.equals(program) ? "haproxy.cfg" : "pgbouncer.ini").toString();
        return processes.findRunning(dir.resolve(program + ".pid"), config);
    }

    private static boolean accepting(String host, int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(host, port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private void awaitAccepting(DesiredCluster desired, String program, String host, int port, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!accepting(host, port)) {
            if (System.nanoTime() > deadline || find(desired, program).isEmpty()) {
                throw new IllegalStateException("the read-only endpoint's " + program + " did not start listening on port " + port
                        + "; see " + dir(desired).resolve(program + ".out"));
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private Path dir(DesiredCluster desired) {
        return layout.readOnlyDir(desired.id());
    }

    private PoolerSettings settings(DesiredCluster desired) {
        Path dir = dir(desired);
        return new PoolerSettings(listenHost, desired.readOnly().poolerPort(), dir.resolve("userlist.txt").toString(),
                dir.resolve("log").resolve("pgbouncer.log").toString(), ClusterSecrets.POOLER_ADMIN_USER,
                desired.tls() == null ? null : LocalTlsFiles.at(dir));
    }
}
