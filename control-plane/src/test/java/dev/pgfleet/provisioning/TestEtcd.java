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

/**
 * A real etcd for a test: one member on loopback, free ports, its own temporary directory and an empty
 * environment. {@link #close} stops it (by its Process, never by name) and removes the directory.
 */
public final class TestEtcd implements AutoCloseable {
    private final Path dir;
    private final int clientPort;
    private final int peerPort;
    private final List<String> extraArgs;
    private Process process;

    private TestEtcd(List<String> extraArgs) throws IOException {
        this.dir = Files.createTempDirectory("pgfleet-test-etcd-");
        this.clientPort = freePort();
        this.peerPort = freePort();
        this.extraArgs = extraArgs;
    }

    public static TestEtcd start(String... extraArgs) throws Exception {
        TestEtcd etcd = new TestEtcd(List.of(extraArgs));
        try {
            etcd.startProcess();
        } catch (Exception | Error e) {
            etcd.close();
            throw e;
        }
        return etcd;
    }

    public URI uri() {
        return URI.create("http://127.0.0.1:" + clientPort);
    }

    /** Stops etcd and starts it again on the same data (tokens are forgotten, keys and users kept). */
    public void restart() throws Exception {
        stopProcess();
        startProcess();
    }

    @Override
    public void close() throws Exception {
        stopProcess();
        try (var files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    private void startProcess() throws Exception {
        String client = uri().toString();
        String peer = "http://127.0.0.1:" + peerPort;
        List<String> command = new ArrayList<>(List.of("etcd", "--name", "test", "--data-dir", dir.resolve("data").toString(),
                "--listen-client-urls", client, "--advertise-client-urls", client,
                "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer, "--initial-cluster", "test=" + peer));
        command.addAll(extraArgs);
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().clear();
        pb.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("etcd.log").toFile()));
        process = pb.start();
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (true) {
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(client + "/health")).timeout(Duration.ofSeconds(1))
                        .build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200 && r.body().contains("true")) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            if (System.nanoTime() > deadline || !process.isAlive()) {
                throw new IllegalStateException("etcd did not start: " + Files.readString(dir.resolve("etcd.log")));
            }
            Thread.sleep(100);
        }
    }

    private void stopProcess() throws InterruptedException {
        if (process != null) {
            process.destroy();
            if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
            process = null;
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
