package dev.pgfleet.backup;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pgfleet.testsupport.ControlPlane;
import dev.pgfleet.testsupport.DashboardSession;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * What one tenant can make the control plane do, through the real API and dashboard of a real control plane with
 * two real databases: schedule and retention limits, one backup job at a time per tenant (limit lowered to 1 here),
 * the backup storage quota for on-demand and scheduled backups, restores per database and per tenant, and the
 * insights cache and rate (5 a minute here).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Tag("integration")
class TenantLimitsIntegrationTest {
    private static final Pattern PASSWORD = Pattern.compile("data-testid=\"created-password\">([^<]+)<");
    private static final Pattern TOKEN = Pattern.compile("id=\"created-token\">([^<]+)<");
    private static final Pattern ALICE_ID = Pattern.compile("href=\"/admin/tenants/([0-9a-f-]{36})\">alice<");

    private ControlPlane cp;
    private String alice;
    private String alicePassword;
    private String aliceTenantId;
    private String bob;
    private String shop;
    private String blog;

    @BeforeAll
    void start() throws Exception {
        cp = ControlPlane.start(Map.of(
                // Short enough for a scheduled firing within the test; the 1-hour default is unit-tested (CronIntervalsTest).
                "pgfleet.backup.minimum-interval", "10s",
                "pgfleet.backup.max-running-per-tenant", 1,
                "pgfleet.insights.requests-per-minute", 5));
        DashboardSession admin = new DashboardSession(cp.baseUrl());
        admin.signIn("admin", Files.readString(cp.home().resolve("admin-password")).strip());
        String created = admin.postForm("/admin/tenants", Map.of("name", "alice")).body();
        alicePassword = group(PASSWORD, created);
        alice = group(TOKEN, created);
        aliceTenantId = group(ALICE_ID, admin.get("/admin/tenants").body());
        bob = cp.createTenant("bob");
        shop = cp.post("/api/v1/databases", alice, "{\"name\":\"shop\",\"plan\":\"dev\"}").json().get("id").asText();
        blog = cp.post("/api/v1/databases", alice, "{\"name\":\"blog\",\"plan\":\"dev\"}").json().get("id").asText();
        cp.awaitStatus(shop, alice, "READY", Duration.ofSeconds(180));
        cp.awaitStatus(blog, alice, "READY", Duration.ofSeconds(180));
    }

    @AfterAll
    void stop() {
        if (cp != null) {
            cp.close();
        }
    }

    @Test
    @Order(1)
    void schedulesAndRetentionBeyondTheLimitsAreRefusedWithTheFieldAndChangeNothing() {
        String policy = "/api/v1/databases/" + shop + "/backup-policy";
        assertThat(cp.put(policy, alice, policy("0 0 2 * * ?", 7, null)).status()).isEqualTo(200);

        ControlPlane.Response tooOften = cp.put(policy, alice, policy("0/5 * * * * ?", 7, null));
        assertThat(tooOften.status()).isEqualTo(422);
        assertThat(tooOften.isProblem()).isTrue();
        assertThat(tooOften.json().get("field").asText()).isEqualTo("cron");
        assertThat(tooOften.json().get("detail").asText()).contains("5 seconds apart").contains("at most once every 10 seconds");
        // Irregular: every 10 s except one 5-second gap each minute.
        ControlPlane.Response irregular = cp.put(policy, alice, policy("0,10,20,30,40,45 * * * * ?", 7, null));
        assertThat(irregular.status()).isEqualTo(422);
        assertThat(irregular.json().get("detail").asText()).contains("5 seconds apart");
        ControlPlane.Response never = cp.put(policy, alice, policy("0 0 0 30 2 ?", 7, null));
        assertThat(never.status()).isEqualTo(422);
        assertThat(never.json().get("detail").asText()).contains("no firing time");

        ControlPlane.Response tooMany = cp.put(policy, alice, policy("0 0 2 * * ?", 101, null));
        assertThat(tooMany.status()).isEqualTo(422);
        assertThat(tooMany.json().get("field").asText()).isEqualTo("retentionCount");
        assertThat(tooMany.json().get("detail").asText()).contains("At most 100 backups");
        ControlPlane.Response tooLong = cp.put(policy, alice, policy("0 0 2 * * ?", null, 366));
        assertThat(tooLong.status()).isEqualTo(422);
        assertThat(tooLong.json().get("field").asText()).isEqualTo("retentionDays");
        assertThat(tooLong.json().get("detail").asText()).contains("365 days");

        JsonNode unchanged = cp.get(policy, alice).json();
        assertThat(unchanged.get("cron").asText()).isEqualTo("0 0 2 * * ?");
        assertThat(unchanged.get("retentionCount").asInt()).isEqualTo(7);

        // Drills: at most once every 24 hours by default, whether or not the policy is on.
        String drillPolicy = "/api/v1/databases/" + shop + "/drill-policy";
        ControlPlane.Response hourlyDrills = cp.put(drillPolicy, alice, "{\"cron\":\"0 0 * * * ?\",\"enabled\":false,\"type\":\"switchover\"}");
        assertThat(hourlyDrills.status()).isEqualTo(422);
        assertThat(hourlyDrills.json().get("field").asText()).isEqualTo("cron");
        assertThat(hourlyDrills.json().get("detail").asText()).contains("1 hour apart").contains("at most once every 24 hours");
        assertThat(cp.put(drillPolicy, alice, "{\"cron\":\"0 0 4 * * ?\",\"enabled\":false,\"type\":\"switchover\"}").status())
                .isEqualTo(200);

        DashboardSession page = new DashboardSession(cp.baseUrl());
        page.signIn("alice", alicePassword);
        assertThat(page.get("/databases/" + shop + "/backups").body()).as("the limits are shown with the form")
                .contains("At most once every 10 seconds; keep at most 100 backups and 365 days.");
        ControlPlane.Response form = page.postForm("/databases/" + shop + "/backup-policy",
                Map.of("cron", "0/5 * * * * ?", "retentionCount", "7", "enabled", "true"));
        assertThat(form.status()).isEqualTo(422);
        assertThat(form.body()).contains("5 seconds apart").contains("value=\"0/5 * * * * ?\"");
        ControlPlane.Response drillForm = page.postForm("/databases/" + shop + "/drill-policy",
                Map.of("cron", "0 0 * * * ?", "type", "switchover"));
        // Refused alike (a dev database's Drills tab shows no policy form, so the sentence is not on this page).
        assertThat(drillForm.status()).isEqualTo(422);
        assertThat(cp.get(policy, alice).json().get("cron").asText()).isEqualTo("0 0 2 * * ?");
    }

