package dev.pgfleet.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.swagger.v3.parser.OpenAPIV3Parser;
import io.swagger.v3.parser.core.models.ParseOptions;
import io.swagger.v3.parser.core.models.SwaggerParseResult;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * What the API's OpenAPI document must satisfy, checked on its JSON text: valid OpenAPI 3.1 for swagger-parser, a bearer
 * scheme required globally, and on every operation the errors its shape implies (401 unless public, 404 with a path id, 400
 * with a body or query parameters, 413/415 with a body), each error as problem+json with the shared {@code Problem} schema.
 * Used by the fast document test and, on the served document, by the integration test.
 */
final class OpenApiRules {
    static final Set<String> METHODS = Set.of("get", "put", "post", "delete", "patch", "head", "options", "trace");
    static final Set<String> PROBLEM_MEMBERS = Set.of("type", "title", "status", "detail", "instance", "field");
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One operation of the document and the statuses it declares. */
    record Operation(String method, String path, JsonNode node) {
        Set<Integer> statuses() {
            Set<Integer> s = new TreeSet<>();
            node.path("responses").fieldNames().forEachRemaining(code -> s.add(Integer.parseInt(code)));
            return s;
        }

        boolean isPublic() {
            return node.has("security") && node.get("security").isEmpty();
        }

        @Override
        public String toString() {
            return method.toUpperCase(java.util.Locale.ROOT) + " " + path;
        }
    }

    private OpenApiRules() {
    }

