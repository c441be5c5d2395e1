package dev.pgfleet.security;

import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.config.annotation.method.configuration.EnableMethodSecurity;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.core.authority.SimpleGrantedAuthority;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.crypto.argon2.Argon2PasswordEncoder;
import org.springframework.security.crypto.password.DelegatingPasswordEncoder;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.security.web.AuthenticationEntryPoint;
import org.springframework.security.core.session.SessionRegistry;
import org.springframework.security.core.session.SessionRegistryImpl;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.authentication.UsernamePasswordAuthenticationFilter;
import org.springframework.security.web.firewall.RequestRejectedHandler;
import org.springframework.security.web.session.HttpSessionEventPublisher;
import org.springframework.security.web.session.SessionInformationExpiredEvent;
import org.springframework.security.web.header.writers.ContentSecurityPolicyHeaderWriter;
import org.springframework.security.web.header.writers.DelegatingRequestMatcherHeaderWriter;
import org.springframework.security.web.servlet.util.matcher.PathPatternRequestMatcher;
import org.springframework.security.web.util.matcher.NegatedRequestMatcher;
import org.springframework.security.web.util.matcher.OrRequestMatcher;
import org.springframework.security.web.authentication.AnonymousAuthenticationFilter;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Two filter chains. The API (/api/**) is authenticated by bearer tokens (Authorization: Bearer pgf_...),
 * stateless and without CSRF (no cookies are involved); a missing or unknown token answers 401 as problem+json.
 * Everything else is the dashboard: form login with a session cookie, CSRF tokens on every form and htmx
 * request, logout; documentation, health and static assets stay open. Tokens are resolved through {@link ApiTokens}
 * and dashboard users loaded through Spring's {@code UserDetailsService}, both implemented by the tenant feature.
 */
@Configuration(proxyBeanMethods = false)
@EnableMethodSecurity
class SecurityConfig {
    static final String[] OPEN_PATHS = {"/login", "/css/**", "/js/**", "/img/**", "/webjars/**", "/favicon.ico", "/error",
            "/actuator/health/**", "/actuator/info", "/v3/api-docs/**", "/swagger-ui/**", "/swagger-ui.html"};

    @Bean
    @Order(1)
    SecurityFilterChain apiSecurity(HttpSecurity http, ApiTokens tokens, ObjectMapper json) throws Exception {
        AuthenticationEntryPoint unauthorized = (request, response, e) -> writeProblem(response, json, HttpStatus.UNAUTHORIZED,
                "Unauthorized", "Send a valid API token as 'Authorization: Bearer <token>'.");
        http.securityMatcher("/api/**")
                .csrf(c -> c.disable())
                .sessionManagement(s -> s.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
                .httpBasic(b -> b.disable())
                .formLogin(f -> f.disable())
                .logout(l -> l.disable())
                .addFilterBefore(new BearerTokenFilter(tokens), AnonymousAuthenticationFilter.class)
                .exceptionHandling(e -> e.authenticationEntryPoint(unauthorized))
                .authorizeHttpRequests(a -> a.anyRequest().authenticated());
        return http.build();
    }

    /**
     * Form login, throttled per user name and per client address ({@link ThrottledSignIn}: a throttled attempt is
     * refused before its password is checked). Every session is registered, so that a password change can end the
     * user's other sessions; an ended session's next request goes to the login page.
     */
    @Bean
    @Order(2)
    SecurityFilterChain dashboardSecurity(HttpSecurity http, ThrottledSignIn throttledSignIn, SessionRegistry sessions) throws Exception {
        http.formLogin(f -> f.loginPage("/login").defaultSuccessUrl("/databases", false).failureHandler(throttledSignIn).permitAll())
                .addFilterBefore(throttledSignIn.filter(), UsernamePasswordAuthenticationFilter.class)
                .sessionManagement(s -> s.maximumSessions(-1).sessionRegistry(sessions).expiredSessionStrategy(SecurityConfig::signInAgain))
                .logout(l -> l.logoutUrl("/logout").logoutSuccessUrl("/login?logout").deleteCookies("JSESSIONID"))
                .httpBasic(b -> b.disable())
                .exceptionHandling(e -> e.authenticationEntryPoint(signInFirst()))
                // A strict policy for our pages (no inline script or style anywhere in them); Swagger UI is left as it ships.
                .headers(h -> h.addHeaderWriter(new DelegatingRequestMatcherHeaderWriter(
                        new NegatedRequestMatcher(new OrRequestMatcher(PathPatternRequestMatcher.withDefaults().matcher("/swagger-ui/**"),
                                PathPatternRequestMatcher.withDefaults().matcher("/swagger-ui.html"))),
                        new ContentSecurityPolicyHeaderWriter("default-src 'self'; img-src 'self' data:; style-src 'self';"
                                + " script-src 'self'; frame-ancestors 'none'; form-action 'self'"))))
                .authorizeHttpRequests(a -> a
                        .requestMatchers(OPEN_PATHS).permitAll()
                        .requestMatchers("/admin/**").hasRole("ADMIN")
                        .anyRequest().authenticated());
        return http.build();
    }

    /** An anonymous visitor is sent to the login page; an htmx request is told to load it as a whole page. */
    private static AuthenticationEntryPoint signInFirst() {
        var entryPoints = new java.util.LinkedHashMap<org.springframework.security.web.util.matcher.RequestMatcher, AuthenticationEntryPoint>();
        entryPoints.put(request -> "true".equals(request.getHeader("HX-Request")), new HtmxLoginRedirect());
        var delegating = new org.springframework.security.web.authentication.DelegatingAuthenticationEntryPoint(entryPoints);
        delegating.setDefaultEntryPoint(new org.springframework.security.web.authentication.LoginUrlAuthenticationEntryPoint("/login"));
        return delegating;
    }

    /**
     * The firewall's refusals (a method other than GET/HEAD/POST/PUT/PATCH/DELETE/OPTIONS, an encoded slash or
     * dot segment, a control character in a header...) as problem+json, written here: the default handler's
     * sendError would send a TRACE to the error page, where the firewall refuses it again and only a bare status
     * comes back.
     */
    @Bean
    RequestRejectedHandler requestRejectedHandler(ObjectMapper json) {
        return (request, response, e) -> {
            boolean method = e.getMessage() != null && e.getMessage().contains("HTTP method");
            writeProblem(response, json, method ? HttpStatus.METHOD_NOT_ALLOWED : HttpStatus.BAD_REQUEST,
                    method ? "Method not allowed" : "Bad request", method ? "Method '" + request.getMethod() + "' is not allowed here."
                            : "The request's URL or headers are not acceptable here (encoded separators, control characters...).");
        };
    }

    /** The dashboard's sessions by user, so that a password change can end the others ({@code AccountPages}). */
    @Bean
    SessionRegistry sessionRegistry() {
        return new SessionRegistryImpl();
    }

    /** Tells the registry when the container ends a session (timeout, sign-out), so that it forgets it. */
    @Bean
    HttpSessionEventPublisher httpSessionEventPublisher() {
        return new HttpSessionEventPublisher();
    }

    /** A session ended by a password change elsewhere: to the login page, as a whole page for htmx too. */
    private static void signInAgain(SessionInformationExpiredEvent event) throws IOException {
        HttpServletRequest request = event.getRequest();
        HttpServletResponse response = event.getResponse();
        String login = request.getContextPath() + "/login?expired";
        if ("true".equals(request.getHeader("HX-Request"))) {
            response.setHeader("HX-Redirect", login);
            response.setStatus(HttpServletResponse.SC_NO_CONTENT);
        } else {
            response.sendRedirect(login);
        }
    }

    /** Dashboard passwords: Argon2id, behind the delegating encoder so that stored hashes name their algorithm. */
    @Bean
    PasswordEncoder passwordEncoder() {
        return new DelegatingPasswordEncoder("argon2", Map.of("argon2", Argon2PasswordEncoder.defaultsForSpringSecurity_v5_8()));
    }

    /**
     * An htmx request whose session has expired would otherwise get the login page swapped into a fragment;
     * HX-Redirect makes htmx load the login page as a whole page instead.
     */
    static final class HtmxLoginRedirect implements AuthenticationEntryPoint {
        @Override
        public void commence(HttpServletRequest request, HttpServletResponse response,
                             org.springframework.security.core.AuthenticationException e) {
            response.setHeader("HX-Redirect", request.getContextPath() + "/login");
            response.setStatus(HttpServletResponse.SC_NO_CONTENT);
        }
    }

    static void writeProblem(HttpServletResponse response, ObjectMapper json, HttpStatus status, String title, String detail)
            throws IOException {
        ProblemDetail p = ProblemDetail.forStatusAndDetail(status, detail);
        p.setTitle(title);
        response.setStatus(status.value());
        response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
        json.writeValue(response.getOutputStream(), p);
    }

    /** Resolves the bearer token to the caller's tenant; an absent or unknown token leaves the request anonymous. */
    static final class BearerTokenFilter extends OncePerRequestFilter {
        private final ApiTokens tokens;

        BearerTokenFilter(ApiTokens tokens) {
            this.tokens = tokens;
        }

        @Override
        protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
                throws ServletException, IOException {
            bearerToken(request).flatMap(tokens::authenticate).ifPresent(principal -> {
                List<SimpleGrantedAuthority> roles = principal.admin()
                        ? List.of(new SimpleGrantedAuthority("ROLE_TENANT"), new SimpleGrantedAuthority("ROLE_ADMIN"))
                        : List.of(new SimpleGrantedAuthority("ROLE_TENANT"));
                SecurityContextHolder.getContext().setAuthentication(
                        new UsernamePasswordAuthenticationToken(principal, null, roles));
            });
            chain.doFilter(request, response);
        }

        private static Optional<String> bearerToken(HttpServletRequest request) {
            String header = request.getHeader("Authorization");
            if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
                return Optional.empty();
            }
            String token = header.substring(7).strip();
            return token.isEmpty() ? Optional.empty() : Optional.of(token);
        }
    }
}
