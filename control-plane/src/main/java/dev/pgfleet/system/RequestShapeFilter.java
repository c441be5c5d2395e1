package dev.pgfleet.system;

import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.List;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.HttpStatus;
import org.springframework.http.InvalidMediaTypeException;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.stereotype.Component;
import org.springframework.util.unit.DataSize;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * The first filter every request meets, before security and before any parsing: refuses, as problem+json, the
 * shapes of request that no route here takes, so that nothing downstream can trip over them.
 * <ul>
 *   <li>a Content-Type or Accept header that is not a media type (400);</li>
 *   <li>a multipart body (415): no route takes an upload, and parsing one (a boundary-less one fails the servlet's
 *       multipart parser) would only spool an attacker's parts to disk;</li>
 *   <li>an API request whose Accept admits none of the API's representations (406), refused before the action runs
 *       rather than after, so that a DELETE with {@code Accept: text/csv} deletes nothing;</li>
 *   <li>a body larger than {@code pgfleet.max-request-body} (413): by Content-Length up front, and by counting for
 *       a chunked body.</li>
 * </ul>
 * And on the way out: an error status that nothing wrote a body for gets its problem+json.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 20)
class RequestShapeFilter extends OncePerRequestFilter {
    static final String NO_MULTIPART = "No route here takes a multipart body: send JSON to the API (Content-Type: application/json)"
            + " and URL-encoded forms to the dashboard.";
    /** What the API can answer with: JSON (and problem+json), YAML manifests, dump downloads. */
    private static final List<MediaType> API_REPRESENTATIONS = List.of(MediaType.APPLICATION_JSON, MediaType.APPLICATION_PROBLEM_JSON,
            MediaType.parseMediaType("application/yaml"), MediaType.APPLICATION_OCTET_STREAM);

    private final ObjectMapper json;
    private final long maxBody;

    @Autowired
    RequestShapeFilter(ObjectMapper json, PgfleetProperties properties) {
        this(json, properties.maxRequestBody());
    }

    RequestShapeFilter(ObjectMapper json, DataSize maxBody) {
        this.json = json;
        this.maxBody = maxBody.toBytes();
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        ProblemDetail refusal = refusal(request);
        if (refusal != null) {
            // The body is not read; Tomcat drains a little of it (server.tomcat.max-swallow-size) and closes past that.
            write(response, json, refusal);
            return;
        }
        BodyWatch watched = new BodyWatch(response);
        chain.doFilter(request.getContentLengthLong() < 0 && request.getHeader("Transfer-Encoding") != null
                ? new LimitedBody(request, maxBody) : request, watched);
        if (watched.getStatus() >= 400 && !watched.wroteBody && !watched.sentError && !response.isCommitted()
                && !"HEAD".equals(request.getMethod())) {
            // A handler that set an error status and said nothing (the actuator's 404 for an unknown health group):
            // the answer still says what happened, as problem+json.
            write(response, json, ClientFaults.problemForStatus(watched.getStatus()));
        }
    }

    /** Pure: what is wrong with the request's shape, or null. */
    ProblemDetail refusal(HttpServletRequest request) {
        String contentType = request.getHeader("Content-Type");
        if (contentType != null && !contentType.isBlank()) {
            MediaType type;
            try {
                type = MediaType.parseMediaType(contentType);
            } catch (InvalidMediaTypeException e) {
                return problem(HttpStatus.BAD_REQUEST, "Invalid Content-Type", "The Content-Type header is not a media type.");
            }
            if ("multipart".equalsIgnoreCase(type.getType())) {
                return problem(HttpStatus.UNSUPPORTED_MEDIA_TYPE, "Unsupported media type", NO_MULTIPART);
            }
        }
        List<MediaType> accepted;
        try {
            accepted = MediaType.parseMediaTypes(request.getHeaders("Accept") == null ? List.of()
                    : java.util.Collections.list(request.getHeaders("Accept")));
        } catch (IllegalArgumentException e) {
            return problem(HttpStatus.BAD_REQUEST, "Invalid Accept", "The Accept header is not a list of media types.");
        }
        if (isApi(request) && !accepted.isEmpty()
                && accepted.stream().noneMatch(a -> API_REPRESENTATIONS.stream().anyMatch(a::isCompatibleWith))) {
            return problem(HttpStatus.NOT_ACCEPTABLE, "Not acceptable",
                    "The API answers with application/json (errors as application/problem+json); accept that.");
        }
        if (request.getContentLengthLong() > maxBody) {
            return problem(HttpStatus.PAYLOAD_TOO_LARGE, "Request body too large",
                    "The request body is larger than " + maxBody + " bytes; no request here needs that much.");
        }
        return null;
    }

    static boolean isApi(HttpServletRequest request) {
        String path = request.getRequestURI().substring(request.getContextPath().length());
        return path.equals("/api") || path.startsWith("/api/");
    }

    static ProblemDetail problem(HttpStatus status, String title, String detail) {
        ProblemDetail p = ProblemDetail.forStatusAndDetail(status, detail);
        p.setTitle(title);
        return p;
    }

    /** Writes a problem as the whole response, whatever the request accepts (RFC 9457 is what errors are). */
    static void write(HttpServletResponse response, ObjectMapper json, ProblemDetail problem) throws IOException {
        response.setStatus(problem.getStatus());
        response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
        response.setCharacterEncoding("UTF-8");
        json.writeValue(response.getOutputStream(), problem);
    }

    /** Notes whether anything wrote a body or asked the container for its error page; writes go straight through. */
    private static final class BodyWatch extends jakarta.servlet.http.HttpServletResponseWrapper {
        boolean wroteBody;
        boolean sentError;

        BodyWatch(HttpServletResponse response) {
            super(response);
        }

        @Override
        public jakarta.servlet.ServletOutputStream getOutputStream() throws IOException {
            wroteBody = true;
            return super.getOutputStream();
        }

        @Override
        public java.io.PrintWriter getWriter() throws IOException {
            wroteBody = true;
            return super.getWriter();
        }

        @Override
        public void sendError(int sc) throws IOException {
            sentError = true;
            super.sendError(sc);
        }

        @Override
        public void sendError(int sc, String msg) throws IOException {
            sentError = true;
            super.sendError(sc, msg);
        }
    }

    /** A chunked body, counted as it is read; past the limit the read fails with {@link RequestBodyTooLarge}. */
    private static final class LimitedBody extends HttpServletRequestWrapper {
        private final long limit;
        private ServletInputStream stream;

        LimitedBody(HttpServletRequest request, long limit) {
            super(request);
            this.limit = limit;
        }

        @Override
        public ServletInputStream getInputStream() throws IOException {
            if (stream == null) {
                stream = new Counting(super.getInputStream(), limit);
            }
            return stream;
        }
    }

    private static final class Counting extends ServletInputStream {
        private final ServletInputStream in;
        private final long limit;
        private long read;

        Counting(ServletInputStream in, long limit) {
            this.in = in;
            this.limit = limit;
        }

        @Override
        public int read() throws IOException {
            int b = in.read();
            if (b >= 0) {
                count(1);
            }
            return b;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            int n = in.read(buffer, offset, length);
            if (n > 0) {
                count(n);
            }
            return n;
        }

        private void count(int n) throws IOException {
            read += n;
            if (read > limit) {
                throw new RequestBodyTooLarge(limit);
            }
        }

        @Override
        public boolean isFinished() {
            return in.isFinished();
        }

        @Override
        public boolean isReady() {
            return in.isReady();
        }

        @Override
        public void setReadListener(ReadListener listener) {
            in.setReadListener(listener);
        }
    }
}
