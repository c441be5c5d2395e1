package dev.pgfleet.provisioning;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * etcd's v3 JSON gateway (no gRPC client needed), as etcd's {@code root} user: the control plane's only way into
 * etcd, in both runtimes (locally the supervised etcd, on Kubernetes the namespace's shared one).
 *
 * <p>Root's token is fetched on first need and again whenever etcd refuses it: simple tokens expire after
 * {@code --auth-token-ttl} without use, a restarted etcd forgets them all, and a change to users or roles makes
 * etcd ask for a fresh one. While etcd's authentication is not enabled yet, requests go without a token.
 * All methods do I/O.
 */
public class EtcdClient {
    public static final String ROOT = "root";
    private static final Duration TIMEOUT = Duration.ofSeconds(5);
    /** What etcd answers when a request needs a (new) token; each is fixed by authenticating again. */
    private static final List<String> TOKEN_PROBLEMS = List.of("user name is empty", "invalid auth token",
            "revision of auth store is old");

    private final HttpClient http;
    private final ObjectMapper json;
    private final URI base;
    private final Supplier<String> rootPassword;
    private volatile String token;

    /**
     * @param base         e.g. {@code http://127.0.0.1:2379}
     * @param rootPassword read when a token is needed, so a password created after this client still counts
     */
    public EtcdClient(HttpClient http, ObjectMapper json, URI base, Supplier<String> rootPassword) {
        this.http = http;
        this.json = json;
        this.base = base;
        this.rootPassword = rootPassword;
    }

    /** An error etcd answered with (its gRPC message, e.g. "etcdserver: user name already exists"). */
    public static class EtcdException extends IOException {
        private final int status;
        private final String error;

        EtcdException(String path, int status, String error) {
            super("etcd " + path + " answered " + status + ": " + error);
            this.status = status;
            this.error = error;
        }

        public boolean says(String fragment) {
            return error.contains(fragment);
        }

        public int status() {
            return status;
        }

        boolean isTokenProblem() {
            return TOKEN_PROBLEMS.stream().anyMatch(this::says);
        }
    }

    public URI uri(String path) {
        return base.resolve(path);
    }

    /** POSTs {@code body} to a gateway path as root, authenticating (once) when etcd refuses the token. */
    public JsonNode call(String path, Object body) throws IOException, InterruptedException {
        try {
            return send(path, body, token);
        } catch (EtcdException e) {
            if (!e.isTokenProblem()) {
                throw e;
            }
            authenticate();
            return send(path, body, token);
        }
    }

    /**
     * Fetches a root token. Returns false, and sends no token from then on, while etcd's authentication is not
     * enabled; throws when etcd refuses root's password.
     */
    public synchronized boolean authenticate() throws IOException, InterruptedException {
        try {
            token = authenticate(ROOT, rootPassword.get());
            return true;
        } catch (EtcdException e) {
            if (e.says("authentication is not enabled")) {
                token = null;
                return false;
            }
            throw e;
        }
    }

    /** A token for any user (never kept); throws EtcdException when etcd refuses. */
    public String authenticate(String user, String password) throws IOException, InterruptedException {
        return send("/v3/auth/authenticate", Map.of("name", user, "password", password), null).path("token").asText();
    }

    /** Drops the token, so the next call authenticates again (after enabling authentication, for one). */
    public void forgetToken() {
        token = null;
    }

    /** The request with root's current token, for a streaming call (the watch) this class does not send itself. */
    public HttpRequest.Builder authorized(HttpRequest.Builder request) {
        String t = token;
        return t == null ? request : request.header("Authorization", t);
    }

    /** The value of one key, if it exists. */
    public Optional<String> get(String key) throws IOException, InterruptedException {
        JsonNode kvs = call("/v3/kv/range", Map.of("key", b64(key))).path("kvs");
        if (!kvs.isArray() || kvs.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(unb64(kvs.get(0).path("value").asText("")));
    }

    public void put(String key, String value) throws IOException, InterruptedException {
        call("/v3/kv/put", Map.of("key", b64(key), "value", b64(value)));
    }

    /** Deletes every key under a prefix. */
    public void deletePrefix(String prefix) throws IOException, InterruptedException {
        call("/v3/kv/deleterange", Map.of("key", b64(prefix), "range_end", b64(prefixEnd(prefix))));
    }

    /** One POST with the given token (or none); etcd's errors become EtcdException. */
    public JsonNode send(String path, Object body, String withToken) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri(path)).timeout(TIMEOUT)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json.writeValueAsString(body)));
        if (withToken != null) {
            request.header("Authorization", withToken);
        }
        HttpResponse<String> r = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new EtcdException(path, r.statusCode(), errorOf(r.body()));
        }
        return json.readTree(r.body());
    }

    private String errorOf(String body) {
        try {
            JsonNode node = json.readTree(body);
            String error = node.path("error").asText(node.path("message").asText(""));
            return error.isEmpty() ? body : error;
        } catch (IOException e) {
            return body;
        }
    }

    public static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    public static String unb64(String s) {
        return new String(Base64.getDecoder().decode(s), StandardCharsets.UTF_8);
    }

    /** The smallest key after every key with this prefix (etcd's range_end for a prefix). */
    public static String prefixEnd(String prefix) {
        char last = prefix.charAt(prefix.length() - 1);
        return prefix.substring(0, prefix.length() - 1) + (char) (last + 1);
    }
}