    @Test
    @Order(2)
    void aTenantRunsOneBackupJobAtATimeHereAndTheOtherWaitsItsTurn() throws Exception {
        ControlPlane.Response first = cp.post(backups(shop), alice, "");
        ControlPlane.Response second = cp.post(backups(blog), alice, "");
        assertThat(first.status()).as(first.body()).isEqualTo(202);
        assertThat(second.status()).as(second.body()).isEqualTo(202);
        String[] ids = {first.json().get("id").asText(), second.json().get("id").asText()};
        String[] dbs = {shop, blog};

        Set<String> reasonsSeen = new HashSet<>();
        int mostAtOnce = 0;
        long deadline = System.nanoTime() + Duration.ofSeconds(240).toNanos();
        JsonNode[] now = new JsonNode[2];
        while (System.nanoTime() < deadline) {
            int working = 0;
            for (int i = 0; i < 2; i++) {
                now[i] = cp.get(backups(dbs[i]) + "/" + ids[i], alice).json();
                if (working(now[i])) {
                    working++;
                }
                if (now[i].hasNonNull("statusReason")) {
                    reasonsSeen.add(now[i].get("statusReason").asText());
                }
            }
            mostAtOnce = Math.max(mostAtOnce, working);
            if (done(now[0]) && done(now[1])) {
                break;
            }
            Thread.sleep(150);
        }
        for (JsonNode b : now) {
            assertThat(b.get("status").asText()).as(b.toString()).isEqualTo("SUCCEEDED");
            assertThat(b.get("verification").asText()).as(b.toString()).isEqualTo("PASSED");
        }
        assertThat(mostAtOnce).as("backups or verifications of one tenant running at once").isEqualTo(1);
        assertThat(reasonsSeen).anySatisfy(r -> assertThat(r).startsWith("Waiting for its turn: at most 1 backups"));
    }

