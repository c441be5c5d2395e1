package dev.pgfleet.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pgfleet.testsupport.ApiSliceTest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.context.annotation.ClassPathScanningCandidateComponentProvider;
import org.springframework.context.annotation.Import;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.core.type.filter.AnnotationTypeFilter;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.util.ClassUtils;
import org.springframework.util.ReflectionUtils;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The OpenAPI document as springdoc serves it, produced in seconds without the embedded metadata store: the shared web
 * slice ({@link ApiSliceTest}: every controller with its collaborators mocked, the real security chains) plus springdoc
 * and {@link ApiDocumentation} (the document depends on the controllers' signatures and annotations only). The document
 * is served without a token, must be valid OpenAPI 3.1 for swagger-parser with no message, and follow
 * {@link OpenApiRules} on every operation. OpenApiConformanceIntegrationTest checks the same rules on the running
 * application's document, and that the statuses are true.
 */
@ApiSliceTest
@ImportAutoConfiguration({
        org.springdoc.core.properties.SpringDocConfigProperties.class,
        org.springdoc.core.configuration.SpringDocConfiguration.class,
        org.springdoc.core.configuration.SpringDocSecurityConfiguration.class,
        org.springdoc.core.configuration.SpringDocSpecPropertiesConfiguration.class,
        org.springdoc.webmvc.core.configuration.SpringDocWebMvcConfiguration.class,
        org.springdoc.webmvc.core.configuration.MultipleOpenApiSupportConfiguration.class})
@Import(ApiDocumentation.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OpenApiDocumentTest {
    @Autowired
    MockMvc mvc;

    private String document;

    @BeforeAll
    void fetchDocument() throws Exception {
        document = mvc.perform(get("/v3/api-docs")).andExpect(status().isOk()).andReturn().getResponse().getContentAsString();
        // For a reader of a failure: the document as this test saw it.
        java.nio.file.Files.writeString(java.nio.file.Path.of("target", "openapi.json"), document);
    }

    @Test
    void theDocumentIsValidOpenApi31AndEveryOperationListsItsErrorsAsProblemJson() {
        assertThat(OpenApiRules.violations(document)).isEmpty();
    }

    @Test
    void everyApiHandlerMethodIsAnOperationOfTheDocument() {
        List<OpenApiRules.Operation> operations = OpenApiRules.operations(OpenApiRules.parse(document));
        assertThat(operations).hasSize(ApplicationControllers.handlerMethods());
        assertThat(operations).allMatch(op -> op.path().startsWith("/api/v1/"), "describes the API (/api/**) only");
    }

    @Test
    void declaredRefusalsAndAdminOnlyOperationsReachTheDocument() {
        JsonNode doc = OpenApiRules.parse(document);
        JsonNode createDatabase = doc.at("/paths/~1api~1v1~1databases/post/responses");
        assertThat(createDatabase.has("409")).as("name taken, quota").isTrue();
        assertThat(createDatabase.has("422")).as("PostgreSQL version, placement").isTrue();
        assertThat(createDatabase.has("503")).as("no free ports").isTrue();
        assertThat(createDatabase.has("403")).as("any tenant may create a database").isFalse();
        assertThat(doc.at("/paths/~1api~1v1~1tenants/post/responses").has("403")).as("admin only").isTrue();
        assertThat(doc.at("/paths/~1api~1v1~1databases~1{id}~1insights/get/responses").has("429")).isTrue();
        assertThat(OpenApiRules.resolve(doc, doc.at("/paths/~1api~1v1~1databases~1{id}~1insights/get/responses/429"))
                .at("/headers/Retry-After").isMissingNode()).isFalse();
        assertThat(doc.at("/paths/~1api~1v1~1backup-usage/get/responses").has("404")).as("no path id, nothing to find").isFalse();
        // The success status is the one the controller answers, with its body's schema.
        assertThat(createDatabase.has("200")).isFalse();
        assertThat(createDatabase.at("/202/content/application~1json/schema/$ref").asText()).isEqualTo("#/components/schemas/DatabaseView");
        assertThat(doc.at("/paths/~1api~1v1~1tenants/post/responses/201/content/application~1json/schema/$ref").asText())
                .isEqualTo("#/components/schemas/CreatedTenantView");
    }

    @Test
    void noTwoTypesOfTheApiShareASchemaName() {
        // springdoc names a schema after the type's simple name: two records named PolicyView would be one schema,
        // and a generated client would send a drill policy's fields as a backup policy.
        Map<String, Set<Class<?>>> byName = new TreeMap<>();
        for (Class<?> type : ApplicationControllers.apiTypes()) {
            io.swagger.v3.oas.annotations.media.Schema named = type.getAnnotation(io.swagger.v3.oas.annotations.media.Schema.class);
            String name = named != null && !named.name().isEmpty() ? named.name() : type.getSimpleName();
            byName.computeIfAbsent(name, k -> new java.util.HashSet<>()).add(type);
        }
        assertThat(byName).as("request and response types by schema name").containsKey("DatabaseView").containsKey("BackupPolicyView");
        assertThat(byName.values()).allMatch(types -> types.size() == 1, "one type per schema name: " + byName);
        JsonNode schemas = OpenApiRules.parse(document).path("components").path("schemas");
        assertThat(schemas.path("BackupPolicyView").path("properties").has("retentionCount")).isTrue();
        assertThat(schemas.path("DrillPolicyView").path("properties").has("type")).isTrue();
    }

    @Test
    void aBrokenDocumentIsRejected() {
        // The rules can fail: a document without the error responses (as before this change) breaks them on every operation.
        JsonNode doc = OpenApiRules.parse(document).deepCopy();
        OpenApiRules.operations(doc).forEach(op -> ((com.fasterxml.jackson.databind.node.ObjectNode) op.node().get("responses"))
                .retain("200", "201", "202", "204"));
        assertThat(OpenApiRules.violations(doc.toString())).anyMatch(v -> v.contains("does not list 401"))
                .anyMatch(v -> v.contains("does not list 404")).anyMatch(v -> v.contains("does not list 400"));
        // And the validator speaks: a response without its required description.
        assertThat(OpenApiRules.validatorMessages(document.replaceFirst("\"description\":\"[^\"]*\"", "\"descriptionX\":\"x\"")))
                .isNotEmpty();
    }

    /** The application's REST controllers, found on the class path as Spring finds them. */
    static class ApplicationControllers {
        static List<Class<?>> classes() {
            ClassPathScanningCandidateComponentProvider scanner = new ClassPathScanningCandidateComponentProvider(false);
            scanner.addIncludeFilter(new AnnotationTypeFilter(RestController.class));
            List<Class<?>> classes = new ArrayList<>();
            for (BeanDefinition candidate : scanner.findCandidateComponents("dev.pgfleet")) {
                classes.add(ClassUtils.resolveClassName(candidate.getBeanClassName(), ApplicationControllers.class.getClassLoader()));
            }
            return classes;
        }

        /** The request-mapped methods of the application's REST controllers: each must be one operation. */
        static int handlerMethods() {
            int count = 0;
            for (Class<?> type : classes()) {
                if (AnnotatedElementUtils.hasAnnotation(type, RestController.class)) {
                    for (java.lang.reflect.Method m : ReflectionUtils.getUniqueDeclaredMethods(type, ReflectionUtils.USER_DECLARED_METHODS)) {
                        count += AnnotatedElementUtils.hasAnnotation(m, RequestMapping.class) ? 1 : 0;
                    }
                }
            }
            return count;
        }

        /** The application's types that the API's operations take or answer, and the types of their record components. */
        static Set<Class<?>> apiTypes() {
            Set<Class<?>> types = new java.util.HashSet<>();
            for (Class<?> controller : classes()) {
                for (java.lang.reflect.Method m : ReflectionUtils.getUniqueDeclaredMethods(controller, ReflectionUtils.USER_DECLARED_METHODS)) {
                    if (AnnotatedElementUtils.hasAnnotation(m, RequestMapping.class)) {
                        collect(m.getGenericReturnType(), types);
                        for (java.lang.reflect.Type p : m.getGenericParameterTypes()) {
                            collect(p, types);
                        }
                    }
                }
            }
            return types;
        }

        private static void collect(java.lang.reflect.Type type, Set<Class<?>> types) {
            if (type instanceof java.lang.reflect.ParameterizedType p) {
                for (java.lang.reflect.Type argument : p.getActualTypeArguments()) {
                    collect(argument, types);
                }
            } else if (type instanceof Class<?> c && c.getName().startsWith("dev.pgfleet.") && types.add(c) && c.isRecord()) {
                for (java.lang.reflect.RecordComponent component : c.getRecordComponents()) {
                    collect(component.getGenericType(), types);
                }
            }
        }
    }
}
