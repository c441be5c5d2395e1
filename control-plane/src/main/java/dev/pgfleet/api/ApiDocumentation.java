package dev.pgfleet.api;

import io.swagger.v3.oas.models.Components;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.SpecVersion;
import io.swagger.v3.oas.models.headers.Header;
import io.swagger.v3.oas.models.info.Info;
import io.swagger.v3.oas.models.media.Content;
import io.swagger.v3.oas.models.media.MediaType;
import io.swagger.v3.oas.models.media.Schema;
import io.swagger.v3.oas.models.responses.ApiResponse;
import io.swagger.v3.oas.models.responses.ApiResponses;
import io.swagger.v3.oas.models.security.SecurityRequirement;
import io.swagger.v3.oas.models.security.SecurityScheme;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.springdoc.core.customizers.OperationCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpStatus;

/**
 * The OpenAPI document's parts that no controller states: the bearer-token scheme every operation needs, the shared
 * {@code Problem} schema, one reusable response per error status, and, on every operation, the error responses it can
 * answer ({@link ProblemResponses}).
 */
@Configuration(proxyBeanMethods = false)
class ApiDocumentation {
    static final String BEARER = "apiToken";
    static final String PROBLEM = "Problem";
    static final String PROBLEM_JSON = org.springframework.http.MediaType.APPLICATION_PROBLEM_JSON_VALUE;

    /** What each error status means in this API, as the reusable response's description. */
    private static final Map<HttpStatus, String> MEANINGS = Map.ofEntries(
            Map.entry(HttpStatus.BAD_REQUEST, "The request is malformed: a body that is not the expected JSON object, a missing or invalid"
                    + " field (named in `field`), or an invalid query parameter. Nothing was changed."),
            Map.entry(HttpStatus.UNAUTHORIZED, "No valid API token: send `Authorization: Bearer <token>`."),
            Map.entry(HttpStatus.FORBIDDEN, "The operation needs the admin tenant's token."),
            Map.entry(HttpStatus.NOT_FOUND, "Nothing with this id exists for the caller: another tenant's resource is indistinguishable"
                    + " from a missing one, and an id that is not a UUID names nothing."),
            Map.entry(HttpStatus.CONFLICT, "The request conflicts with the current state (a name already taken, a quota reached, an"
                    + " operation already in progress, a database not ready for it); the detail says what to wait for or change."
                    + " Nothing was changed."),
            Map.entry(HttpStatus.PAYLOAD_TOO_LARGE, "The request body is larger than the installation's limit"
                    + " (`pgfleet.max-request-body`, 1 MB by default)."),
            Map.entry(HttpStatus.UNSUPPORTED_MEDIA_TYPE, "The body is not `application/json` (multipart bodies are refused everywhere)."),
            Map.entry(HttpStatus.UNPROCESSABLE_ENTITY, "The request is well formed but cannot be done as asked here: beyond a limit of this"
                    + " installation (retention, schedule frequency), a PostgreSQL version that is not available, a plan that cannot"
                    + " be placed. The field at fault is named in `field`. Nothing was changed."),
            Map.entry(HttpStatus.TOO_MANY_REQUESTS, "The caller asked too often; `Retry-After` says after how many seconds to ask again."),
            Map.entry(HttpStatus.BAD_GATEWAY, "A data-plane component pgfleet drives failed the request (e.g. Patroni refused the"
                    + " switchover); the detail says what happened and what was undone."),
            Map.entry(HttpStatus.SERVICE_UNAVAILABLE, "The installation has no capacity for this now (e.g. no free ports for another"
                    + " database); nothing was created."));

