package dev.pgfleet.provisioning.local;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pgfleet.provisioning.EtcdAccess;
import dev.pgfleet.provisioning.EtcdClient;
import dev.pgfleet.system.process.LocalProcesses;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one etcd that every local database's Patroni uses as its DCS, supervised by the control plane.
 * Its client port is the last of the local port range (the one before it stays reserved), so it never collides
 * with a database's; its peer listener is a Unix socket only the data-plane user can reach. It listens on loopback
 * only, and requires authentication once every database's Patroni has its own
 * credentials (see LocalRuntime): root is the control plane, each scope has a user of its own (EtcdAccess).
 */
class EtcdServer {
    private static final Logger log = LoggerFactory.getLogger(EtcdServer.class);

    private final Path dir;
    private final String host;
    private final int clientPort;
    private final LocalProcesses processes;
    private final HttpClient http;
    private final Path rootPasswordFile;
    private final EtcdClient client;
    private final EtcdAccess access;
    private volatile long rootCheckedFor = -1;
    private volatile boolean authenticationEnabled;

    /** @param rootPasswordFile readable by the control plane's OS user only, outside {@code dir} (which the data-plane user owns) */
    EtcdServer(Path dir, String host, int clientPort, LocalProcesses processes, HttpClient http, ObjectMapper json,
               Path rootPasswordFile) {
        this.dir = dir;
        this.host = host;
        this.clientPort = clientPort;
        this.processes = processes;
        this.http = http;
        this.rootPasswordFile = rootPasswordFile;
        this.client = new EtcdClient(http, json, URI.create("http://" + clientAddress()), this::rootPassword);
        this.access = new EtcdAccess(client);
    }

    String clientAddress() {
        return host + ":" + clientPort;
    }

    URI clientUri(String path) {
        return URI.create("http://" + clientAddress() + path);
    }

    /**
     * Starts etcd unless it already runs (ours, adopted by its pid file), and waits until it answers. A
     * recorded etcd that is alive but slow to answer is waited for, never doubled: a second one would fail on
     * the same ports and overwrite the pid file of the one that works.
     */
    synchronized void ensureRunning() {
        Path data = dir.resolve("data");
        Optional<ProcessHandle> running = processes.findRunning(dir.resolve("etcd.pid"), data.toString());
        if (running.isEmpty()) {
            processes.user().createControlledDirectories(dir);
            processes.user().createOwnedLeaf(data);
            // The peer (raft) listener has no authentication of its own: a local user who can reach it can feed the
            // node raft messages. It is a Unix socket ("peer:1", relative to the working directory) in a directory
            // only the data-plane user can enter, so no TCP peer port is open at all.
            Path peerDir = processes.user().createOwnedLeaf(dir.resolve("peer"));
            String peer = "unix://peer:1";
            String client = "http://" + host + ":" + clientPort;
            running = Optional.of(processes.startDetached(List.of("etcd", "--name", "pgfleet", "--data-dir", data.toString(),
                            "--listen-client-urls", client, "--advertise-client-urls", client,
                            "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
                            "--initial-cluster", "pgfleet=" + peer,
                            // Patroni rewrites its keys every loop; compaction keeps the store small.
                            "--auto-compaction-mode", "periodic", "--auto-compaction-retention", "1h"),
                    peerDir, dir.resolve("etcd.log"), dir.resolve("etcd.pid")));
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!healthy()) {
            if (System.nanoTime() > deadline || !running.get().isAlive()) {
                throw new IllegalStateException("etcd (pid " + running.get().pid() + ") did not become healthy within 20s; see "
                        + dir.resolve("etcd.log"));
            }
            sleep(100);
        }
        ensureRoot(running.get());
    }

    boolean healthy() {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(clientUri("/health")).timeout(Duration.ofSeconds(1)).build(),
                    HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 && r.body().contains("true");
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Root's client of this etcd (the control plane's only way in). */
    EtcdClient client() {
        return client;
    }

    EtcdAccess access() {
        return access;
    }

    String rootPassword() {
        return EtcdRootPassword.readOrCreate(rootPasswordFile);
    }

    /**
     * Root exists with the password from the root-only file (created while etcd's authentication is still off,
     * which it is on a fresh etcd). Checked once per etcd process this control plane has seen.
     */
    private void ensureRoot(ProcessHandle process) {
        if (rootCheckedFor == process.pid()) {
            return;
        }
        try {
            access.ensureRoot(rootPassword());
            authenticationEnabled = access.authenticationEnabled();
        } catch (IOException e) {
            throw new IllegalStateException("could not set up etcd's root user: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
        rootCheckedFor = process.pid();
    }

    /** Whether etcd requires authentication, as last seen (ensureRunning looks on every new etcd process). */
    boolean authenticationEnabled() {
        return authenticationEnabled;
    }

    void enableAuthentication() throws IOException, InterruptedException {
        access.enableAuthentication();
        authenticationEnabled = true;
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
