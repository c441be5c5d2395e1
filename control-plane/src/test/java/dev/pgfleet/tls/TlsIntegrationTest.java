package dev.pgfleet.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pgfleet.system.SecretCipher;
import dev.pgfleet.testsupport.ControlPlane;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * TLS on every endpoint a client uses, against real Patroni, PostgreSQL and PgBouncer processes. The control plane
 * listens on every address and advertises a NON-loopback address of this machine, so connection strings, PgBouncer's
 * server connections and the replicas' streaming all cross a non-loopback address, where only TLS is let in. The
 * certificate is valid for 60 s and renewed 45 s before expiry, so every ~15 s a new one is issued and loaded while
 * connections stay open.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Tag("integration")
class TlsIntegrationTest {
    private ControlPlane cp;
    private String alice;
    private String id;
    private String address;
    private JsonNode credentials;
    private Path ca;

    @BeforeAll
    void createHaDatabase() throws Exception {
        address = nonLoopbackAddress().orElse(null);
        assumeTrue(address != null, "this machine has no non-loopback IPv4 address to prove that plaintext from one is refused");
        cp = ControlPlane.start(Map.of("pgfleet.local.listen-address", "0.0.0.0", "pgfleet.local.advertise-host", address,
                "pgfleet.tls.server-certificate-validity", "60s", "pgfleet.tls.renew-before", "45s"));
        alice = cp.createTenant("alice");
        id = cp.post("/api/v1/databases", alice, "{\"name\":\"vectors\",\"plan\":\"ha\"}").json().get("id").asText();
        cp.awaitDatabase(id, alice, Duration.ofSeconds(240), d -> "READY".equals(d.get("status").asText())
                && d.get("members").size() == 3);
        credentials = cp.get("/api/v1/databases/" + id + "/credentials", alice).json();
        ca = cp.downloadCaCertificate(id, alice);
    }

    @AfterAll
    void stop() {
        if (cp != null) {
            cp.close();
        }
    }

    @Test
    void connectionStringsAskForVerifyFullAndTheCaIsServedToItsTenantOnly() throws Exception {
        assertThat(credentials.get("poolerUri").asText()).startsWith("postgresql://vectors:").endsWith("/vectors?sslmode=verify-full")
                .contains("@" + address + ":");
        assertThat(credentials.get("directUri").asText()).endsWith("?target_session_attrs=read-write&sslmode=verify-full");
        JsonNode connection = cp.get("/api/v1/databases/" + id, alice).json().get("connection");
        assertThat(connection.get("sslMode").asText()).isEqualTo("verify-full");
        assertThat(connection.get("caCertificateUrl").asText()).isEqualTo("/api/v1/databases/" + id + "/ca.crt");

        ControlPlane.Response pem = cp.get("/api/v1/databases/" + id + "/ca.crt", alice);
        assertThat(pem.status()).isEqualTo(200);
        assertThat(pem.contentType()).startsWith("application/x-pem-file");
        assertThat(Pem.certificate(pem.body()).getBasicConstraints()).as("a CA certificate").isEqualTo(0);
        assertThat(pem.body()).doesNotContain("PRIVATE KEY");

        String bob = cp.createTenant("bob");
        assertThat(cp.get("/api/v1/databases/" + id + "/ca.crt", bob).status()).isEqualTo(404);
        assertThat(cp.get("/api/v1/databases/" + UUID.randomUUID() + "/ca.crt", alice).status()).isEqualTo(404);
        assertThat(cp.get("/api/v1/databases/" + id + "/ca.crt", null).status()).isEqualTo(401);
    }

