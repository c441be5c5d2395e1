package dev.pgfleet.system;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.springframework.http.ProblemDetail;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.util.unit.DataSize;

/** Which request shapes are refused before anything runs, and with which status (the HTTP test covers every route). */
class RequestShapeFilterTest {
    private final RequestShapeFilter filter = new RequestShapeFilter(new ObjectMapper(), DataSize.ofKilobytes(1));

    @Test
    void refusesMultipartUnparseableHeadersOversizedBodiesAndApiCallsThatAcceptNoJson() {
        assertThat(status("POST", "/api/v1/databases", "multipart/form-data", null, 0)).isEqualTo(415);
        assertThat(status("POST", "/databases", "Multipart/Mixed; boundary=x", null, 0)).isEqualTo(415);
        assertThat(status("POST", "/databases", ";;;", null, 0)).isEqualTo(400);
        assertThat(status("GET", "/databases", null, ";;", 0)).isEqualTo(400);
        assertThat(status("DELETE", "/api/v1/databases/x", null, "text/csv", 0)).isEqualTo(406);
        assertThat(status("POST", "/api/v1/databases", "application/json", null, 1025)).isEqualTo(413);
    }

    @Test
    void letsOrdinaryRequestsThrough() {
        assertThat(status("POST", "/api/v1/databases", "application/json", "application/json", 1024)).isNull();
        assertThat(status("GET", "/api/v1/databases/x/manifests", null, "application/yaml", 0)).isNull();
        assertThat(status("GET", "/api/v1/databases", null, "*/*", 0)).isNull();
        assertThat(status("GET", "/databases", null, "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8", 0)).isNull();
        assertThat(status("POST", "/login", "application/x-www-form-urlencoded", "text/html", 30)).isNull();
    }

    private Integer status(String method, String path, String contentType, String accept, int length) {
        MockHttpServletRequest request = new MockHttpServletRequest(method, path);
        if (contentType != null) {
            request.addHeader("Content-Type", contentType);
        }
        if (accept != null) {
            request.addHeader("Accept", accept);
        }
        if (length > 0) {
            request.setContent(new byte[length]);
        }
        ProblemDetail p = filter.refusal(request);
        return p == null ? null : p.getStatus();
    }
}
