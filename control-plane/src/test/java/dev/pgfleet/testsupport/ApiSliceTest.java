package dev.pgfleet.testsupport;

import dev.pgfleet.system.WebSliceConfiguration;
import dev.pgfleet.tenant.TenantService;
import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.autoconfigure.web.servlet.WebMvcTest;
import org.springframework.context.annotation.Import;
import org.springframework.core.annotation.AliasFor;
import org.springframework.test.context.bean.override.mockito.MockitoBean;

/**
 * A fast slice of the web layer for one or more controllers (API or dashboard pages): MockMvc in front of the real
 * security chains, the real advices and filters (problem+json, the request-shape filter, the dashboard's error page),
 * with the services the controllers call declared by the test as {@code @MockitoBean}. No server, no database, no
 * process: {@code ./mvnw test} runs these.
 *
 * <p>Callers ({@link SliceCallers}): {@code Authorization: Bearer tenant-token} is a tenant, {@code other-token} another
 * tenant, {@code admin-token} the admin tenant; any other token is unknown (401). For the dashboard,
 * {@link SliceCallers#signedIn} is a signed-in dashboard user and {@code csrf()} the form's token.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@WebMvcTest
@Import(WebSliceConfiguration.class)
@MockitoBean(types = TenantService.class)
@ExtendWith(SliceCallers.class)
public @interface ApiSliceTest {
    /** The controllers under test (the rest of the application's controllers are left out). */
    @AliasFor(annotation = WebMvcTest.class, attribute = "controllers")
    Class<?>[] value() default {};
}
