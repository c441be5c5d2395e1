package dev.pgfleet.provisioning.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pgfleet.system.process.LocalProcesses;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one etcd that every local database's Patroni uses as its DCS, supervised by the control plane.
 * Its two ports are the last two of the local port range, so they never collide with a database's. It
 * listens on loopback only: it has no authentication, and only local processes use it.
 * Talks to etcd through its v3 JSON gateway (no gRPC client needed).
 */
class EtcdServer {
    private static final Logger log = LoggerFactory.getLogger(EtcdServer.class);

    private final Path dir;
    private final String host;
    private final int clientPort;
    private final int peerPort;
    private final LocalProcesses processes;
    private final HttpClient http;
    private final ObjectMapper json;

    EtcdServer(Path dir, String host, int clientPort, int peerPort, LocalProcesses processes, HttpClient http, ObjectMapper json) {
        this.dir = dir;
        this.host = host;
        this.clientPort = clientPort;
        this.peerPort = peerPort;
        this.processes = processes;
        this.http = http;
        this.json = json;
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
            String peer = "http://" + host + ":" + peerPort;
            String client = "http://" + host + ":" + clientPort;
            running = Optional.of(processes.startDetached(List.of("etcd", "--name", "pgfleet", "--data-dir", data.toString(),
                            "--listen-client-urls", client, "--advertise-client-urls", client,
                            "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
                            "--initial-cluster", "pgfleet=" + peer,
                            // Patroni rewrites its keys every loop; compaction keeps the store small.
                            "--auto-compaction-mode", "periodic", "--auto-compaction-retention", "1h"),
                    dir, dir.resolve("etcd.log"), dir.resolve("etcd.pid")));
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!healthy()) {
            if (System.nanoTime() > deadline || !running.get().isAlive()) {
                throw new IllegalStateException("etcd (pid " + running.get().pid() + ") did not become healthy within 20s; see "
                        + dir.resolve("etcd.log"));
            }
            sleep(100);
        }
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

    /** The value of one key, if it exists. */
    Optional<String> get(String key) throws IOException, InterruptedException {
        JsonNode r = post("/v3/kv/range", Map.of("key", b64(key)));
        JsonNode kvs = r.path("kvs");
        if (!kvs.isArray() || kvs.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(unb64(kvs.get(0).path("value").asText("")));
    }

    /** Deletes every key under a prefix. */
    void deletePrefix(String prefix) throws IOException, InterruptedException {
        post("/v3/kv/deleterange", Map.of("key", b64(prefix), "range_end", b64(prefixEnd(prefix))));
    }

    JsonNode post(String path, Object body) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(clientUri(path)).timeout(Duration.ofSeconds(3))
                .POST(HttpRequest.BodyPublishers.ofString(json.writeValueAsString(body))).build();
        HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IOException("etcd " + path + " answered " + r.statusCode() + ": " + r.body());
        }
        return json.readTree(r.body());
    }

    static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    static String unb64(String s) {
        return new String(Base64.getDecoder().decode(s), StandardCharsets.UTF_8);
    }

    /** The smallest key after every key with this prefix (etcd's range_end for a prefix). */
    static String prefixEnd(String prefix) {
        char last = prefix.charAt(prefix.length() - 1);
        return prefix.substring(0, prefix.length() - 1) + (char) (last + 1);
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
