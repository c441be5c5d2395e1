package dev.pgfleet.system;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pgfleet.testsupport.ControlPlane;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Every API list pages the same way, over real HTTP: {@code ?limit=&cursor=}, the page as a JSON array, the next
 * page in a {@code Link: <...>; rel="next"} header, none on the last page. Following the links visits every item
 * exactly once in a stable order, also across items created in the same microsecond (ties broken by id) and
 * when items are added while paging; a limit out of range or a forged cursor is a 400 problem.
 *
 * <p>Backups, restores and drills are written straight into the metadata store (their real making needs running
 * clusters and minutes); the lists are then read only through the API.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Tag("integration")
class PaginationIntegrationTest {
    private static final Pattern NEXT = Pattern.compile("<([^>]+)>; rel=\"next\"");

    private ControlPlane cp;
    private String token;
    private final List<String> databases = new ArrayList<>();
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeAll
    void start() throws Exception {
        cp = ControlPlane.start();
        token = cp.createTenant("pager");
        for (String name : new String[] {"first", "second", "third"}) {
            ControlPlane.Response r = cp.post("/api/v1/databases", token, "{\"name\":\"" + name + "\",\"plan\":\"dev\"}");
            assertThat(r.status()).as(r.body()).isEqualTo(202);
            databases.add(r.json().get("id").asText());
        }
    }

    @AfterAll
    void stop() {
        if (cp != null) {
            cp.close();
        }
    }

    @Test
    void databasesPageOldestFirstAndTheLastPageHasNoLink() throws Exception {
        List<String> seen = walk("/api/v1/databases?limit=2", 2);
        assertThat(seen).containsExactlyElementsOf(databases);
        HttpResponse<String> all = get("/api/v1/databases");
        assertThat(all.headers().firstValue("Link")).as("the default limit holds them all").isEmpty();
        assertThat(cp.get("/api/v1/databases", token).json()).hasSize(3);
    }

    @Test
    void backupsRestoresAndDrillsPageNewestFirstWithTiesBrokenById() throws Exception {
        UUID db = UUID.fromString(databases.get(0));
        Instant base = Instant.now().truncatedTo(ChronoUnit.MICROS).minusSeconds(3600);
        List<UUID> backups = new ArrayList<>();
        List<UUID> restores = new ArrayList<>();
        List<UUID> drills = new ArrayList<>();
        try (Connection c = cp.bean(DataSource.class).getConnection()) {
            for (int i = 0; i < 7; i++) {
                Instant at = base.plusSeconds(i < 3 ? 0 : i); // three backups in the same microsecond
                UUID backup = UUID.randomUUID();
                // A backup's and a restore's lifecycle is their operation's (V13).
                UUID backupOperation = failedOperation(c, db, "BACKUP", backup, at);
                insert(c, "insert into backups (id, database_id, trigger_kind, operation_id, created_at, format, verification)"
                        + " values (?, ?, 'ON_DEMAND', ?, ?, 'custom', 'NOT_VERIFIED')", backup, db, backupOperation, at);
                backups.add(backup);
                UUID restore = UUID.randomUUID();
                UUID restoreOperation = failedOperation(c, db, "RESTORE", restore, at);
                insert(c, "insert into restores (id, backup_id, target_database_id, overwrite, operation_id, created_at)"
                        + " values (?, ?, ?, true, ?, ?)", restore, backup, db, restoreOperation, at);
                restores.add(restore);
                UUID drill = UUID.randomUUID();
                insert(c, "insert into drills (id, database_id, kind, trigger_kind, status, created_at)"
                        + " values (?, ?, 'SWITCHOVER', 'ON_DEMAND', 'FAILED', ?)", drill, db, at);
                drills.add(drill);
            }
        }
        String base64 = "/api/v1/databases/" + db;
        assertThat(walk(base64 + "/backups?limit=3", 3)).containsExactlyElementsOf(newestFirst(backups, 3));
        assertThat(walk(base64 + "/restores?limit=2", 4)).containsExactlyElementsOf(newestFirst(restores, 3));
        assertThat(walk(base64 + "/drills?limit=5", 2)).containsExactlyElementsOf(newestFirst(drills, 3));
    }

    @Test
    void aPageBoundaryStaysPutWhenItemsAreAddedMeanwhile() throws Exception {
        UUID db = UUID.fromString(databases.get(1));
        Instant base = Instant.now().truncatedTo(ChronoUnit.MICROS).minusSeconds(600);
        try (Connection c = cp.bean(DataSource.class).getConnection()) {
            for (int i = 0; i < 4; i++) {
                failedBackup(c, db, base.plusSeconds(i));
            }
            HttpResponse<String> first = get("/api/v1/databases/" + db + "/backups?limit=2");
            List<String> firstIds = ids(first.body());
            // A newer backup arrives between the two pages: it is not on the second page, nothing repeats or is skipped.
            failedBackup(c, db, base.plusSeconds(100));
            HttpResponse<String> second = get(next(first));
            assertThat(ids(second.body())).hasSize(2).doesNotContainAnyElementsOf(firstIds);
            assertThat(second.headers().firstValue("Link")).isEmpty();
        }
    }

