package dev.pgfleet.testsupport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pgfleet.PgfleetApplication;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Predicate;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * A real control plane for a test: the Spring Boot application on a free HTTP port, its own PGFLEET_HOME
 * under /tmp (reachable by the unprivileged data-plane user) and its own block of data-plane ports. It can
 * be restarted on the same home. {@link #close} stops every process it started, by PID, and removes the home.
 */
public final class ControlPlane implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path home;
    private final Map<String, Path> caFiles = new java.util.concurrent.ConcurrentHashMap<>();
    private final int portRangeStart;
    private final Map<String, Object> extraProperties;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private ConfigurableApplicationContext context;
    private int httpPort;

    private ControlPlane(Map<String, Object> extraProperties) throws IOException {
        this.home = Files.createTempDirectory(Path.of("/tmp"), "pgfleet-test-");
        Files.setPosixFilePermissions(home, PosixFilePermissions.fromString("rwxr-xr-x"));
        // A random block of 1000 in 21000-28999: below the kernel's ephemeral range, clear of a developer
        // instance's etcd (29998-29999 by default) and of the provisioning benchmark (30000-30999).
        this.portRangeStart = 21000 + 1000 * ThreadLocalRandom.current().nextInt(8);
        this.extraProperties = extraProperties;
    }

    public static ControlPlane start() throws IOException {
        return start(Map.of());
    }

    public static ControlPlane start(Map<String, Object> extraProperties) throws IOException {
        ControlPlane cp = new ControlPlane(extraProperties);
        try {
            cp.startApplication();
        } catch (RuntimeException | Error e) {
            cp.close(); // also when the start fails hard, so no home or process is left behind
            throw e;
        }
        return cp;
    }

    public void restart() {
        context.close();
        startApplication();
    }

    /** Stops the application only (the data plane keeps running, as after a crash or an upgrade). */
    public void stopApplication() {
        context.close();
    }

    public void startApplication() {
        httpPort = freePort();
        Map<String, Object> props = new HashMap<>();
        props.put("server.port", httpPort);
        props.put("pgfleet.home", home.toString());
        props.put("pgfleet.master-key", "");
        props.put("pgfleet.local.port-range-start", portRangeStart);
        props.put("pgfleet.local.port-range-end", portRangeStart + 999);
        props.put("pgfleet.reconcile.resync-interval", "2s");
        props.putAll(extraProperties);
        // As command-line arguments: they outrank application.yml and the environment (PGFLEET_HOME...).
        String[] args = props.entrySet().stream().map(e -> "--" + e.getKey() + "=" + e.getValue()).toArray(String[]::new);
        context = new SpringApplicationBuilder(PgfleetApplication.class).run(args);
    }

    public Path home() {
        return home;
    }

    public <T> T bean(Class<T> type) {
        return context.getBean(type);
    }

    /** Every bean of a type, by name (e.g. all the handler mappings, to enumerate the routes). */
    public <T> Map<String, T> beans(Class<T> type) {
        return context.getBeansOfType(type);
    }

    public String adminToken() {
        try {
            return Files.readString(home.resolve("admin-token")).strip();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Creates a tenant through the API and returns its token. */
    public String createTenant(String name) {
        Response r = post("/api/v1/tenants", adminToken(), "{\"name\":\"" + name + "\"}");
        if (r.status() != 201) {
            throw new IllegalStateException("could not create tenant " + name + ": " + r);
        }
        return r.json().get("token").asText();
    }

    public Response get(String path, String token) {
        return send(HttpRequest.newBuilder(uri(path)).GET(), token);
    }

    public Response post(String path, String token, String body) {
        return send(HttpRequest.newBuilder(uri(path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)), token);
    }

    /**
     * A drill or switchover request, re-sent for up to two minutes while it is refused only because the cluster is not
     * whole yet (409 "Not possible now": a member still catching up after the last failover, the database not READY
     * again). The control plane looks at the cluster before it admits one; a test that just disturbed it must wait the
     * way a user would. Every other answer is returned at once.
     */
    public Response postOnceClusterIsWhole(String path, String token, String body) {
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        Response r = post(path, token, body);
        while (r.status() == 409 && r.body().contains("Not possible now") && System.nanoTime() < deadline) {
            try {
                Thread.sleep(1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return r;
            }
            r = post(path, token, body);
        }
        return r;
    }

    public Response put(String path, String token, String body) {
        return send(HttpRequest.newBuilder(uri(path)).header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(body)), token);
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + httpPort;
    }

    public Response delete(String path, String token) {
        return send(HttpRequest.newBuilder(uri(path)).DELETE(), token);
    }

    /** Polls a database until its JSON satisfies {@code condition}; fails with the last state seen. */
    public JsonNode awaitDatabase(String id, String token, Duration timeout, Predicate<JsonNode> condition) {
        Response last = Polling.until("database " + id + " in the expected state", timeout, Duration.ofMillis(500),
                () -> get("/api/v1/databases/" + id, token), r -> r.status() == 200 && condition.test(r.json()));
        return last.json();
    }

    public JsonNode awaitStatus(String id, String token, String status, Duration timeout) {
        return awaitDatabase(id, token, timeout, d -> status.equals(d.path("status").asText()));
    }

    /** Polls one backup until its JSON satisfies {@code done}; fails with the last state seen. */
    public JsonNode awaitBackup(String databaseId, String token, String backupId, Duration timeout, Predicate<JsonNode> done) {
        return Polling.until("backup " + backupId + " finished", timeout, Duration.ofMillis(300),
                () -> get("/api/v1/databases/" + databaseId + "/backups/" + backupId, token).json(), done);
    }

    /**
     * A JDBC session through the database's pooled endpoint, as its owner, with the credentials the API gives out and
     * as its connection string says: TLS, verify-full against the CA downloaded from the API.
     */
    public java.sql.Connection pooledConnection(String databaseId, String token) throws java.sql.SQLException {
        return pooledConnection(databaseId, token, Map.of());
    }

    /** {@link #pooledConnection(String, String)} with pgjdbc settings of the test's own (timeouts...). */
    public java.sql.Connection pooledConnection(String databaseId, String token, Map<String, String> settings) throws java.sql.SQLException {
        JsonNode credentials = get("/api/v1/databases/" + databaseId + "/credentials", token).json();
        URI pooler = URI.create(credentials.get("poolerUri").asText());
        java.util.Properties properties = verifyFull(databaseId, token);
        properties.putAll(settings);
        return java.sql.DriverManager.getConnection("jdbc:postgresql://" + pooler.getHost() + ":" + pooler.getPort()
                + pooler.getPath(), properties);
    }

    /**
     * pgjdbc properties for the database's owner as the API's connection strings ask: the owner's credentials,
     * {@code sslmode=verify-full} and {@code sslrootcert} the CA certificate downloaded from {@code GET …/ca.crt}.
     */
    public java.util.Properties verifyFull(String databaseId, String token) {
        JsonNode credentials = get("/api/v1/databases/" + databaseId + "/credentials", token).json();
        java.util.Properties p = new java.util.Properties();
        p.setProperty("user", credentials.get("username").asText());
        p.setProperty("password", credentials.get("password").asText());
        p.setProperty("sslmode", "verify-full");
        // Downloaded once per database: tests open connections in tight loops (failover probes).
        p.setProperty("sslrootcert", caFiles.computeIfAbsent(databaseId, d -> downloadCaCertificate(d, token)).toString());
        return p;
    }

    /** Saves the database's CA certificate (GET …/ca.crt) in this control plane's home and returns the file. */
    public Path downloadCaCertificate(String databaseId, String token) {
        Response r = get("/api/v1/databases/" + databaseId + "/ca.crt", token);
        if (r.status() != 200 || !r.body().startsWith("-----BEGIN CERTIFICATE-----")) {
            throw new AssertionError("GET ca.crt answered " + r.status() + ": " + r.body());
        }
        try {
            Path file = home.resolve("ca-" + databaseId + ".crt");
            Files.writeString(file, r.body());
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + httpPort + path);
    }

    private Response send(HttpRequest.Builder builder, String token) {
        if (token != null) {
            builder.header("Authorization", "Bearer " + token);
        }
        try {
            HttpResponse<String> r = http.send(builder.timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString());
            return new Response(r.statusCode(), r.headers().firstValue("Content-Type").orElse(""),
                    r.headers().firstValue("Location").orElse(null), r.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        try {
            if (context != null && context.isActive()) {
                context.close();
            }
        } finally {
            DataPlaneProcesses.stopAll(home);
            DataPlaneProcesses.deleteRecursively(home);
        }
    }

    static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** An HTTP response with its body. */
    public record Response(int status, String contentType, String location, String body) {
        public JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new UncheckedIOException("not JSON: " + body, e);
            }
        }

        public boolean isProblem() {
            return contentType.startsWith("application/problem+json");
        }
    }
}
