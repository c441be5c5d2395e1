package dev.pgfleet.provisioning;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pgfleet.blueprint.Dcs;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * etcd's authentication as pgfleet sets it up, against a real etcd on loopback: root is the control plane, each
 * scope's user may touch only its own prefix, nobody without a token touches anything, and root's client survives
 * expired tokens and an etcd restart.
 */
@Tag("integration")
class EtcdAccessIntegrationTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Dcs DCS = new Dcs(List.of("127.0.0.1:0"), "/pgfleet/");
    private static final String ROOT_PASSWORD = "RootPassword0123456789";

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private TestEtcd server;
    private EtcdClient root;
    private EtcdAccess access;

    @BeforeEach
    void startEtcdWithDefaults() throws Exception {
        startEtcd();
    }

    /** etcd with {@code options}; a fresh root client and access on it. */
    private void startEtcd(String... options) throws Exception {
        server = TestEtcd.start(options);
        root = new EtcdClient(http, JSON, server.uri(), () -> ROOT_PASSWORD);
        access = new EtcdAccess(root);
    }

    @AfterEach
    void stopEtcd() throws Exception {
        server.close();
    }

    @Test
    void withAuthenticationOnNoTokenMeansNoKeysAndEachScopeReachesOnlyItsOwn() throws Exception {
        access.ensureRoot(ROOT_PASSWORD);
        access.ensureScope(DCS, "shop", "shop-password");
        access.ensureScope(DCS, "blog", "blog-password");
        access.enableAuthentication();
        root.put("/pgfleet/shop/leader", "shop-0");
        root.put("/pgfleet/blog/leader", "blog-0");

        // Without a token: neither read nor write, not even a range over everything.
        assertThat(anonymous("/v3/kv/range", Map.of("key", EtcdClient.b64("/pgfleet/shop/leader"))))
                .satisfies(r -> assertThat(r.statusCode()).isNotEqualTo(200)).extracting(HttpResponse::body).asString()
                .contains("user name is empty");
        assertThat(anonymous("/v3/kv/put", Map.of("key", EtcdClient.b64("/pgfleet/shop/leader"), "value", EtcdClient.b64("evil")))
                .statusCode()).isNotEqualTo(200);
        assertThat(anonymous("/v3/kv/range", Map.of("key", EtcdClient.b64("\0"), "range_end", EtcdClient.b64("\0"))).statusCode())
                .isNotEqualTo(200);

        // blog's user: its own keys yes, shop's keys no (read, write, delete, or a range spanning both).
        String blog = root.authenticate(Dcs.scopeUser("blog"), "blog-password");
        assertThat(as(blog, "/v3/kv/range", Map.of("key", EtcdClient.b64("/pgfleet/blog/leader"))).body()).contains(EtcdClient.b64("blog-0"));
        assertThat(as(blog, "/v3/kv/put", Map.of("key", EtcdClient.b64("/pgfleet/blog/x"), "value", EtcdClient.b64("1"))).statusCode())
                .isEqualTo(200);
        assertThat(as(blog, "/v3/kv/range", Map.of("key", EtcdClient.b64("/pgfleet/shop/leader"))).body()).contains("permission denied");
        assertThat(as(blog, "/v3/kv/put", Map.of("key", EtcdClient.b64("/pgfleet/shop/leader"), "value", EtcdClient.b64("blog-0"))).body())
                .contains("permission denied");
        assertThat(as(blog, "/v3/kv/deleterange", Map.of("key", EtcdClient.b64("/pgfleet/shop/leader"))).body())
                .contains("permission denied");
        assertThat(as(blog, "/v3/kv/range", Map.of("key", EtcdClient.b64("/pgfleet/"),
                "range_end", EtcdClient.b64(EtcdClient.prefixEnd("/pgfleet/")))).body()).contains("permission denied");
        // Nor can it administer etcd: no users, no roles, no switching authentication off.
        assertThat(as(blog, "/v3/auth/role/grant", Map.of("name", Dcs.scopeUser("blog"), "perm", Map.of("permType", "READWRITE",
                "key", EtcdClient.b64("/pgfleet/shop/"), "range_end", EtcdClient.b64("/pgfleet/shop0")))).body()).contains("permission denied");
        assertThat(as(blog, "/v3/auth/disable", Map.of()).body()).contains("permission denied");

        // A wrong password gets no token at all.
        assertThatThrownBy(() -> root.authenticate(Dcs.scopeUser("shop"), "blog-password"))
                .isInstanceOf(EtcdClient.EtcdException.class).hasMessageContaining("authentication failed");
        assertThat(root.get("/pgfleet/shop/leader")).contains("shop-0");
    }

    @Test
    void everyStepIsIdempotentAndAChangedPasswordIsSetAgain() throws Exception {
        for (int i = 0; i < 2; i++) {
            access.ensureRoot(ROOT_PASSWORD);
            access.ensureScope(DCS, "shop", "first-password");
            access.enableAuthentication();
        }
        assertThat(access.authenticationEnabled()).isTrue();
        // A fresh EtcdAccess (a restarted control plane) with a new password for the scope.
        EtcdAccess restarted = new EtcdAccess(root);
        restarted.ensureRoot(ROOT_PASSWORD);
        restarted.ensureScope(DCS, "shop", "second-password");
        assertThatThrownBy(() -> root.authenticate(Dcs.scopeUser("shop"), "first-password")).hasMessageContaining("authentication failed");
        assertThat(root.authenticate(Dcs.scopeUser("shop"), "second-password")).isNotBlank();

        restarted.removeScope("shop");
        restarted.removeScope("shop");
        assertThat(restarted.userExists(Dcs.scopeUser("shop"))).isFalse();
        assertThatThrownBy(() -> root.authenticate(Dcs.scopeUser("shop"), "second-password")).hasMessageContaining("authentication failed");
    }

    @Test
    void aWrongRootPasswordIsAClearErrorAndChangesNothing() throws Exception {
        access.ensureRoot(ROOT_PASSWORD);
        access.enableAuthentication();
        EtcdAccess impostor = new EtcdAccess(new EtcdClient(http, JSON, server.uri(), () -> "not-the-password"));
        assertThatThrownBy(() -> impostor.ensureRoot("not-the-password")).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("refuses the control plane's root password");
        assertThat(access.authenticationEnabled()).isTrue();
    }

    @Test
    void rootsClientAuthenticatesAgainAfterItsTokenExpiredAndAfterEtcdRestarted() throws Exception {
        // Tokens live one second here, so the test can outlive one (only here: elsewhere a pause on a loaded machine
        // would expire a token between two steps and change what etcd answers).
        server.close();
        startEtcd("--auth-token-ttl", "1");
        access.ensureRoot(ROOT_PASSWORD);
        access.enableAuthentication();
        root.put("/pgfleet/shop/leader", "shop-0");
        // The test's etcd runs with --auth-token-ttl=1: the token is gone two seconds later.
        Thread.sleep(2500);
        assertThat(root.get("/pgfleet/shop/leader")).contains("shop-0");

        server.restart();
        assertThat(root.get("/pgfleet/shop/leader")).contains("shop-0");
        assertThat(root.get("/pgfleet/shop/missing")).isEqualTo(Optional.empty());
    }

    @Test
    void healthAnswersWithoutCredentialsWhileAuthenticationIsOn() throws Exception {
        access.ensureRoot(ROOT_PASSWORD);
        access.enableAuthentication();
        HttpResponse<String> health = http.send(HttpRequest.newBuilder(server.uri().resolve("/health")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(health.body()).contains("true");
    }

    private HttpResponse<String> anonymous(String path, Object body) throws IOException, InterruptedException {
        return as(null, path, body);
    }

    private HttpResponse<String> as(String token, String path, Object body) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(server.uri().resolve(path))
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
        if (token != null) {
            request.header("Authorization", token);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