    @Test
    void aLimitOutOfRangeOrAForgedCursorIsABadRequest() {
        String backups = "/api/v1/databases/" + databases.get(0) + "/backups";
        for (String query : new String[] {"limit=0", "limit=201", "limit=-5", "limit=ten", "limit=99999999999999999999",
                "cursor=bm90LWEtY3Vyc29y", "cursor=%00", "cursor=" + "A".repeat(500)}) {
            for (String path : new String[] {"/api/v1/databases", backups}) {
                ControlPlane.Response r = cp.get(path + "?" + query, token);
                assertThat(r.status()).as(path + "?" + query + ": " + r.body()).isEqualTo(400);
                assertThat(r.isProblem()).isTrue();
                assertThat(r.json().get("field").asText()).isIn("limit", "cursor");
            }
        }
        ControlPlane.Response max = cp.get("/api/v1/databases?limit=200", token);
        assertThat(max.status()).isEqualTo(200);
        assertThat(cp.get("/api/v1/databases?limit=201", token).json().get("detail").asText()).contains("1 to 200");
    }

    /** Follows the Link headers from the first page; returns the ids in the order seen and checks the page count. */
    private List<String> walk(String firstPage, int expectedPages) throws Exception {
        List<String> seen = new ArrayList<>();
        String url = firstPage;
        int pages = 0;
        while (url != null) {
            HttpResponse<String> r = get(url);
            assertThat(r.statusCode()).as(url + ": " + r.body()).isEqualTo(200);
            seen.addAll(ids(r.body()));
            pages++;
            url = r.headers().firstValue("Link").isPresent() ? next(r) : null;
        }
        assertThat(pages).as("pages of " + firstPage).isEqualTo(expectedPages);
        assertThat(seen).doesNotHaveDuplicates();
        return seen;
    }

    private static String next(HttpResponse<String> r) {
        Matcher m = NEXT.matcher(r.headers().firstValue("Link").orElseThrow());
        assertThat(m.find()).isTrue();
        return URI.create(m.group(1)).getRawPath() + "?" + URI.create(m.group(1)).getRawQuery();
    }

    private HttpResponse<String> get(String pathAndQuery) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(cp.baseUrl() + pathAndQuery)).header("Authorization", "Bearer " + token).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static List<String> ids(String body) throws Exception {
        List<String> ids = new ArrayList<>();
        for (JsonNode item : new com.fasterxml.jackson.databind.ObjectMapper().readTree(body)) {
            ids.add(item.get("id").asText());
        }
        return ids;
    }

    /**
     * The expected order: newest first; the first {@code tied} share a time, so among them the greater id comes first
     * (PostgreSQL orders uuids by their bytes, as their lowercase text sorts; UUID.compareTo compares signed longs).
     */
    private static List<String> newestFirst(List<UUID> insertedOldestFirst, int tied) {
        List<String> order = new ArrayList<>();
        for (int i = insertedOldestFirst.size() - 1; i >= tied; i--) {
            order.add(insertedOldestFirst.get(i).toString());
        }
        insertedOldestFirst.subList(0, tied).stream().map(UUID::toString).sorted(java.util.Comparator.reverseOrder()).forEach(order::add);
        return order;
    }

    private static void failedBackup(Connection c, UUID db, Instant at) throws Exception {
        UUID backup = UUID.randomUUID();
        insert(c, "insert into backups (id, database_id, trigger_kind, operation_id, created_at, format, verification)"
                + " values (?, ?, 'ON_DEMAND', ?, ?, 'custom', 'NOT_VERIFIED')", backup, db, failedOperation(c, db, "BACKUP", backup, at), at);
    }

    private static UUID failedOperation(Connection c, UUID db, String kind, UUID subject, Instant at) throws Exception {
        UUID id = UUID.randomUUID();
        insert(c, "insert into database_operations (id, database_id, tenant_id, kind, state, requested_by, subject_id, requested_at)"
                + " select ?, id, tenant_id, ?, 'FAILED', 'user', ?, ? from databases where id = ?", id, kind, subject, at, db);
        return id;
    }

    private static void insert(Connection c, String sql, Object... values) throws Exception {
        try (PreparedStatement s = c.prepareStatement(sql)) {
            for (int i = 0; i < values.length; i++) {
                s.setObject(i + 1, values[i] instanceof Instant at ? Timestamp.from(at) : values[i]);
            }
            s.executeUpdate();
        }
    }
}
