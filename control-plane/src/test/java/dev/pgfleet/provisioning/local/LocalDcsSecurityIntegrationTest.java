package dev.pgfleet.provisioning.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pgfleet.blueprint.Dcs;
import dev.pgfleet.provisioning.EtcdAccess;
import dev.pgfleet.provisioning.EtcdClient;
import dev.pgfleet.testsupport.ControlPlane;
import dev.pgfleet.testsupport.Polling;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.springframework.jdbc.core.JdbcTemplate;
import org.yaml.snakeyaml.Yaml;

/**
 * The local data plane's doors, attacked from outside with real clients: etcd (authentication, one user per scope),
 * Patroni's REST API (password and allowlist on every state-changing endpoint) and pg_hba (superuser only from the
 * trusted addresses). Then the adoption of databases that ran before any of this: a database without a stored DCS
 * password, and an installation whose etcd ran without authentication.
 *
 * <p>"Another address" is 127.0.0.2: Linux routes all of 127/8 to loopback, so a client socket bound there reaches
 * the members on 127.0.0.1 from an address outside the trusted ones.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Tag("integration")
class LocalDcsSecurityIntegrationTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String UNTRUSTED = "127.0.0.2";
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private ControlPlane cp;
    private String token;
    private String shop;
    private String blog;

    @BeforeAll
    void createTwoDatabases() throws Exception {
        cp = ControlPlane.start();
        token = cp.createTenant("doors");
        shop = create("shop");
        blog = create("blog");
        cp.awaitStatus(shop, token, "READY", Duration.ofSeconds(180));
        cp.awaitStatus(blog, token, "READY", Duration.ofSeconds(180));
    }

    @AfterAll
    void stop() {
        if (cp != null) {
            cp.close();
        }
    }

    @Test
    @Order(1)
    void etcdRefusesAnyoneWithoutCredentialsAndEachDatabaseReachesOnlyItsOwnScope() throws Exception {
        String shopLeader = "/pgfleet/" + shop + "/leader";
        awaitTrue("etcd requires authentication", Duration.ofSeconds(30), () -> etcdAnonymous(shopLeader).contains("user name is empty"));

        Map<String, Object> shopEtcd = etcd3(shop);
        Map<String, Object> blogEtcd = etcd3(blog);
        assertThat(shopEtcd).containsEntry("username", Dcs.scopeUser(shop));
        assertThat(shopEtcd.get("password")).isNotEqualTo(blogEtcd.get("password"));
        EtcdClient etcd = rootClient();
        String shopToken = etcd.authenticate((String) shopEtcd.get("username"), (String) shopEtcd.get("password"));
        String blogToken = etcd.authenticate((String) blogEtcd.get("username"), (String) blogEtcd.get("password"));

        assertThat(etcd.send("/v3/kv/range", Map.of("key", EtcdClient.b64(shopLeader)), shopToken).path("kvs").get(0)
                .path("value").asText()).isEqualTo(EtcdClient.b64("shop-0"));
        assertThatThrownBy(() -> etcd.send("/v3/kv/range", Map.of("key", EtcdClient.b64(shopLeader)), blogToken))
                .hasMessageContaining("permission denied");
        assertThatThrownBy(() -> etcd.send("/v3/kv/put", Map.of("key", EtcdClient.b64(shopLeader), "value", EtcdClient.b64("blog-0")),
                blogToken)).hasMessageContaining("permission denied");
        assertThatThrownBy(() -> etcd.send("/v3/kv/deleterange", Map.of("key", EtcdClient.b64(shopLeader)), blogToken))
                .hasMessageContaining("permission denied");
        assertThat(etcd.get(shopLeader)).contains("shop-0");

        // The root password is the control plane's alone.
        Path rootPassword = cp.home().resolve("etcd-root.password");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(rootPassword))).isEqualTo("rw-------");
        assertThat(Files.getOwner(rootPassword).getName()).isEqualTo(System.getProperty("user.name"));
    }

    @Test
    @Order(2)
    void patroniRefusesStateChangesWithoutThePasswordOrFromAnotherAddress() throws Exception {
        int restPort = port(shop, "restapi");
        String password = (String) ((Map<?, ?>) ((Map<?, ?>) patroniYml(shop).get("restapi")).get("authentication")).get("password");
        String basic = "Basic " + Base64.getEncoder().encodeToString(("pgfleet:" + password).getBytes(StandardCharsets.UTF_8));
        List<String[]> unsafe = List.of(new String[] {"POST", "/restart"}, new String[] {"POST", "/reload"},
                new String[] {"POST", "/switchover"}, new String[] {"POST", "/failover"}, new String[] {"PATCH", "/config"},
                new String[] {"PUT", "/config"}, new String[] {"DELETE", "/switchover"}, new String[] {"DELETE", "/restart"},
                new String[] {"POST", "/reinitialize"});
        for (String[] call : unsafe) {
            assertThat(rawHttp("127.0.0.1", restPort, call[0], call[1], null)).as("%s %s without a password", call[0], call[1])
                    .isEqualTo(401);
            assertThat(rawHttp(UNTRUSTED, restPort, call[0], call[1], basic)).as("%s %s from %s", call[0], call[1], UNTRUSTED)
                    .isEqualTo(403);
        }
        // The same password from a trusted address works (the refusals above are not a broken API), and reads stay open.
        assertThat(rawHttp("127.0.0.1", restPort, "POST", "/reload", basic)).isBetween(200, 299);
        assertThat(rawHttp(UNTRUSTED, restPort, "GET", "/cluster", null)).isEqualTo(200);
        assertThat(cp.get("/api/v1/databases/" + shop, token).json().get("status").asText()).isEqualTo("READY");
    }

    @Test
    @Order(3)
    void superuserOnlyFromTrustedAddressesTheOwnerOnlyIntoItsDatabase() throws Exception {
        int pgPort = port(shop, "postgresql");
        String superPassword = (String) ((Map<?, ?>) ((Map<?, ?>) ((Map<?, ?>) patroniYml(shop).get("postgresql"))
                .get("authentication")).get("superuser")).get("password");
        JsonNode owner = cp.get("/api/v1/databases/" + shop + "/credentials", token).json();
        String ownerName = owner.get("username").asText();
        String ownerPassword = owner.get("password").asText();

        assertThat(query(pgPort, "postgres", "postgres", superPassword, null)).isEqualTo(1);
        assertThatThrownBy(() -> query(pgPort, "postgres", "postgres", superPassword, UNTRUSTED))
                .isInstanceOf(SQLException.class).hasMessageContaining("rejects connection");
        assertThatThrownBy(() -> query(pgPort, "shop", "postgres", superPassword, UNTRUSTED))
                .isInstanceOf(SQLException.class).hasMessageContaining("rejects connection");
        assertThatThrownBy(() -> query(pgPort, "postgres", ownerName, ownerPassword, UNTRUSTED))
                .isInstanceOf(SQLException.class).hasMessageContaining("rejects connection");
        assertThat(query(pgPort, "shop", ownerName, ownerPassword, UNTRUSTED)).isEqualTo(1);
    }

    @Test
    @Order(4)
    void aDatabaseWithoutAStoredDcsPasswordGetsOneOnItsNextPassAndKeepsItsLeader() throws Exception {
        String before = (String) etcd3(shop).get("password");
        cp.bean(JdbcTemplate.class).update("update databases set dcs_password_enc = null where id = cast(? as uuid)", shop);
        awaitTrue("a new DCS password in patroni.yml", Duration.ofSeconds(60), () -> !before.equals(etcd3(shop).get("password")));
        String after = (String) etcd3(shop).get("password");
        assertThat(cp.bean(JdbcTemplate.class).queryForObject("select dcs_password_enc from databases where id = cast(? as uuid)",
                String.class, shop)).isNotNull();
        assertThat(rootClient().authenticate(Dcs.scopeUser(shop), after)).isNotBlank();
        assertThatThrownBy(() -> rootClient().authenticate(Dcs.scopeUser(shop), before)).hasMessageContaining("authentication failed");
        awaitPatroniTalksToEtcd(shop);
    }

    @Test
    @Order(5)
    void anInstallationWhoseEtcdRanWithoutAuthenticationIsAdopted() throws Exception {
        cp.stopApplication();
        // What an installation from before this change looks like: etcd open, no scope users, patroni.yml without
        // etcd credentials (and each member running with that file).
        EtcdClient root = rootClient();
        root.call("/v3/auth/disable", Map.of());
        root.forgetToken();
        EtcdAccess access = new EtcdAccess(root);
        for (String id : List.of(shop, blog)) {
            access.removeScope(id);
            Path file = memberDir(id).resolve("patroni.yml");
            String withoutCredentials = Files.readAllLines(file).stream()
                    .filter(line -> !line.startsWith("  username: patroni-") && !(line.startsWith("  password: ") && isInEtcd3(file, line)))
                    .reduce("", (a, b) -> a + b + "\n");
            Files.writeString(file, withoutCredentials);
            assertThat(etcd3(id)).doesNotContainKeys("username", "password");
            reloadPatroni(id);
        }
        assertThat(etcdAnonymous("/pgfleet/" + shop + "/leader")).contains(EtcdClient.b64("shop-0"));

        cp.startApplication();
        awaitTrue("etcd requires authentication again", Duration.ofSeconds(90),
                () -> etcdAnonymous("/pgfleet/" + shop + "/leader").contains("user name is empty"));
        for (String id : List.of(shop, blog)) {
            assertThat(access.userExists(Dcs.scopeUser(id))).isTrue();
            assertThat(etcd3(id)).containsEntry("username", Dcs.scopeUser(id));
            awaitPatroniTalksToEtcd(id);
            assertThat(cp.awaitStatus(id, token, "READY", Duration.ofSeconds(60)).get("status").asText()).isEqualTo("READY");
        }
    }

    @Test
    @Order(6)
    void deletingADatabaseRemovesItsEtcdUserAndKeys() throws Exception {
        assertThat(cp.delete("/api/v1/databases/" + blog, token).status()).isEqualTo(202);
        EtcdAccess access = new EtcdAccess(rootClient());
        awaitTrue("blog's etcd user is gone", Duration.ofSeconds(120), () -> {
            try {
                return !access.userExists(Dcs.scopeUser(blog));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        assertThat(rootClient().get("/pgfleet/" + blog + "/leader")).isEmpty();
        assertThat(access.userExists(Dcs.scopeUser(shop))).isTrue();
    }

    // ---- helpers -------------------------------------------------------------------------------------

    private String create(String name) {
        ControlPlane.Response r = cp.post("/api/v1/databases", token, "{\"name\":\"" + name + "\",\"plan\":\"dev\"}");
        assertThat(r.status()).as(r.body()).isEqualTo(202);
        return r.json().get("id").asText();
    }

    private Path memberDir(String id) {
        return cp.home().resolve("databases").resolve(id).resolve("members").resolve("0");
    }

    private Map<String, Object> patroniYml(String id) {
        try {
            return new Yaml().load(Files.readString(memberDir(id).resolve("patroni.yml")));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> etcd3(String id) {
        return (Map<String, Object>) patroniYml(id).get("etcd3");
    }

    private static boolean isInEtcd3(Path file, String line) {
        try {
            List<String> lines = Files.readAllLines(file);
            int at = lines.indexOf(line);
            for (int i = at; i >= 0; i--) {
                if (!lines.get(i).startsWith(" ")) {
                    return lines.get(i).equals("etcd3:");
                }
            }
            return false;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private int port(String id, String section) {
        String listen = (String) ((Map<?, ?>) patroniYml(id).get(section)).get("listen");
        return Integer.parseInt(listen.substring(listen.lastIndexOf(':') + 1));
    }

    private URI etcdUri(String path) {
        List<?> hosts = (List<?>) etcd3(shop).get("hosts");
        return URI.create("http://" + hosts.get(0) + path);
    }

    private EtcdClient rootClient() throws IOException {
        String password = Files.readString(cp.home().resolve("etcd-root.password")).strip();
        return new EtcdClient(http, JSON, etcdUri("/"), () -> password);
    }

    private String etcdAnonymous(String key) {
        try {
            return http.send(HttpRequest.newBuilder(etcdUri("/v3/kv/range"))
                    .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(Map.of("key", EtcdClient.b64(key))))).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
        } catch (IOException e) {
            return e.toString();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private void reloadPatroni(String id) throws IOException {
        String password = (String) ((Map<?, ?>) ((Map<?, ?>) patroniYml(id).get("restapi")).get("authentication")).get("password");
        String basic = "Basic " + Base64.getEncoder().encodeToString(("pgfleet:" + password).getBytes(StandardCharsets.UTF_8));
        assertThat(rawHttp("127.0.0.1", port(id, "restapi"), "POST", "/reload", basic)).isBetween(200, 299);
    }

    /** Patroni reached the DCS within the last few seconds and still leads (it would demote itself otherwise). */
    private void awaitPatroniTalksToEtcd(String id) throws Exception {
        int restPort = port(id, "restapi");
        Thread.sleep(EtcdAuthGate.AFTER_RELOAD.toMillis() + 1000);
        awaitTrue(id + "'s Patroni reaches etcd", Duration.ofSeconds(30), () -> {
            try {
                JsonNode patroni = JSON.readTree(http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + restPort + "/patroni"))
                        .build(), HttpResponse.BodyHandlers.ofString()).body());
                long lastSeen = patroni.path("dcs_last_seen").asLong(0);
                return "master".equals(patroni.path("role").asText()) && System.currentTimeMillis() / 1000 - lastSeen <= 3;
            } catch (IOException e) {
                return false;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        });
    }

    /** One request on a socket bound to {@code fromAddress}; returns the HTTP status. */
    private static int rawHttp(String fromAddress, int port, String method, String path, String authorization) throws IOException {
        try (Socket socket = new Socket()) {
            socket.bind(new InetSocketAddress(fromAddress, 0));
            socket.connect(new InetSocketAddress("127.0.0.1", port), 2000);
            socket.setSoTimeout(10_000);
            String body = method.equals("GET") || method.equals("DELETE") ? "" : "{}";
            StringBuilder request = new StringBuilder(method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\n");
            if (authorization != null) {
                request.append("Authorization: ").append(authorization).append("\r\n");
            }
            request.append("Content-Type: application/json\r\nContent-Length: ").append(body.length())
                    .append("\r\nConnection: close\r\n\r\n").append(body);
            OutputStream out = socket.getOutputStream();
            out.write(request.toString().getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            StringBuilder status = new StringBuilder();
            int c;
            while ((c = in.read()) != -1 && c != '\n') {
                status.append((char) c);
            }
            String[] parts = status.toString().split(" ");
            return Integer.parseInt(parts[1]);
        }
    }

    private static int query(int port, String database, String user, String password, String fromAddress) throws SQLException {
        Properties props = new Properties();
        props.setProperty("user", user);
        props.setProperty("password", password);
        props.setProperty("connectTimeout", "5");
        if (fromAddress != null) {
            props.setProperty("localSocketAddress", fromAddress);
        }
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/" + database, props);
             ResultSet rs = c.createStatement().executeQuery("select 1")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    private static void awaitTrue(String what, Duration timeout, BooleanSupplier condition) {
        Polling.until(what, timeout, Duration.ofMillis(250), condition);
    }
}
