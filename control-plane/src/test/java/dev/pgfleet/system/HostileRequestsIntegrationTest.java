package dev.pgfleet.system;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pgfleet.testsupport.ControlPlane;
import dev.pgfleet.testsupport.RawHttp;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.CookieManager;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.core.MethodParameter;
import org.springframework.web.bind.annotation.ModelAttribute;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMethod;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.servlet.handler.AbstractUrlHandlerMapping;
import org.springframework.web.servlet.mvc.method.RequestMappingInfo;
import org.springframework.web.servlet.mvc.method.RequestMappingInfoHandlerMapping;

/**
 * Generated attack: asks the running control plane for every route it maps (all of Spring MVC's handler mappings:
 * controllers, actuator, API docs, static resources, plus the sign-in and sign-out that Spring Security serves),
 * then throws a battery of malformed requests at each — bad ids in every path variable, bodies that are not JSON
 * or are JSON of the wrong shape, numbers out of range, deep nesting, oversized and chunked bodies, multipart with
 * and without a boundary, unparseable and unsupported Content-Type and Accept headers, wrong methods, bad query
 * parameters, forms of junk, a missing CSRF token — as an API tenant, the admin's API token, a signed-in tenant
 * user, the signed-in admin, and anonymously, over real HTTP.
 *
 * <p>No answer may be a 5xx. Every 4xx must be problem+json, except that a dashboard route may answer a page
 * that carries the message (the error page, or the form with an inline error), as the UI principle says.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Tag("integration")
class HostileRequestsIntegrationTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern CSRF = Pattern.compile("<meta name=\"csrf-token\" content=\"([^\"]+)\"");
    private static final Pattern PASSWORD = Pattern.compile("data-testid=\"created-password\">([^<]+)<");
    private static final Pattern TOKEN = Pattern.compile("id=\"created-token\">([^<]+)<");
    private static final List<String> METHODS = List.of("GET", "POST", "PUT", "DELETE", "PATCH");
    private static final int OVERSIZED = 1024 * 1024 + 4096;

    private ControlPlane cp;
    private String databaseId;
    private final List<Identity> identities = new ArrayList<>();

    /** Who sends: an API token, a dashboard session (cookie jar and CSRF token), or nobody. */
    record Identity(String name, HttpClient http, String bearer, String csrf) {
    }

    /** One path pattern as the application maps it, with its methods and whether each one's handler reads input. */
    record Route(String pattern, Map<String, Boolean> readsInput) {
        boolean api() {
            return pattern.startsWith("/api/");
        }
    }

    record Probe(String what, HttpRequest request) {
    }

    @BeforeAll
    void start() throws Exception {
        cp = ControlPlane.start();
        String adminPassword = Files.readString(cp.home().resolve("admin-password")).strip();
        Identity admin = signedIn("dashboard admin", "admin", adminPassword);
        String created = send(admin.http(), form(admin, "/admin/tenants", "name=alice")).body();
        String alicePassword = group(PASSWORD, created);
        String aliceToken = group(TOKEN, created);
        databaseId = cp.post("/api/v1/databases", aliceToken, "{\"name\":\"fixture\",\"plan\":\"dev\"}").json().get("id").asText();
        identities.add(new Identity("api tenant", client(), aliceToken, null));
        identities.add(new Identity("api admin", client(), cp.adminToken(), null));
        identities.add(signedIn("dashboard tenant", "alice", alicePassword));
        identities.add(admin);
        identities.add(new Identity("anonymous", client(), null, null));
    }

    @AfterAll
    void stop() {
        if (cp != null) {
            cp.close();
        }
    }

    @Test
    void noMalformedRequestOnAnyRouteGetsA5xxAndEvery4xxSaysWhatIsWrong() throws Exception {
        List<Route> routes = routes();
        assertThat(routes).as("the routes come from the running application").hasSizeGreaterThan(40)
                .anyMatch(r -> r.pattern().equals("/api/v1/databases/{databaseId}/backups"))
                .anyMatch(r -> r.pattern().equals("/databases/{id}/backup-policy"));

        Map<String, Integer> byStatus = new TreeMap<>();
        List<String> failures = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger sent = new AtomicInteger();
        long started = System.nanoTime();
        ExecutorService pool = Executors.newFixedThreadPool(3);
        for (Identity who : identities) {
            for (Route route : routes) {
                pool.submit(() -> {
                    for (Probe probe : probes(route, who)) {
                        String outcome = check(route, who, probe);
                        sent.incrementAndGet();
                        synchronized (byStatus) {
                            byStatus.merge(outcome.substring(0, 3), 1, Integer::sum);
                        }
                        if (outcome.length() > 3) {
                            failures.add(who.name() + " " + probe.request().method() + " " + probe.request().uri().getRawPath()
                                    + (probe.request().uri().getRawQuery() == null ? "" : "?" + probe.request().uri().getRawQuery())
                                    + " [" + probe.what() + "] -> " + outcome);
                        }
                    }
                    return null;
                });
            }
        }
        pool.shutdown();
        assertThat(pool.awaitTermination(15, TimeUnit.MINUTES)).isTrue();
        double seconds = (System.nanoTime() - started) / 1e9;
        System.out.printf("HostileRequestsIntegrationTest: %d routes, %d identities, %d requests in %.1f s; answers by status: %s%n",
                routes.size(), identities.size(), sent.get(), seconds, byStatus);
        assertThat(failures).as(failures.size() + " of " + sent.get() + " answers were wrong; the first ones:\n"
                + String.join("\n", failures.subList(0, Math.min(60, failures.size())))).isEmpty();
        assertThat(sent.get()).isGreaterThan(5000);
        // Nothing the battery sent changed the fixture: the database is still there, not being deleted.
        assertThat(cp.get("/api/v1/databases/" + databaseId, identities.get(0).bearer()).json().get("status").asText())
                .isNotEqualTo("DELETING");
    }

    /** The routes, asked of the application itself: every request-mapping handler mapping, and the URL-pattern ones. */
    private List<Route> routes() {
        Map<String, Map<String, Boolean>> routes = new TreeMap<>();
        for (RequestMappingInfoHandlerMapping mapping : cp.beans(RequestMappingInfoHandlerMapping.class).values()) {
            for (Map.Entry<RequestMappingInfo, HandlerMethod> e : mapping.getHandlerMethods().entrySet()) {
                boolean readsInput = false;
                for (MethodParameter p : e.getValue().getMethodParameters()) {
                    readsInput |= p.hasParameterAnnotation(RequestBody.class) || p.hasParameterAnnotation(RequestParam.class)
                            || p.hasParameterAnnotation(ModelAttribute.class);
                }
                Set<RequestMethod> mapped = e.getKey().getMethodsCondition().getMethods();
                List<String> methods = mapped.isEmpty() ? List.of("GET", "POST") : mapped.stream().map(Enum::name).toList();
                for (String pattern : e.getKey().getPatternValues()) {
                    for (String method : methods) {
                        routes.computeIfAbsent(pattern, k -> new TreeMap<>()).merge(method, readsInput, Boolean::logicalOr);
                    }
                }
            }
        }
        for (AbstractUrlHandlerMapping mapping : cp.beans(AbstractUrlHandlerMapping.class).values()) {
            for (String pattern : mapping.getHandlerMap().keySet()) {
                routes.putIfAbsent(pattern, Map.of("GET", false));
            }
        }
        // Served by Spring Security's filters, not by a handler mapping.
        routes.put("/login", Map.of("GET", false, "POST", true));
        routes.put("/logout", Map.of("POST", false));
        return routes.entrySet().stream().map(e -> new Route(e.getKey(), e.getValue())).toList();
    }

    /** The battery for one route and sender. */
    private List<Probe> probes(Route route, Identity who) {
        List<Probe> probes = new ArrayList<>();
        if (route.pattern().equals("/logout") && who.csrf() != null) {
            return probes; // signing out would end the session the rest of the battery needs
        }
        for (Map.Entry<String, Boolean> mapped : route.readsInput().entrySet()) {
            String method = mapped.getKey();
            // An action that reads no input (take a backup now, delete) cannot be malformed but by its headers:
            // it is aimed at an id that does not exist, so that the battery starts and deletes nothing.
            String path = expand(route.pattern(), mapped.getValue() || method.equals("GET"));
            for (Map.Entry<String, String[]> body : bodies().entrySet()) {
                probes.add(probe(who, method, path, body.getKey(), body.getValue()[0], body.getValue()[1], null, true));
            }
            probes.add(probe(who, method, path, "oversized json", "application/json", "\"" + "x".repeat(OVERSIZED) + "\"", null, true));
            probes.add(chunked(who, method, path));
            for (String accept : List.of(";;", "text/csv", "application/json;q=nope", "text/html", "*/*")) {
                probes.add(probe(who, method, path, "accept " + accept, null, null, accept, true));
            }
            for (String query : List.of("limit=-1&cursor=%FF%FE", "limit=abc&kind=", "limit=99999999999999999999&cursor=AAAA",
                    "kind=..%2F..%2Fetc&confirmName=%00")) {
                probes.add(probe(who, method, path + "?" + query, "query", null, null, null, true));
            }
            if (!"GET".equals(method) && who.csrf() != null) {
                probes.add(probe(who, method, path, "no csrf token", "application/x-www-form-urlencoded", "name=x", null, false));
            }
            if (route.pattern().contains("{")) {
                for (String bad : badSegments()) {
                    probes.add(probe(who, method, route.pattern().replaceAll("\\{[^}]+}", bad), "bad id", null, null, null, true));
                }
            }
        }
        String elsewhere = expand(route.pattern(), false);
        for (String method : METHODS) {
            if (!route.readsInput().containsKey(method)) {
                probes.add(probe(who, method, elsewhere, "wrong method", "application/json", "{}", null, true));
            }
        }
        probes.add(probe(who, "TRACE", elsewhere, "trace", null, null, null, true));
        return probes;
    }

    private String expand(String pattern, boolean realIds) {
        String random = UUID.randomUUID().toString();
        return pattern.replace("{id}", realIds ? databaseId : random).replace("{databaseId}", realIds ? databaseId : random)
                .replaceAll("\\{\\*?[^}]+}", UUID.randomUUID().toString()).replace("/**", "/x").replace("*", "x");
    }

    private static List<String> badSegments() {
        return List.of("not-a-uuid", "%00", "..%2F..%2Fetc", "%C0%AF", "9".repeat(3000), "00000000-0000-0000-0000-00000000000g",
                "%E2%80%AE%F0%9F%92%A9");
    }

    /** Content-Type and body pairs; null type sends no Content-Type. */
    private static Map<String, String[]> bodies() {
        Map<String, String[]> b = new TreeMap<>();
        b.put("none", new String[] {null, null});
        b.put("json truncated", new String[] {"application/json", "{"});
        b.put("json array", new String[] {"application/json", "[]"});
        b.put("json null", new String[] {"application/json", "null"});
        b.put("json scalar", new String[] {"application/json", "12"});
        b.put("json wrong types", new String[] {"application/json", "{\"name\":{\"a\":[1,2]},\"plan\":7,\"postgresVersion\":-1,"
                + "\"cron\":[\"x\"],\"enabled\":\"maybe\",\"retentionCount\":99999999999999999999,\"retentionDays\":1e999,"
                + "\"verifyAfterBackup\":{},\"backupId\":\"nope\",\"newDatabaseName\":\"../../etc\",\"overwrite\":\"yes\",\"type\":7,"
                + "\"candidate\":[]}"});
        b.put("json huge numbers", new String[] {"application/json", "{\"name\":\"x\",\"plan\":\"dev\",\"postgresVersion\":2147483647,"
                + "\"cron\":\"0 0 3 * * ?\",\"enabled\":true,\"retentionCount\":2147483647,\"retentionDays\":2147483647,"
                + "\"verifyAfterBackup\":true,\"type\":\"switchover\"}"});
        b.put("json negative numbers", new String[] {"application/json", "{\"cron\":\"0 0 3 * * ?\",\"enabled\":true,"
                + "\"retentionCount\":-2147483648,\"retentionDays\":-1,\"verifyAfterBackup\":false}"});
        b.put("json nul and controls", new String[] {"application/json", "{\"name\":\"a\\u0000b\\u202e\",\"plan\":\"\\u0000\","
                + "\"cron\":\"\\u0000\"}"});
        b.put("json deep", new String[] {"application/json", "[".repeat(5000) + "]".repeat(5000)});
        b.put("json duplicate keys", new String[] {"application/json", "{\"name\":\"a\",\"name\":\"b\"}"});
        b.put("json bad charset", new String[] {"application/json; charset=nonsense-9", "{}"});
        b.put("json latin1 bytes", new String[] {"application/json; charset=ISO-8859-1", "{\"name\":\"\u00e9\"}"});
        b.put("multipart without boundary", new String[] {"multipart/form-data", "x"});
        b.put("multipart with boundary", new String[] {"multipart/form-data; boundary=XyZ",
                "--XyZ\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nx\r\n--XyZ--\r\n"});
        b.put("multipart mixed", new String[] {"multipart/mixed", "garbage"});
        b.put("text", new String[] {"text/plain", "hello"});
        b.put("xml", new String[] {"application/xml", "<a/>"});
        b.put("unparseable type", new String[] {";;;", "{}"});
        b.put("type without subtype", new String[] {"application", "{}"});
        b.put("form junk", new String[] {"application/x-www-form-urlencoded", "a=%ZZ&&=&b&%=%"});
        b.put("form invalid values", new String[] {"application/x-www-form-urlencoded", "name=..%2F..%2Fx&plan=huge&postgresVersion=abc"
                + "&cron=nope&retentionCount=-1&retentionDays=99999999999&enabled=maybe&verifyAfterBackup=perhaps&type=x&label="
                + "l".repeat(300) + "&confirmName=x&newDatabaseName=..&current=x&next=y&confirmation=z&kind=zzz&username=&password="});
        b.put("form nul", new String[] {"application/x-www-form-urlencoded", "name=%00&cron=%00&label=%00&type=%00"});
        b.put("form bad utf8", new String[] {"application/x-www-form-urlencoded", "name=%C0%AF%FF&label=%ED%A0%80"});
        return b;
    }

    private Probe probe(Identity who, String method, String pathAndQuery, String what, String contentType, String body, String accept,
                        boolean withCsrf) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(cp.baseUrl() + pathAndQuery)).timeout(Duration.ofSeconds(60));
        byte[] bytes = body == null ? null : body.getBytes(contentType != null && contentType.contains("ISO-8859-1")
                ? StandardCharsets.ISO_8859_1 : StandardCharsets.UTF_8);
        b.method(method, bytes == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(bytes));
        if (contentType != null) {
            b.header("Content-Type", contentType);
        }
        if (accept != null) {
            b.header("Accept", accept);
        }
        authenticate(b, who, withCsrf);
        return new Probe(what, b.build());
    }

    /** A body sent chunked (no Content-Length), larger than the limit: refused while it is read. */
    private Probe chunked(Identity who, String method, String path) {
        byte[] bytes = ("{\"name\":\"" + "y".repeat(OVERSIZED) + "\"}").getBytes(StandardCharsets.UTF_8);
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(cp.baseUrl() + path)).timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/json")
                .method(method, HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(bytes)));
        authenticate(b, who, true);
        return new Probe("oversized chunked json", b.build());
    }

    private static void authenticate(HttpRequest.Builder b, Identity who, boolean withCsrf) {
        if (who.bearer() != null) {
            b.header("Authorization", "Bearer " + who.bearer());
        }
        if (who.csrf() != null && withCsrf) {
            b.header("X-CSRF-TOKEN", who.csrf());
        }
    }

    /** "NNN" when the answer is right, "NNN reason" when it is not. */
    private String check(Route route, Identity who, Probe probe) {
        HttpResponse<String> r;
        try {
            if (probe.what().equals("trace")) {
                // java.net.http sends a TRACE with "Content-Length: 0", which Tomcat's connector refuses (a bare 400)
                // before any valve runs; a real TRACE carries no body, so it goes raw.
                RawHttp.Answer a = new RawHttp(cp.baseUrl(), null).send("TRACE", probe.request().uri().getRawPath(),
                        who.bearer() == null ? Map.of() : Map.of("Authorization", "Bearer " + who.bearer()), null);
                if (a.body().contains("TRACE ")) {
                    return a.status() + " TRACE echoed the request (its headers would leak to a script): " + abbreviate(a.body());
                }
                return judge(route, a.status(), a.contentType(), a.body());
            }
            r = send(who.http(), probe.request());
        } catch (IOException e) {
            // Refusing a large body may close the connection before the client finished sending it: that is a refusal.
            if (probe.what().startsWith("oversized")) {
                return "413";
            }
            return "000 no answer: " + e;
        }
        return judge(route, r.statusCode(), r.headers().firstValue("Content-Type").orElse(""), r.body());
    }

    private static String judge(Route route, int status, String type, String body) {
        String s = String.valueOf(status);
        if (status >= 500) {
            return s + " server error: " + abbreviate(body);
        }
        if (status < 400) {
            return s;
        }
        if (type.startsWith("application/problem+json")) {
            try {
                JsonNode p = JSON.readTree(body);
                if (p.path("status").asInt() != status || p.path("title").asText().isBlank() || p.path("detail").asText().isBlank()) {
                    return s + " problem without matching status, title and detail: " + abbreviate(body);
                }
                return s;
            } catch (IOException e) {
                return s + " problem+json that is not JSON: " + abbreviate(body);
            }
        }
        boolean page = type.startsWith("text/html") && (body.contains("data-testid=\"error-detail\"") || body.contains("role=\"alert\""));
        if (!route.api() && page) {
            return s; // a dashboard page with the message on it
        }
        return s + " 4xx without problem+json (" + type + "): " + abbreviate(body);
    }

    private static String abbreviate(String body) {
        String oneLine = body.replaceAll("\\s+", " ");
        return oneLine.length() > 200 ? oneLine.substring(0, 200) + "…" : oneLine;
    }

    private Identity signedIn(String name, String user, String password) throws Exception {
        HttpClient http = client();
        String csrf = group(CSRF, send(http, get("/login")).body());
        HttpResponse<String> signIn = send(http, HttpRequest.newBuilder(URI.create(cp.baseUrl() + "/login"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("username=" + enc(user) + "&password=" + enc(password) + "&_csrf=" + enc(csrf)))
                .build());
        assertThat(signIn.headers().firstValue("Location").orElse("")).as("sign-in of " + user).endsWith("/databases");
        return new Identity(name, http, null, group(CSRF, send(http, get("/databases")).body()));
    }

    private HttpRequest form(Identity who, String path, String body) {
        return HttpRequest.newBuilder(URI.create(cp.baseUrl() + path)).header("Content-Type", "application/x-www-form-urlencoded")
                .header("X-CSRF-TOKEN", who.csrf()).POST(HttpRequest.BodyPublishers.ofString(body)).build();
    }

    private HttpRequest get(String path) {
        return HttpRequest.newBuilder(URI.create(cp.baseUrl() + path)).GET().build();
    }

    private static HttpClient client() {
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).cookieHandler(new CookieManager())
                .followRedirects(HttpClient.Redirect.NEVER).connectTimeout(Duration.ofSeconds(5)).build();
    }

    private static HttpResponse<String> send(HttpClient http, HttpRequest request) throws IOException {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private static String group(Pattern p, String body) {
        Matcher m = p.matcher(body);
        assertThat(m.find()).as("pattern " + p + " in " + abbreviate(body)).isTrue();
        return m.group(1);
    }
}