    /** Through the pooler and straight to the leader, by the advertised (non-loopback) address: TLS, verified. */
    @Test
    void verifyFullWithTheDownloadedCaWorksThroughThePoolerAndDirect() throws Exception {
        try (Connection pooled = DriverManager.getConnection(poolerJdbc(address), verifyFull(ca))) {
            assertThat(query(pooled, "select ssl from pg_stat_ssl where pid = pg_backend_pid()"))
                    .as("PgBouncer's own connection to the member is TLS").isEqualTo("t");
            assertThat(query(pooled, "select 1")).isEqualTo("1");
        }
        try (Connection direct = DriverManager.getConnection(directJdbc(address), verifyFull(ca))) {
            assertThat(query(direct, "select ssl from pg_stat_ssl where pid = pg_backend_pid()")).isEqualTo("t");
            assertThat(query(direct, "select pg_is_in_recovery()")).isEqualTo("f");
        }
        // The read-only endpoint presents the same certificate, and its PgBouncer also speaks TLS to the members.
        assertThat(credentials.get("readOnlyUri").asText()).contains("@" + address + ":").endsWith("/vectors?sslmode=verify-full");
        try (Connection readOnly = DriverManager.getConnection(readOnlyJdbc(address), verifyFull(ca))) {
            assertThat(query(readOnly, "select ssl from pg_stat_ssl where pid = pg_backend_pid()"))
                    .as("the read-only PgBouncer's connection to a member is TLS").isEqualTo("t");
            assertThat(query(readOnly, "select current_setting('transaction_read_only')")).isEqualTo("on");
        }
    }

    @Test
    void aWrongCaOrAHostNameNotInTheCertificateIsRefused() throws Exception {
        Path otherCa = cp.home().resolve("other-ca.crt");
        Files.writeString(otherCa, Pem.of(CertificateAuthority.createCa("impostor", java.time.Instant.now(), Duration.ofDays(1)).certificate()));
        assertThatThrownBy(() -> DriverManager.getConnection(poolerJdbc(address), verifyFull(otherCa)).close())
                .isInstanceOf(SQLException.class).hasMessageContaining("SSL");
        assertThatThrownBy(() -> DriverManager.getConnection(directJdbc(address), verifyFull(otherCa)).close())
                .isInstanceOf(SQLException.class);
        // 127.0.0.2 reaches the same listeners (loopback, 0.0.0.0) but is not a name the certificate carries.
        assertThatThrownBy(() -> DriverManager.getConnection(poolerJdbc("127.0.0.2"), verifyFull(ca)).close())
                .isInstanceOf(SQLException.class).hasMessageContaining("127.0.0.2");
        assertThatThrownBy(() -> DriverManager.getConnection(directJdbc("127.0.0.2"), verifyFull(ca)).close())
                .isInstanceOf(SQLException.class);
    }

    /** The documented exception: plaintext from loopback. From any other address PgBouncer and members refuse it. */
    @Test
    void plaintextOnlyFromLoopback() throws Exception {
        try (Connection pooled = DriverManager.getConnection(poolerJdbc("127.0.0.1"), plaintext());
             Connection direct = DriverManager.getConnection(directJdbc("127.0.0.1"), plaintext())) {
            assertThat(query(pooled, "select 1")).isEqualTo("1");
            assertThat(query(direct, "select ssl from pg_stat_ssl where pid = pg_backend_pid()")).isEqualTo("f");
        }
        assertThatThrownBy(() -> DriverManager.getConnection(poolerJdbc(address), plaintext()).close())
                .isInstanceOf(SQLException.class).hasMessageContaining("no authentication method");
        assertThatThrownBy(() -> DriverManager.getConnection(readOnlyJdbc(address), plaintext()).close())
                .as("the read-only PgBouncer").isInstanceOf(SQLException.class).hasMessageContaining("no authentication method");
        for (JsonNode member : cp.get("/api/v1/databases/" + id, alice).json().get("members")) {
            String url = "jdbc:postgresql://" + address + ":" + member.get("port").asInt() + "/vectors";
            assertThatThrownBy(() -> DriverManager.getConnection(url, plaintext()).close())
                    .as(member.get("name").asText()).isInstanceOf(SQLException.class)
                    .hasMessageContaining("no encryption");
        }
    }

