package dev.pgfleet.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pgfleet.problem.InvalidInput;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The pure parts of paging: parameters, the cursor's round trip, and where a page ends. */
class PaginationTest {

    @Test
    void limitDefaultsAndIsRefusedOutOfRange() {
        assertThat(Pagination.PageRequest.of(null, null)).isEqualTo(new Pagination.PageRequest(50, null));
        assertThat(Pagination.PageRequest.of(" 200 ", "").limit()).isEqualTo(200);
        for (String bad : new String[] {"0", "201", "-1", "1.5", "ten", "99999999999999999999"}) {
            assertThatThrownBy(() -> Pagination.PageRequest.of(bad, null)).as(bad).isInstanceOfSatisfying(InvalidInput.class, e -> {
                assertThat(e.field()).isEqualTo("limit");
            });
        }
    }

    @Test
    void theCursorRoundTripsToTheMicrosecondAndForgeriesAreRefused() {
        var cursor = new Pagination.Cursor(Instant.parse("2026-12-03T04:05:06.123456Z"), UUID.randomUUID());
        assertThat(Pagination.PageRequest.of("5", cursor.encode()).after()).isEqualTo(cursor);
        var early = new Pagination.Cursor(Instant.parse("1969-12-31T23:59:59.999999Z"), new UUID(0, 1));
        assertThat(Pagination.Cursor.decode(early.encode())).isEqualTo(early);
        for (String bad : new String[] {"%%%", "bm90LWEtY3Vyc29y", "MTIz", "MTIzLm5vdC1hLXV1aWQ"}) {
            assertThatThrownBy(() -> Pagination.PageRequest.of(null, bad)).as(bad)
                    .isInstanceOfSatisfying(InvalidInput.class, e -> assertThat(e.field()).isEqualTo("cursor"));
        }
    }

    @Test
    void aPageKeepsLimitRowsAndPointsAfterTheLastOneOnlyWhenMoreFollow() {
        var request = new Pagination.PageRequest(2, null);
        List<Integer> rows = List.of(1, 2, 3);
        var page = Pagination.Page.of(rows, request, i -> new Pagination.Cursor(Instant.EPOCH.plusSeconds(i), new UUID(0, i)));
        assertThat(page.items()).containsExactly(1, 2);
        assertThat(page.next()).isEqualTo(new Pagination.Cursor(Instant.EPOCH.plusSeconds(2), new UUID(0, 2)));
        assertThat(Pagination.Page.of(List.of(1, 2), request, i -> null).next()).isNull();
        assertThat(request.probe().max()).isEqualTo(3);
    }
}
