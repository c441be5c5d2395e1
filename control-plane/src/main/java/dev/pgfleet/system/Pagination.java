package dev.pgfleet.system;

import dev.pgfleet.problem.InvalidInput;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import java.util.function.Function;
import org.springframework.http.HttpHeaders;
import org.springframework.http.ResponseEntity;
import org.springframework.web.servlet.support.ServletUriComponentsBuilder;

/**
 * One way every API list pages: {@code ?limit=&cursor=}. Items come in a stable order (creation time, then id);
 * the answer's body is the JSON array of the page (as before paging existed), and when more items follow, a
 * {@code Link: <...?limit=N&cursor=C>; rel="next"} header names the next page. The cursor is opaque to clients:
 * it encodes the last item's (creation time, id), so a page boundary stays put when items are added or removed
 * (keyset paging, not offsets).
 *
 * <p>A limit above {@link #MAX_LIMIT} is refused (400 naming the maximum), not silently cut: a client that asked
 * for 1000 and got 200 could take the short page for the end.
 */
public final class Pagination {
    public static final int DEFAULT_LIMIT = 50;
    public static final int MAX_LIMIT = 200;

    private Pagination() {
    }

    /** Where a page starts: after the item with this creation time and id (in the list's own direction). */
    public record Cursor(Instant createdAt, UUID id) {
        /** Before every item: where an oldest-first list starts. */
        public static final Cursor BEFORE_ALL = new Cursor(Instant.parse("0001-01-01T00:00:00Z"), new UUID(0, 0));
        /** After every item: where a newest-first list starts. */
        public static final Cursor AFTER_ALL = new Cursor(Instant.parse("9999-12-31T23:59:59Z"),
                UUID.fromString("ffffffff-ffff-ffff-ffff-ffffffffffff"));

        String encode() {
            long micros = createdAt.getEpochSecond() * 1_000_000L + createdAt.getNano() / 1_000;
            return Base64.getUrlEncoder().withoutPadding().encodeToString((micros + "." + id).getBytes(StandardCharsets.US_ASCII));
        }

        static Cursor decode(String value) {
            try {
                String[] parts = new String(Base64.getUrlDecoder().decode(value), StandardCharsets.US_ASCII).split("\\.", 2);
                long micros = Long.parseLong(parts[0]);
                return new Cursor(Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1_000L),
                        UUID.fromString(parts[1]));
            } catch (RuntimeException e) {
                throw new InvalidInput("Invalid cursor",
                        "cursor must be a value this API gave out in a Link header; start without one.", "cursor");
            }
        }
    }

    /** A validated {@code ?limit=&cursor=}; {@code after} is null for the first page. */
    public record PageRequest(int limit, Cursor after) {
        /** From the raw query parameters (either may be null): a bad value is a 400 naming the parameter. */
        public static PageRequest of(String limit, String cursor) {
            int n = DEFAULT_LIMIT;
            if (limit != null && !limit.isBlank()) {
                try {
                    n = Integer.parseInt(limit.strip());
                } catch (NumberFormatException e) {
                    n = -1;
                }
                if (n < 1 || n > MAX_LIMIT) {
                    throw new InvalidInput("Invalid limit",
                            "limit must be a whole number from 1 to " + MAX_LIMIT + " (default " + DEFAULT_LIMIT + ").", "limit");
                }
            }
            return new PageRequest(n, cursor == null || cursor.isBlank() ? null : Cursor.decode(cursor.strip()));
        }

        /** The cursor, or where the list starts when this is its first page. */
        public Cursor afterOr(Cursor start) {
            return after == null ? start : after;
        }

        /** Rows to ask the store for: one more than the page, to learn whether another page follows. */
        public org.springframework.data.domain.Limit probe() {
            return org.springframework.data.domain.Limit.of(limit + 1);
        }
    }

    /** One page of items and where the next one starts (null: this is the last page). */
    public record Page<T>(List<T> items, Cursor next) {
        /** From rows fetched with {@link PageRequest#probe()}: cuts the extra row and takes the cursor from the last kept. */
        public static <T> Page<T> of(List<T> rows, PageRequest request, Function<T, Cursor> cursorOf) {
            if (rows.size() <= request.limit()) {
                return new Page<>(rows, null);
            }
            List<T> items = rows.subList(0, request.limit());
            return new Page<>(List.copyOf(items), cursorOf.apply(items.get(items.size() - 1)));
        }

        public <R> Page<R> map(Function<T, R> f) {
            return new Page<>(items.stream().map(f).toList(), next);
        }
    }

    /** The answer for a page: its items as the body, and the next page's URL in a Link header when there is one. */
    public static <T> ResponseEntity<List<T>> response(Page<T> page, PageRequest request) {
        ResponseEntity.BodyBuilder ok = ResponseEntity.ok();
        if (page.next() != null) {
            String next = ServletUriComponentsBuilder.fromCurrentRequest().replaceQueryParam("limit", request.limit())
                    .replaceQueryParam("cursor", page.next().encode()).build().toUriString();
            ok.header(HttpHeaders.LINK, "<" + next + ">; rel=\"next\"");
        }
        return ok.body(page.items());
    }
}