    /** Patroni's replicas stream from the leader over the non-loopback address: over TLS, as pg_hba demands there. */
    @Test
    void replicationBetweenMembersIsTls() throws Exception {
        JdbcTemplate metadata = cp.bean(JdbcTemplate.class);
        String superuserPassword = cp.bean(SecretCipher.class).decrypt(metadata.queryForObject(
                "select superuser_password_enc from databases where id = ?", String.class, UUID.fromString(id)));
        Properties su = new Properties();
        su.setProperty("user", "postgres");
        su.setProperty("password", superuserPassword);
        su.setProperty("sslmode", "verify-full");
        su.setProperty("sslrootcert", ca.toString());
        String hosts = memberHosts("127.0.0.1");
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://" + hosts + "/postgres?targetServerType=primary", su)) {
            assertThat(query(c, "select count(*) from pg_stat_replication r join pg_stat_ssl s on s.pid = r.pid"
                    + " where s.ssl and r.client_addr = '" + address + "'")).isEqualTo("2");
        }
    }

    /**
     * Renewal without dropping anything: one pooled and one direct connection stay open while both endpoints come to
     * present a new certificate (issued by the reconciler, loaded by RELOAD and Patroni's reload); both still run
     * queries afterwards, and new verify-full connections accept the new certificate.
     */
    @Test
    void certificatesAreRenewedWhileConnectionsStayOpen() throws Exception {
        try (Connection pooled = DriverManager.getConnection(poolerJdbc(address), verifyFull(ca));
             Connection direct = DriverManager.getConnection(directJdbc(address), verifyFull(ca));
             Connection readOnly = DriverManager.getConnection(readOnlyJdbc(address), verifyFull(ca))) {
            int readOnlyPort = URI.create(credentials.get("readOnlyUri").asText()).getPort();
            int leaderPort = Integer.parseInt(query(direct, "select setting from pg_settings where name = 'port'"));
            String caPem = Files.readString(ca);
            String poolerBefore = PresentedCertificate.fetchSerial(address, poolerPort(), caPem, Duration.ofSeconds(2)).orElseThrow();
            String leaderBefore = PresentedCertificate.fetchSerial(address, leaderPort, caPem, Duration.ofSeconds(2)).orElseThrow();
            String readOnlyBefore = PresentedCertificate.fetchSerial(address, readOnlyPort, caPem, Duration.ofSeconds(2)).orElseThrow();
            String before = query(pooled, "select 1");

            long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
            Optional<String> poolerNow = Optional.of(poolerBefore);
            Optional<String> leaderNow = Optional.of(leaderBefore);
            java.time.Instant poolerChangedAt = null;
            java.time.Instant leaderChangedAt = null;
            while ((poolerChangedAt == null || leaderChangedAt == null) && System.nanoTime() < deadline) {
                Thread.sleep(200);
                if (poolerChangedAt == null) {
                    poolerNow = PresentedCertificate.fetchSerial(address, poolerPort(), caPem, Duration.ofSeconds(2));
                    poolerChangedAt = poolerNow.isPresent() && !poolerNow.get().equals(poolerBefore) ? java.time.Instant.now() : null;
                }
                if (leaderChangedAt == null) {
                    leaderNow = PresentedCertificate.fetchSerial(address, leaderPort, caPem, Duration.ofSeconds(2));
                    leaderChangedAt = leaderNow.isPresent() && !leaderNow.get().equals(leaderBefore) ? java.time.Instant.now() : null;
                }
            }
            assertThat(poolerChangedAt).as("the pooler presents a renewed certificate").isNotNull();
            assertThat(leaderChangedAt).as("the leader presents a renewed certificate").isNotNull();
            Map<String, java.time.Instant> issued = issuedAt();
            assertThat(issued).as("serials the reconciler reported issuing").containsKeys(poolerNow.get(), leaderNow.get());
            // What docs/security.md reports: from the CertificateIssued event to the endpoint presenting it (200 ms sampling).
            System.out.printf("TLS renewal: the pooler presented %s %d ms and the leader %s %d ms after it was issued%n",
                    poolerNow.get(), Duration.between(issued.get(poolerNow.get()), poolerChangedAt).toMillis(),
                    leaderNow.get(), Duration.between(issued.get(leaderNow.get()), leaderChangedAt).toMillis());

            // The read-only PgBouncer is reloaded too (not restarted): it comes to present a renewed certificate.
            Optional<String> readOnlyNow = Optional.of(readOnlyBefore);
            while (readOnlyNow.equals(Optional.of(readOnlyBefore)) && System.nanoTime() < deadline + Duration.ofSeconds(30).toNanos()) {
                Thread.sleep(200);
                readOnlyNow = PresentedCertificate.fetchSerial(address, readOnlyPort, caPem, Duration.ofSeconds(2));
            }
            assertThat(readOnlyNow).as("the read-only pooler presents a renewed certificate").isPresent()
                    .get().isNotEqualTo(readOnlyBefore);
            assertThat(issuedAt()).containsKey(readOnlyNow.get());

            // The connections opened under the old certificate are still there and still work.
            assertThat(query(pooled, "select 1")).isEqualTo(before);
            assertThat(query(readOnly, "select 1")).as("the held read-only connection").isEqualTo("1");
            assertThat(query(direct, "select count(*) from pg_stat_ssl where pid = pg_backend_pid() and ssl")).isEqualTo("1");
            // New ones verify the new certificate against the same CA.
            try (Connection fresh = DriverManager.getConnection(poolerJdbc(address), verifyFull(ca));
                 Connection freshDirect = DriverManager.getConnection(directJdbc(address), verifyFull(ca))) {
                assertThat(query(fresh, "select 1")).isEqualTo("1");
                assertThat(query(freshDirect, "select 1")).isEqualTo("1");
            }
        }
    }

    /** The serials named by CertificateIssued events, with when each was issued. */
    private Map<String, java.time.Instant> issuedAt() {
        Map<String, java.time.Instant> serials = new java.util.HashMap<>();
        for (JsonNode event : cp.get("/api/v1/databases/" + id, alice).json().get("events")) {
            if (event.get("reason").asText().equals("CertificateIssued")) {
                serials.put(event.get("message").asText().replaceAll(".*serial ([0-9a-f]+).*", "$1"),
                        java.time.Instant.parse(event.get("at").asText()));
            }
        }
        return serials;
    }

    /**
     * The read-only endpoint's HAProxy listens on loopback only: from the advertised address nobody can use it as a
     * relay to the members (they trust the address it would connect from) past the read-only PgBouncer.
     */
    @Test
    void theReadOnlyProxyIsNotReachableFromTheNetwork() throws Exception {
        String config = Files.readString(cp.home().resolve("databases").resolve(id).resolve("read-only").resolve("haproxy.cfg"));
        java.util.regex.Matcher bind = java.util.regex.Pattern.compile("bind 127\\.0\\.0\\.1:(\\d+)").matcher(config);
        assertThat(bind.find()).as("HAProxy binds loopback: " + config).isTrue();
        int proxyPort = Integer.parseInt(bind.group(1));
        try (java.net.Socket s = new java.net.Socket()) {
            s.connect(new java.net.InetSocketAddress("127.0.0.1", proxyPort), 2000);
        }
        assertThatThrownBy(() -> {
            try (java.net.Socket s = new java.net.Socket()) {
                s.connect(new java.net.InetSocketAddress(address, proxyPort), 2000);
            }
        }).as("HAProxy from " + address).isInstanceOf(java.io.IOException.class);
    }

    private String readOnlyJdbc(String host) {
        return "jdbc:postgresql://" + host + ":" + URI.create(credentials.get("readOnlyUri").asText()).getPort() + "/vectors";
    }

    private int poolerPort() {
        return URI.create(credentials.get("poolerUri").asText()).getPort();
    }

    private String poolerJdbc(String host) {
        return "jdbc:postgresql://" + host + ":" + poolerPort() + "/vectors";
    }

    private String directJdbc(String host) {
        return "jdbc:postgresql://" + memberHosts(host) + "/vectors?targetServerType=primary";
    }

    private String memberHosts(String host) {
        List<String> hosts = new ArrayList<>();
        for (JsonNode member : cp.get("/api/v1/databases/" + id, alice).json().get("members")) {
            hosts.add(host + ":" + member.get("port").asInt());
        }
        return String.join(",", hosts);
    }

    private Properties verifyFull(Path caFile) {
        Properties p = plaintext();
        p.setProperty("sslmode", "verify-full");
        p.setProperty("sslrootcert", caFile.toString());
        return p;
    }

    private Properties plaintext() {
        Properties p = new Properties();
        p.setProperty("user", credentials.get("username").asText());
        p.setProperty("password", credentials.get("password").asText());
        p.setProperty("sslmode", "disable");
        return p;
    }

    private static String query(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }

    private static Optional<String> nonLoopbackAddress() throws Exception {
        for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
            if (!nic.isUp() || nic.isLoopback()) {
                continue;
            }
            for (InetAddress a : Collections.list(nic.getInetAddresses())) {
                if (a instanceof Inet4Address && !a.isLoopbackAddress() && !a.isLinkLocalAddress()) {
                    return Optional.of(a.getHostAddress());
                }
            }
        }
        return Optional.empty();
    }
}
