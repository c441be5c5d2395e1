package dev.pgfleet.testsupport;

import dev.pgfleet.security.WebSliceConfiguration;
import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.autoconfigure.web.servlet.WebMvcTest;
import org.springframework.context.annotation.Import;

/**
 * A fast slice of the web layer (API and dashboard pages): MockMvc in front of every controller, the real security
 * chains, the real advices and filters (problem+json, the request-shape filter, the dashboard's error page), and a
 * Mockito mock for every service, view or setting a controller takes ({@link ControllerDependencyMocks}; a test
 * {@code @Autowired}s the ones it stubs). One context for all slice tests, started once. No server, no database, no
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
@ExtendWith(SliceCallers.class)
public @interface ApiSliceTest {
}
