package dev.pgfleet.provisioning;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * Three real etcd members on loopback, each started the way a shared-etcd pod starts one: through the data-plane
 * image's {@code images/pgfleet-etcd-member} script with the blueprint's {@code --flag=value} arguments, reading its
 * state from one directory shared by all (what the members ConfigMap is to the pods) and writing its termination
 * message to a file of its own. Stopped by their Process objects, never by name; {@link #close} removes everything.
 */
public final class TestEtcdCluster implements AutoCloseable {
    public static final int MEMBERS = 3;
    private static final Path SCRIPT = Path.of("..", "images", "pgfleet-etcd-member").toAbsolutePath().normalize();
    private final Path dir;
    private final List<String> names;
    private final int[] clientPorts = new int[MEMBERS];
    private final int[] peerPorts = new int[MEMBERS];
    private final Process[] processes = new Process[MEMBERS];

    /** Members named {@code names} (the shared etcd's pod names, say); not started. */
    public TestEtcdCluster(List<String> names) throws IOException {
        if (names.size() != MEMBERS) {
            throw new IllegalArgumentException("three names");
        }
        this.names = List.copyOf(names);
        this.dir = Files.createTempDirectory("pgfleet-test-etcd-cluster-");
        Files.createDirectories(stateDir());
        for (int i = 0; i < MEMBERS; i++) {
            clientPorts[i] = freePort();
            peerPorts[i] = freePort();
        }
    }

    /** Starts all members at once (each waits for the others to form a quorum) and waits until all are healthy. */
    public TestEtcdCluster startAll() throws Exception {
        for (int i = 0; i < MEMBERS; i++) {
            start(i);
        }
        for (int i = 0; i < MEMBERS; i++) {
            awaitHealthy(i, Duration.ofSeconds(30));
        }
        return this;
    }

    public String name(int i) {
        return names.get(i);
    }

    public URI clientUri(int i) {
        return URI.create("http://127.0.0.1:" + clientPorts[i]);
    }

    public String peerUrl(int i) {
        return "http://127.0.0.1:" + peerPorts[i];
    }

    /** Where the members read cluster-state and their join keys (the members ConfigMap's mount in a pod). */
    public Path stateDir() {
        return dir.resolve("state");
    }

    public Path dataDir(int i) {
        return dir.resolve("data-" + i);
    }

    public Path terminationLog(int i) {
        return dir.resolve("termination-" + i);
    }

    /** Starts member {@code i} through the script; returns its process (which may exit, as a container would). */
    public Process start(int i) throws IOException {
        String cluster = IntStream.range(0, MEMBERS).mapToObj(m -> names.get(m) + "=" + peerUrl(m)).collect(Collectors.joining(","));
        List<String> command = new ArrayList<>(List.of("sh", SCRIPT.toString(),
                "--name=" + names.get(i),
                "--data-dir=" + dataDir(i),
                "--listen-client-urls=" + clientUri(i),
                "--advertise-client-urls=" + clientUri(i),
                "--listen-peer-urls=" + peerUrl(i),
                "--initial-advertise-peer-urls=" + peerUrl(i),
                "--initial-cluster=" + cluster,
                "--initial-cluster-token=pgfleet-test"));
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().clear();
        pb.environment().put("PATH", "/usr/bin:/bin");
        pb.environment().put("PGFLEET_ETCD_STATE_DIR", stateDir().toString());
        pb.environment().put("PGFLEET_TERMINATION_LOG", terminationLog(i).toString());
        pb.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("etcd-" + i + ".log").toFile()));
        processes[i] = pb.start();
        return processes[i];
    }

    public void awaitHealthy(int i, Duration timeout) throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(clientUri(i).resolve("/health")).timeout(Duration.ofSeconds(1))
                        .build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200 && r.body().contains("true")) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            if (System.nanoTime() > deadline || processes[i] == null || !processes[i].isAlive()) {
                throw new IllegalStateException("etcd member " + i + " is not healthy: " + log(i));
            }
            Thread.sleep(100);
        }
    }

    public String log(int i) throws IOException {
        Path log = dir.resolve("etcd-" + i + ".log");
        return Files.exists(log) ? Files.readString(log) : "";
    }

    public void stop(int i) throws InterruptedException {
        Process p = processes[i];
        if (p != null) {
            p.destroy();
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor();
            }
            processes[i] = null;
        }
    }

    /** What losing a member's volume leaves: an empty data directory. */
    public void wipeDataDir(int i) throws IOException {
        delete(dataDir(i));
    }

    @Override
    public void close() throws Exception {
        for (int i = 0; i < MEMBERS; i++) {
            stop(i);
        }
        delete(dir);
    }

    private static void delete(Path path) throws IOException {
        if (!Files.exists(path)) {
            return;
        }
        try (var files = Files.walk(path)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
