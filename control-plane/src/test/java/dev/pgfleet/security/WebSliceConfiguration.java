package dev.pgfleet.security;

import dev.pgfleet.dashboard.Formats;
import dev.pgfleet.system.PgfleetProperties;
import dev.pgfleet.tenant.TenantService;
import dev.pgfleet.testsupport.ControllerDependencyMocks;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;

/**
 * What a {@code @WebMvcTest} slice ({@link dev.pgfleet.testsupport.ApiSliceTest}) adds to the web layer it scans: the
 * real security of the application, both filter chains of {@link SecurityConfig} (bearer tokens for the API, form
 * login with CSRF for the dashboard) with the real sign-in throttle, the templates' formatter ({@code @fmt}), the
 * settings the request filters read, and the controllers' dependencies as mocks.
 * Here because SecurityConfig is package-private.
 */
@TestConfiguration(proxyBeanMethods = false)
@EnableConfigurationProperties({LoginThrottleProperties.class, PgfleetProperties.class})
@Import({SecurityConfig.class, ThrottledSignIn.class, LoginThrottle.class, Formats.class})
public class WebSliceConfiguration {
    /** The controllers' dependencies as mocks, and the token lookup the API's chain calls. */
    @Bean
    static ControllerDependencyMocks controllerDependencyMocks() {
        return new ControllerDependencyMocks(TenantService.class);
    }
}