    @Test
    @Order(3)
    void onceItsStoredBackupsReachItsQuotaATenantsBackupsAreRefusedAndRecordedAsFailed() throws Exception {
        long stored = 0;
        for (String db : new String[] {shop, blog}) {
            for (JsonNode b : cp.get(backups(db), alice).json()) {
                if ("SUCCEEDED".equals(b.get("status").asText())) {
                    stored += b.get("sizeBytes").asLong();
                }
            }
        }
        JsonNode usage = cp.get("/api/v1/backup-usage", alice).json();
        assertThat(usage.get("usedBytes").asLong()).isEqualTo(stored).isPositive();
        assertThat(usage.get("quotaBytes").asLong()).as("the default, 100 GiB").isEqualTo(100L << 30);
        assertThat(cp.get("/api/v1/backup-usage", bob).json().get("usedBytes").asLong()).as("bob stores nothing").isZero();

        String quota = "/api/v1/tenants/" + aliceTenantId + "/backup-quota";
        assertThat(cp.put(quota, bob, "{\"quotaBytes\":1}").status()).as("only the admin sets quotas").isEqualTo(403);
        assertThat(cp.put(quota, cp.adminToken(), "{\"quotaBytes\":-1}").status()).isEqualTo(400);
        JsonNode set = cp.put(quota, cp.adminToken(), "{\"quotaBytes\":" + stored + "}").json();
        assertThat(set.get("quotaReached").asBoolean()).isTrue();
        assertThat(set.get("ownQuota").asBoolean()).isTrue();

        int before = cp.get(backups(shop), alice).json().size();
        ControlPlane.Response refused = cp.post(backups(shop), alice, "");
        assertThat(refused.status()).isEqualTo(409);
        assertThat(refused.isProblem()).isTrue();
        assertThat(refused.json().get("detail").asText()).contains("quota").contains(String.format("%,d", stored));
        assertThat(cp.get(backups(shop), alice).json()).as("nothing was created").hasSize(before);

        // A scheduled firing over the quota leaves a FAILED backup that says why, and an event.
        assertThat(cp.put("/api/v1/databases/" + shop + "/backup-policy", alice, policy("0/10 * * * * ?", 7, null)).status()).isEqualTo(200);
        JsonNode failed = null;
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (failed == null && System.nanoTime() < deadline) {
            for (JsonNode b : cp.get(backups(shop), alice).json()) {
                if ("SCHEDULED".equals(b.get("trigger").asText())) {
                    failed = b;
                }
            }
            Thread.sleep(500);
        }
        assertThat(cp.put("/api/v1/databases/" + shop + "/backup-policy", alice, policy("0 0 2 * * ?", 7, null)).status()).isEqualTo(200);
        assertThat(failed).as("a scheduled firing within a minute").isNotNull();
        assertThat(failed.get("status").asText()).isEqualTo("FAILED");
        assertThat(failed.get("statusReason").asText()).contains("Not taken").contains("quota");
        assertThat(failed.hasNonNull("sizeBytes")).isFalse();
        assertThat(cp.get("/api/v1/databases/" + shop, alice).json().get("events").toString()).contains("BackupQuotaReached");
        assertThat(cp.get("/api/v1/backup-usage", alice).json().get("usedBytes").asLong()).as("no bytes were added").isEqualTo(stored);

        JsonNode cleared = cp.put(quota, cp.adminToken(), "{\"quotaBytes\":null}").json();
        assertThat(cleared.get("ownQuota").asBoolean()).isFalse();
        assertThat(cleared.get("quotaReached").asBoolean()).isFalse();
    }

    @Test
    @Order(4)
    void oneRestoreAtATimeIntoADatabaseAndNoMoreThanTheTenantsBound() throws Exception {
        String backupId = newestSucceeded(shop);
        String blogBackupId = newestSucceeded(blog);
        // The restore starts at once (shop is READY) and takes about a second: both refusals are asked for right away.
        ControlPlane.Response started = cp.post("/api/v1/databases/" + shop + "/restore", alice,
                "{\"backupId\":\"" + backupId + "\",\"overwrite\":true}");
        ControlPlane.Response again = cp.post("/api/v1/databases/" + shop + "/restore", alice,
                "{\"backupId\":\"" + backupId + "\",\"overwrite\":true}");
        ControlPlane.Response other = cp.post("/api/v1/databases/" + blog + "/restore", alice,
                "{\"backupId\":\"" + blogBackupId + "\",\"newDatabaseName\":\"blog-copy\"}");
        assertThat(started.status()).as(started.body()).isEqualTo(202);
        assertThat(again.status()).as(again.body()).isEqualTo(409);
        // The operations lock refuses it, naming the restore in the way (RESTORE conflicts with RESTORE).
        String first = null;
        for (JsonNode op : cp.get("/api/v1/databases/" + shop + "/operations", alice).json()) {
            if ("restore".equals(op.get("kind").asText()) && started.json().get("id").asText().equals(op.path("subjectId").asText())) {
                first = op.get("id").asText();
            }
        }
        assertThat(first).as("the first restore is an operation of the database").isNotNull();
        assertThat(again.json().get("detail").asText()).contains("A restore of this database is").contains(first)
                .contains("wait for it to finish");
        assertThat(other.status()).as(other.body()).isEqualTo(409);
        assertThat(other.json().get("detail").asText()).contains("At most 1 restores");
        assertThat(cp.get("/api/v1/databases", alice).json().toString()).as("no database was created for it").doesNotContain("blog-copy");

        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        JsonNode restore = cp.get("/api/v1/databases/" + shop + "/restores", alice).json().get(0);
        while (!restore.get("status").asText().matches("SUCCEEDED|FAILED") && System.nanoTime() < deadline) {
            Thread.sleep(500);
            restore = cp.get("/api/v1/databases/" + shop + "/restores", alice).json().get(0);
        }
        assertThat(restore.get("status").asText()).as(restore.toString()).isEqualTo("SUCCEEDED");
        ControlPlane.Response afterwards = cp.post("/api/v1/databases/" + shop + "/restore", alice,
                "{\"backupId\":\"" + backupId + "\",\"overwrite\":true}");
        assertThat(afterwards.status()).as("the slot is free again: " + afterwards.body()).isEqualTo(202);
    }