    @Bean
    OpenAPI pgfleetOpenApi() {
        Components components = new Components()
                .addSecuritySchemes(BEARER, new SecurityScheme().type(SecurityScheme.Type.HTTP).scheme("bearer").bearerFormat("pgf_…")
                        .description("An API token, sent as `Authorization: Bearer pgf_…` (`pgf_` and 43 URL-safe base64 characters)."
                                + " The admin token is printed once at the first start and kept in `$PGFLEET_HOME/admin-token` (or"
                                + " set with `PGFLEET_ADMIN_TOKEN`); a tenant's first token is in the answer to `POST /api/v1/tenants`"
                                + " (or shown when the admin creates the tenant on the dashboard), and its users create and revoke"
                                + " more on the dashboard's account page. Tokens are shown once; pgfleet stores only their hash."))
                .addSchemas(PROBLEM, problemSchema());
        for (HttpStatus status : MEANINGS.keySet()) {
            components.addResponses(responseName(status), problemResponse(status));
        }
        return new OpenAPI(SpecVersion.V31)
                .info(new Info().title("pgfleet API").version("v1").description("Self-service PostgreSQL (with pgvector) databases:"
                        + " create them, back them up and restore them, rehearse failover. Every call needs an API token"
                        + " (`Authorization: Bearer <token>`) and sees only its tenant's resources. Every error is RFC 9457"
                        + " `application/problem+json` (the `Problem` schema); a refusal caused by one request field names it in"
                        + " `field`. Besides the errors each operation lists, any request with an unparseable Content-Type or"
                        + " Accept header is answered 400, one whose Accept admits neither JSON nor problem+json 406."))
                .components(components)
                .addSecurityItem(new SecurityRequirement().addList(BEARER));
    }

    /** Adds, to every operation, the error responses {@link ProblemResponses} derives from its handler method. */
    @Bean
    OperationCustomizer problemResponsesCustomizer() {
        return (operation, handler) -> {
            ApiResponses responses = operation.getResponses() == null ? new ApiResponses() : operation.getResponses();
            for (HttpStatus status : ProblemResponses.of(handler)) {
                String code = Integer.toString(status.value());
                if (!responses.containsKey(code)) {
                    responses.addApiResponse(code, new ApiResponse().$ref("#/components/responses/" + responseName(status)));
                }
            }
            return operation.responses(responses);
        };
    }

    static String responseName(HttpStatus status) {
        if (!MEANINGS.containsKey(status)) {
            throw new IllegalArgumentException("no documented meaning for " + status + " in ApiDocumentation.MEANINGS");
        }
        StringBuilder name = new StringBuilder();
        for (String word : status.name().split("_")) {
            name.append(word.charAt(0)).append(word.substring(1).toLowerCase(java.util.Locale.ROOT));
        }
        return name.toString();
    }

    private static ApiResponse problemResponse(HttpStatus status) {
        ApiResponse response = new ApiResponse().description(MEANINGS.get(status))
                .content(new Content().addMediaType(PROBLEM_JSON, new MediaType().schema(new Schema<>().$ref("#/components/schemas/" + PROBLEM))));
        if (status == HttpStatus.TOO_MANY_REQUESTS) {
            response.addHeaderObject("Retry-After", new Header().description("Whole seconds to wait before asking again.")
                    .schema(typed("integer")));
        }
        return response;
    }

    /** RFC 9457's members, and pgfleet's {@code field}. */
    private static Schema<Object> problemSchema() {
        Schema<Object> problem = typed("object");
        problem.description("An error, as RFC 9457 problem details. More members may appear (e.g. `retryAfterSeconds` on a 429).");
        problem.addProperty("type", typed("string").format("uri-reference")
                .description("A URI reference that identifies the problem type; `about:blank` when the status says it all."));
        problem.addProperty("title", typed("string").description("A short summary of the problem, the same for every occurrence."));
        problem.addProperty("status", typed("integer").format("int32").description("The HTTP status code of this answer."));
        problem.addProperty("detail", typed("string").description("What went wrong for this request, and what to change."));
        problem.addProperty("instance", typed("string").format("uri-reference").description("The request path that was refused."));
        problem.addProperty("field", typed("string").description("The request field at fault (a body member such as `name` or"
                + " `retentionCount`), so that a client can show the detail beside it; absent when the refusal is about the request"
                + " as a whole."));
        problem.required(List.of("title", "status", "detail"));
        return problem;
    }

    private static Schema<Object> typed(String type) {
        Schema<Object> schema = new Schema<>();
        schema.specVersion(SpecVersion.V31);
        schema.types(Set.of(type));
        return schema;
    }
}
