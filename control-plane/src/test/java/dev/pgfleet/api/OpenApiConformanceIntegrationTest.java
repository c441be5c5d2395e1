package dev.pgfleet.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pgfleet.testsupport.ControlPlane;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The running application's OpenAPI document keeps its word. The document it serves follows {@link OpenApiRules} (so
 * the fast {@link OpenApiDocumentTest} slice saw what the application serves), and for every operation of it, requests
 * a generated client could send wrong — no token, the tenant's token with ids that name nothing, a body that is not JSON,
 * of another media type or too large, a query parameter of the wrong type, a path id that is not a UUID — are answered
 * with a status that operation declares, as problem+json. A sample of domain refusals (an invalid name, a name taken,
 * a PostgreSQL version that is not installed, an unknown plan) also answers a declared status and names its field.
 * Every request is aimed at ids that do not exist or is refused before anything is written, so nothing is created.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Tag("integration")
class OpenApiConformanceIntegrationTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int OVERSIZED = 1024 * 1024 + 1;

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    private ControlPlane cp;
    private String tenantToken;
    private JsonNode document;
    private HttpResponse<String> served;

    @Test
    void theServedDocumentFollowsTheRules() {
        assertThat(served.statusCode()).isEqualTo(200);
        assertThat(OpenApiRules.violations(served.body())).as("the served document").isEmpty();
    }

    @BeforeAll
    void start() throws Exception {
        cp = ControlPlane.start();
        tenantToken = cp.createTenant("conformance");
        served = send(HttpRequest.newBuilder(URI.create(cp.baseUrl() + "/v3/api-docs")).GET());
        document = OpenApiRules.parse(served.body());
    }

    @AfterAll
    void stop() {
        if (cp != null) {
            cp.close();
        }
    }

    @Test
    void everyOperationAnswersWrongRequestsWithAStatusItDeclares() throws Exception {
        List<String> failures = new ArrayList<>();
        int sent = 0;
        List<OpenApiRules.Operation> operations = OpenApiRules.operations(document);
        assertThat(operations).hasSizeGreaterThan(20);
        for (OpenApiRules.Operation op : operations) {
            boolean body = op.node().has("requestBody");
            boolean query = false;
            for (JsonNode p : op.node().path("parameters")) {
                query |= "query".equals(p.path("in").asText());
            }
            String path = op.path().replaceAll("\\{[^}]+}", UUID.randomUUID().toString());
            List<Probe> probes = new ArrayList<>();
            probes.add(new Probe("no token", request(op, path, null, body ? "application/json" : null, body ? "{}" : null)));
            probes.add(new Probe("ids naming nothing", request(op, path, tenantToken, body ? "application/json" : null, body ? "{}" : null)));
            if (op.path().contains("{")) {
                probes.add(new Probe("id not a UUID", request(op, op.path().replaceAll("\\{[^}]+}", "not-a-uuid"), tenantToken,
                        body ? "application/json" : null, body ? "{}" : null)));
            }
            if (body) {
                probes.add(new Probe("body not JSON", request(op, path, tenantToken, "application/json", "{")));
                probes.add(new Probe("body of another type", request(op, path, tenantToken, "text/plain", "hello")));
                probes.add(new Probe("body too large", request(op, path, tenantToken, "application/json", "\"" + "x".repeat(OVERSIZED) + "\"")));
            }
            if (query) {
                probes.add(new Probe("query of the wrong type", request(op, path + "?limit=abc", tenantToken, null, null)));
            }
            for (Probe probe : probes) {
                HttpResponse<String> answer = send(probe.request());
                sent++;
                String failure = judge(op, answer);
                if (failure != null) {
                    failures.add(op + " [" + probe.what() + "]: " + failure);
                }
            }
        }
        System.out.printf("OpenApiConformanceIntegrationTest: %d operations, %d requests%n", operations.size(), sent);
        assertThat(failures).isEmpty();
    }

    @Test
    void domainRefusalsAnswerADeclaredStatusAndNameTheirField() throws Exception {
        String admin = cp.adminToken();
        expectAnswer("post", "/api/v1/tenants", admin, "{\"name\":\"Not A Name!\"}", 400, "name");
        expectAnswer("post", "/api/v1/tenants", admin, "{\"name\":\"conformance\"}", 409, "name");
        expectAnswer("post", "/api/v1/databases", tenantToken, "{\"name\":\"vectors\",\"plan\":\"dev\",\"postgresVersion\":99}", 422,
                "postgresVersion");
        expectAnswer("post", "/api/v1/databases", tenantToken, "{\"name\":\"vectors\",\"plan\":\"enormous\"}", 400, "plan");
        expectAnswer("post", "/api/v1/tenants", tenantToken, "{\"name\":\"other\"}", 403, null);
        assertThat(cp.get("/api/v1/databases", tenantToken).json()).as("nothing was created").isEmpty();
        // And a success is a declared status too (201, not the 200 springdoc would guess).
        expectAnswer("post", "/api/v1/tenants", admin, "{\"name\":\"second\"}", 201, null);
    }

    /** Sends one request and expects its status, declared by its operation, and (for an error) the field named or none. */
    private void expectAnswer(String method, String path, String token, String body, int status, String field) throws Exception {
        OpenApiRules.Operation op = OpenApiRules.operations(document).stream()
                .filter(o -> o.method().equals(method) && o.path().equals(path)).findFirst().orElseThrow();
        HttpResponse<String> answer = send(request(op, path, token, "application/json", body));
        assertThat(answer.statusCode()).as(op + " " + body + " -> " + answer.body()).isEqualTo(status);
        assertThat(judge(op, answer)).as(op + " " + body).isNull();
        JsonNode problem = JSON.readTree(answer.body());
        if (status < 400) {
            return;
        }
        if (field == null) {
            assertThat(problem.has("field")).as(answer.body()).isFalse();
        } else {
            assertThat(problem.path("field").asText()).as(answer.body()).isEqualTo(field);
        }
    }

    /** Null when the answer is a status the operation declares (an error one as problem+json), else what is wrong. */
    private static String judge(OpenApiRules.Operation op, HttpResponse<String> answer) {
        int status = answer.statusCode();
        Set<Integer> declared = op.statuses();
        if (!declared.contains(status)) {
            return "answered " + status + ", which it does not declare (" + declared + "): " + abbreviate(answer.body());
        }
        if (status >= 400) {
            String type = answer.headers().firstValue("Content-Type").orElse("");
            if (!type.startsWith("application/problem+json")) {
                return status + " as " + type + ", not problem+json";
            }
            try {
                JsonNode p = JSON.readTree(answer.body());
                if (p.path("status").asInt() != status || p.path("title").asText().isBlank() || p.path("detail").asText().isBlank()) {
                    return status + " without matching status, title and detail: " + abbreviate(answer.body());
                }
            } catch (IOException e) {
                return status + " problem+json that is not JSON: " + abbreviate(answer.body());
            }
        }
        return null;
    }

    private HttpRequest request(OpenApiRules.Operation op, String pathAndQuery, String token, String contentType, String body) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(cp.baseUrl() + pathAndQuery)).timeout(Duration.ofSeconds(60))
                .method(op.method().toUpperCase(java.util.Locale.ROOT),
                        body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (contentType != null) {
            b.header("Content-Type", contentType);
        }
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return b.build();
    }

    private HttpResponse<String> send(HttpRequest.Builder request) throws IOException, InterruptedException {
        return send(request.build());
    }

    private HttpResponse<String> send(HttpRequest request) throws IOException, InterruptedException {
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }

    private static String abbreviate(String body) {
        String oneLine = body.replaceAll("\\s+", " ");
        return oneLine.length() > 200 ? oneLine.substring(0, 200) + "…" : oneLine;
    }

    private record Probe(String what, HttpRequest request) {
    }
}