    @Test
    @Order(5)
    void insightsAreCachedAFewSecondsAndATenantOverItsRateGets429WithRetryAfter() throws Exception {
        String insights = "/api/v1/databases/" + blog + "/insights";
        assertThat(cp.get(insights, bob).status()).as("another tenant's database, before any rate").isEqualTo(404);
        JsonNode first = cp.get(insights, alice).json();
        JsonNode second = cp.get(insights, alice).json();
        assertThat(second.get("fetchedAt").asText()).as("fetched once, reused").isEqualTo(first.get("fetchedAt").asText());
        assertThat(second.get("sizeBytes").asLong()).isPositive();
        Thread.sleep(5200);
        assertThat(cp.get(insights, alice).json().get("fetchedAt").asText()).as("fetched again after 5 s")
                .isNotEqualTo(first.get("fetchedAt").asText());
        assertThat(cp.get(insights, alice).status()).isEqualTo(200);

        DashboardSession page = new DashboardSession(cp.baseUrl());
        page.signIn("alice", alicePassword);
        assertThat(page.get("/databases/" + blog + "/insights").status()).as("the fifth request this minute").isEqualTo(200);

        // The bucket refills one token every 12 s, so on a slow machine one more may have come since the first
        // request; of two requests sent back to back, the second finds none.
        HttpResponse<String> limited = null;
        for (int i = 0; i < 2 && (limited == null || limited.statusCode() == 200); i++) {
            limited = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(cp.baseUrl() + insights))
                    .header("Authorization", "Bearer " + alice).build(), HttpResponse.BodyHandlers.ofString());
        }
        assertThat(limited.statusCode()).isEqualTo(429);
        assertThat(limited.headers().firstValue("Content-Type").orElse("")).startsWith("application/problem+json");
        long retryAfter = Long.parseLong(limited.headers().firstValue("Retry-After").orElseThrow());
        assertThat(retryAfter).isBetween(1L, 12L); // 5 a minute: a token every 12 s
        assertThat(limited.body()).contains("5 requests a minute");

        // Again two back to back where one token may have come back since the 429 (the refill is every 12 s).
        ControlPlane.Response panel = page.get("/databases/" + blog + "/insights");
        if (!panel.body().contains("data-testid=\"insights-limited\"")) {
            panel = page.get("/databases/" + blog + "/insights");
        }
        assertThat(panel.status()).isEqualTo(200);
        assertThat(panel.body()).contains("data-testid=\"insights-limited\"").contains("5 requests a minute")
                .as("the last figures stay on the page").contains("data-testid=\"database-size\"");
        ControlPlane.Response otherDatabase = cp.get("/api/v1/databases/" + shop + "/insights", alice);
        if (otherDatabase.status() == 200) {
            otherDatabase = cp.get("/api/v1/databases/" + shop + "/insights", alice);
        }
        assertThat(otherDatabase.status()).as("per tenant, not per database").isEqualTo(429);
    }

    private static boolean working(JsonNode b) {
        return "RUNNING".equals(b.get("status").asText()) || "PENDING".equals(b.get("verification").asText());
    }

    private static boolean done(JsonNode b) {
        String s = b.get("status").asText();
        return "FAILED".equals(s) || ("SUCCEEDED".equals(s) && !"PENDING".equals(b.get("verification").asText())
                && !"NOT_VERIFIED".equals(b.get("verification").asText()));
    }

    private String newestSucceeded(String db) {
        for (JsonNode b : cp.get(backups(db), alice).json()) {
            if ("SUCCEEDED".equals(b.get("status").asText())) {
                return b.get("id").asText();
            }
        }
        throw new AssertionError("no successful backup of " + db);
    }

    private static String backups(String db) {
        return "/api/v1/databases/" + db + "/backups";
    }

    private static String policy(String cron, Integer retentionCount, Integer retentionDays) {
        return "{\"cron\":\"" + cron + "\",\"enabled\":true,\"retentionCount\":" + retentionCount + ",\"retentionDays\":" + retentionDays
                + ",\"verifyAfterBackup\":true}";
    }

    private static String group(Pattern p, String text) {
        Matcher m = p.matcher(text);
        assertThat(m.find()).as(p + " in " + text).isTrue();
        return m.group(1);
    }
}
