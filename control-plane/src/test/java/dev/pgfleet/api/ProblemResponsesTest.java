package dev.pgfleet.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pgfleet.problem.Conflict;
import dev.pgfleet.problem.DomainException;
import dev.pgfleet.problem.NotFound;
import dev.pgfleet.problem.TooManyRequests;
import dev.pgfleet.problem.UpstreamFailed;
import dev.pgfleet.system.ProblemAdvice;
import java.lang.reflect.Constructor;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpStatus;
import org.springframework.security.access.prepost.PreAuthorize;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.method.HandlerMethod;

class ProblemResponsesTest {
    /** The document's status for each refusal is the one the advice answers with, for every refusal there is. */
    @Test
    void everyDomainRefusalIsDocumentedWithTheStatusTheAdviceAnswers() throws Exception {
        Class<?>[] refusals = DomainException.class.getPermittedSubclasses();
        assertThat(refusals).hasSize(ProblemResponses.DOMAIN_STATUSES.size());
        for (Class<?> refusal : refusals) {
            @SuppressWarnings("unchecked")
            Class<? extends DomainException> type = (Class<? extends DomainException>) refusal;
            assertThat(ProblemResponses.statusOf(type)).as(type.getSimpleName()).isEqualTo(ProblemAdvice.statusOf(instance(type)));
            // Each status has its reusable response in the document.
            assertThat(ApiDocumentation.responseName(ProblemResponses.statusOf(type))).isNotBlank();
        }
    }

    @Test
    void statusesFollowTheHandlerMethodsShape() throws Exception {
        assertThat(ProblemResponses.of(handler("list", String.class))).containsExactly(HttpStatus.BAD_REQUEST, HttpStatus.UNAUTHORIZED);
        assertThat(ProblemResponses.of(handler("get", UUID.class))).containsExactly(HttpStatus.UNAUTHORIZED, HttpStatus.NOT_FOUND);
        assertThat(ProblemResponses.of(handler("change", UUID.class, Object.class))).containsExactly(HttpStatus.BAD_REQUEST,
                HttpStatus.UNAUTHORIZED, HttpStatus.NOT_FOUND, HttpStatus.CONFLICT, HttpStatus.PAYLOAD_TOO_LARGE,
                HttpStatus.UNSUPPORTED_MEDIA_TYPE, HttpStatus.TOO_MANY_REQUESTS, HttpStatus.BAD_GATEWAY);
        assertThat(ProblemResponses.of(handler("adminOnly"))).containsExactly(HttpStatus.UNAUTHORIZED, HttpStatus.FORBIDDEN);
    }

    @Test
    void aRefusalWithoutAStatusIsAnError() {
        assertThatThrownBy(() -> ApiDocumentation.responseName(HttpStatus.I_AM_A_TEAPOT)).isInstanceOf(IllegalArgumentException.class);
    }

    private static HandlerMethod handler(String name, Class<?>... parameters) throws NoSuchMethodException {
        return new HandlerMethod(new Fixture(), Fixture.class.getDeclaredMethod(name, parameters));
    }

    private static DomainException instance(Class<? extends DomainException> type) throws Exception {
        if (type == TooManyRequests.class) {
            return new TooManyRequests("t", "d", Duration.ofSeconds(1));
        }
        if (type == NotFound.class) {
            return new NotFound("Thing");
        }
        Constructor<? extends DomainException> c = type.getConstructor(String.class, String.class);
        return c.newInstance("t", "d");
    }

    @SuppressWarnings("unused")
    static class Fixture {
        void list(@RequestParam String limit) {
        }

        void get(@PathVariable UUID id) {
        }

        @Refusals({Conflict.class, TooManyRequests.class, UpstreamFailed.class})
        void change(@PathVariable UUID id, @RequestBody Object body) {
        }

        @PreAuthorize("hasRole('ADMIN')")
        void adminOnly() {
        }
    }
}