    static JsonNode parse(String document) {
        try {
            return JSON.readTree(document);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<Operation> operations(JsonNode document) {
        List<Operation> operations = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> paths = document.path("paths").fields(); paths.hasNext(); ) {
            Map.Entry<String, JsonNode> path = paths.next();
            for (Iterator<Map.Entry<String, JsonNode>> ops = path.getValue().fields(); ops.hasNext(); ) {
                Map.Entry<String, JsonNode> op = ops.next();
                if (METHODS.contains(op.getKey())) {
                    operations.add(new Operation(op.getKey(), path.getKey(), op.getValue()));
                }
            }
        }
        return operations;
    }

    /** Every message of the OpenAPI validator, and every rule an operation breaks; empty when the document is right. */
    static List<String> violations(String document) {
        List<String> violations = new ArrayList<>(validatorMessages(document));
        JsonNode doc = parse(document);
        if (!doc.path("openapi").asText().startsWith("3.1.")) {
            violations.add("the document is OpenAPI " + doc.path("openapi").asText() + ", not 3.1");
        }
        String bearer = bearerScheme(doc, violations);
        violations.addAll(problemSchemaViolations(doc));
        List<Operation> operations = operations(doc);
        if (operations.isEmpty()) {
            violations.add("the document has no operations");
        }
        for (Operation op : operations) {
            violations.addAll(operationViolations(doc, op, bearer));
        }
        return violations;
    }

    /** swagger-parser's messages (structure and semantics of OpenAPI 3.1), references resolved. */
    static List<String> validatorMessages(String document) {
        ParseOptions options = new ParseOptions();
        options.setResolve(true);
        SwaggerParseResult result = new OpenAPIV3Parser().readContents(document, null, options);
        List<String> messages = new ArrayList<>();
        if (result.getOpenAPI() == null) {
            messages.add("swagger-parser could not read the document");
        }
        if (result.getMessages() != null) {
            result.getMessages().forEach(m -> messages.add("validator: " + m));
        }
        return messages;
    }

    /** The name of the global bearer scheme, or null (with a violation) when there is none. */
    private static String bearerScheme(JsonNode doc, List<String> violations) {
        String bearer = null;
        for (Iterator<Map.Entry<String, JsonNode>> schemes = doc.path("components").path("securitySchemes").fields(); schemes.hasNext(); ) {
            Map.Entry<String, JsonNode> s = schemes.next();
            if ("http".equals(s.getValue().path("type").asText()) && "bearer".equalsIgnoreCase(s.getValue().path("scheme").asText())) {
                bearer = s.getKey();
                if (s.getValue().path("description").asText().isBlank()) {
                    violations.add("the bearer scheme '" + bearer + "' does not say what a token is or where to get one");
                }
            }
        }
        if (bearer == null) {
            violations.add("no http bearer security scheme is declared");
            return null;
        }
        boolean global = false;
        for (JsonNode requirement : doc.path("security")) {
            global |= requirement.has(bearer);
        }
        if (!global) {
            violations.add("the bearer scheme '" + bearer + "' is not the global security requirement");
        }
        return bearer;
    }

    private static List<String> problemSchemaViolations(JsonNode doc) {
        List<String> violations = new ArrayList<>();
        JsonNode problem = doc.path("components").path("schemas").path("Problem");
        if (problem.isMissingNode()) {
            violations.add("no components.schemas.Problem");
            return violations;
        }
        for (String member : PROBLEM_MEMBERS) {
            if (!problem.path("properties").has(member)) {
                violations.add("the Problem schema has no '" + member + "'");
            }
        }
        if (problem.path("properties").path("field").path("description").asText().isBlank()) {
            violations.add("the Problem schema's 'field' is not documented");
        }
        return violations;
    }

    private static List<String> operationViolations(JsonNode doc, Operation op, String bearer) {
        List<String> violations = new ArrayList<>();
        Set<Integer> statuses = op.statuses();
        if (op.isPublic()) {
            if (statuses.contains(401)) {
                violations.add(op + " is public (security: []) but lists 401");
            }
        } else {
            if (!statuses.contains(401)) {
                violations.add(op + " needs a token but does not list 401");
            }
            if (op.node().has("security") && bearer != null) {
                boolean bearerListed = false;
                for (JsonNode requirement : op.node().get("security")) {
                    bearerListed |= requirement.has(bearer);
                }
                if (!bearerListed) {
                    violations.add(op + " overrides the security requirement without the bearer scheme");
                }
            }
        }
        if (op.path().contains("{") && !statuses.contains(404)) {
            violations.add(op + " has a path id but does not list 404");
        }
        boolean body = op.node().has("requestBody");
        boolean query = false;
        for (JsonNode parameter : op.node().path("parameters")) {
            query |= "query".equals(resolve(doc, parameter).path("in").asText());
        }
        if ((body || query) && !statuses.contains(400)) {
            violations.add(op + " takes " + (body ? "a body" : "query parameters") + " but does not list 400");
        }
        if (body && !(statuses.contains(413) && statuses.contains(415))) {
            violations.add(op + " takes a body but does not list both 413 and 415");
        }
        if (statuses.stream().noneMatch(s -> s >= 200 && s < 300)) {
            violations.add(op + " declares no success status");
        }
        for (int status : statuses) {
            if (status >= 200 && status < 300 && status != 204
                    && resolve(doc, op.node().path("responses").path(Integer.toString(status))).path("content").isEmpty()) {
                violations.add(op + " " + status + ": a success without content (what does it answer?)");
            }
            if (status >= 400) {
                violations.addAll(errorResponseViolations(doc, op, status));
            }
        }
        return violations;
    }

    private static List<String> errorResponseViolations(JsonNode doc, Operation op, int status) {
        List<String> violations = new ArrayList<>();
        JsonNode response = resolve(doc, op.node().path("responses").path(Integer.toString(status)));
        JsonNode content = response.path("content");
        if (content.size() != 1 || !content.has("application/problem+json")) {
            violations.add(op + " " + status + ": content is not (only) application/problem+json: " + content);
            return violations;
        }
        JsonNode schema = content.path("application/problem+json").path("schema");
        if (!"#/components/schemas/Problem".equals(schema.path("$ref").asText())) {
            violations.add(op + " " + status + ": the schema is not the shared Problem schema: " + schema);
        }
        if (response.path("description").asText().isBlank()) {
            violations.add(op + " " + status + ": no description");
        }
        return violations;
    }

    /** The object a local {@code $ref} names, or the node itself. */
    static JsonNode resolve(JsonNode doc, JsonNode node) {
        String ref = node.path("$ref").asText("");
        if (!ref.startsWith("#/")) {
            return node;
        }
        JsonNode target = doc;
        for (String part : ref.substring(2).split("/")) {
            target = target.path(part.replace("~1", "/").replace("~0", "~"));
        }
        return target;
    }
}
