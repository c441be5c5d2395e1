package dev.pgfleet.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgfleet.testsupport.ControlPlane;
import dev.pgfleet.testsupport.DashboardSession;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
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
 * The dashboard's sign-in, CSRF, roles and tenant isolation over real HTTP against a real control plane: another
 * tenant's database answers 404 on every page and action, exactly as in the API, and nothing is changed.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Tag("integration")
class DashboardSecurityIntegrationTest {
    private static final Pattern PASSWORD = Pattern.compile("data-testid=\"created-password\">([^<]+)<");
    private static final Pattern TOKEN = Pattern.compile("id=\"created-token\">([^<]+)<");

    private ControlPlane cp;
    private DashboardSession admin;
    private String alicePassword;
    private String aliceToken;
    private String bobPassword;
    private String aliceDatabase;

    @BeforeAll
    void start() throws Exception {
        cp = ControlPlane.start();
        admin = new DashboardSession(cp.baseUrl());
        assertThat(admin.signIn("admin", Files.readString(cp.home().resolve("admin-password")).strip()).location()).endsWith("/databases");
        ControlPlane.Response alice = admin.postForm("/admin/tenants", Map.of("name", "alice"));
        assertThat(alice.status()).as(alice.body()).isEqualTo(200);
        alicePassword = group(PASSWORD, alice.body());
        aliceToken = group(TOKEN, alice.body());
        bobPassword = group(PASSWORD, admin.postForm("/admin/tenants", Map.of("name", "bob")).body());
        aliceDatabase = cp.post("/api/v1/databases", aliceToken, "{\"name\":\"private\",\"plan\":\"dev\"}").json().get("id").asText();
    }

    @AfterAll
    void stop() {
        if (cp != null) {
            cp.close();
        }
    }

    @Test
    @Order(1)
    void theAdminPasswordIsWrittenPrivatelyAndSurvivesARestart() throws Exception {
        var file = cp.home().resolve("admin-password");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        String before = Files.readString(file);
        cp.restart();
        assertThat(Files.readString(file)).as("set once, not regenerated").isEqualTo(before);
        admin = new DashboardSession(cp.baseUrl());
        assertThat(admin.signIn("admin", before.strip()).location()).endsWith("/databases");
    }

    @Test
    @Order(2)
    void anonymousVisitorsAreSentToSignInAndBadPasswordsRefused() {
        DashboardSession anonymous = new DashboardSession(cp.baseUrl());
        ControlPlane.Response page = anonymous.get("/databases/" + aliceDatabase);
        assertThat(page.status()).isEqualTo(302);
        assertThat(page.location()).endsWith("/login");
        assertThat(anonymous.signIn("alice", "not-the-password").location()).endsWith("/login?error");
        assertThat(anonymous.signIn("nobody", "whatever-it-is").location()).endsWith("/login?error");
        assertThat(anonymous.get("/login").body()).contains("name=\"username\"");
    }

    @Test
    @Order(3)
    void anotherTenantsDatabaseIsNotFoundOnEveryPageAndAction() {
        DashboardSession bob = new DashboardSession(cp.baseUrl());
        assertThat(bob.signIn("bob", bobPassword).location()).endsWith("/databases");
        String base = "/databases/" + aliceDatabase;
        for (String path : new String[] {base, base + "/status", base + "/credentials", base + "/connection",
                base + "/connection-string?kind=pooler", base + "/backups", base + "/backups/rows", base + "/drills", base + "/drills/history",
                base + "/insights", base + "/ca.crt"}) {
            ControlPlane.Response r = bob.get(path);
            assertThat(r.status()).as(path).isEqualTo(404);
            assertThat(r.body()).as(path).doesNotContain("private");
        }
        assertThat(bob.postForm(base + "/delete", Map.of("confirmName", "private")).status()).isEqualTo(404);
        assertThat(bob.postForm(base + "/backups", Map.of()).status()).isEqualTo(404);
        assertThat(bob.postForm(base + "/drills", Map.of("type", "switchover")).status()).isEqualTo(404);
        assertThat(bob.postForm(base + "/backup-policy", Map.of("cron", "0 0 1 * * ?", "retentionCount", "1")).status()).isEqualTo(404);
        assertThat(bob.get("/databases").body()).doesNotContain("private");
        // Nothing changed: alice's database is neither deleted nor re-scheduled.
        ControlPlane.Response mine = cp.get("/api/v1/databases/" + aliceDatabase, aliceToken);
        assertThat(mine.status()).isEqualTo(200);
        assertThat(mine.json().get("status").asText()).isNotEqualTo("DELETING");
        assertThat(cp.get("/api/v1/databases/" + aliceDatabase + "/backup-policy", aliceToken).json().get("cron").asText())
                .isEqualTo("0 0 3 * * ?");
    }

    @Test
    @Order(4)
    void formsNeedTheCsrfTokenAndAdminPagesNeedTheAdmin() {
        DashboardSession bob = new DashboardSession(cp.baseUrl());
        bob.signIn("bob", bobPassword);
        assertThat(bob.postFormWithoutCsrf("/databases", Map.of("name", "forged", "plan", "dev")).status()).isEqualTo(403);
        assertThat(bob.get("/databases").body()).doesNotContain("forged");
        assertThat(bob.get("/admin/tenants").status()).isEqualTo(403);
        assertThat(bob.postForm("/admin/tenants", Map.of("name", "mallory")).status()).isEqualTo(403);
        assertThat(admin.get("/admin/tenants").body()).doesNotContain("mallory");
        // The session cookie does not authenticate the API (which has no CSRF protection, so must not accept cookies).
        assertThat(bob.get("/api/v1/databases").status()).isEqualTo(401);
    }

    @Test
    @Order(5)
    void theCreateFormShowsRefusalsBesideTheirFieldAndCreatesNothing() {
        DashboardSession alice = new DashboardSession(cp.baseUrl());
        alice.signIn("alice", alicePassword);
        ControlPlane.Response taken = alice.postForm("/databases", Map.of("name", "private", "plan", "dev", "postgresVersion", "15"));
        assertThat(taken.status()).isEqualTo(422);
        assertThat(taken.body()).contains("id=\"name-error\"").contains("You already have a database named &#39;private&#39;.");
        ControlPlane.Response plan = alice.postForm("/databases", Map.of("name", "other", "plan", "huge", "postgresVersion", "15"));
        assertThat(plan.status()).isEqualTo(422);
        assertThat(plan.body()).contains("There is no plan &#39;huge&#39;");
        ControlPlane.Response version = alice.postForm("/databases", Map.of("name", "other", "plan", "dev", "postgresVersion", "9"));
        assertThat(version.status()).isEqualTo(422);
        assertThat(version.body()).contains("PostgreSQL 9 is not installed here");
        assertThat(cp.get("/api/v1/databases", aliceToken).json()).hasSize(1);
        ControlPlane.Response policy = alice.postForm("/databases/" + aliceDatabase + "/backup-policy",
                Map.of("cron", "every night", "retentionCount", "7", "enabled", "true"));
        assertThat(policy.status()).isEqualTo(422);
        assertThat(policy.body()).contains("is not a Quartz cron expression").contains("value=\"every night\"");
        ControlPlane.Response delete = alice.postForm("/databases/" + aliceDatabase + "/delete", Map.of("confirmName", "privat"));
        assertThat(delete.status()).isEqualTo(422);
        assertThat(cp.get("/api/v1/databases/" + aliceDatabase, aliceToken).json().get("status").asText()).isNotEqualTo("DELETING");
    }

    @Test
    @Order(6)
    void aUserChangesTheirPasswordAndRevokesATokenTheyMade() {
        DashboardSession alice = new DashboardSession(cp.baseUrl());
        alice.signIn("alice", alicePassword);
        ControlPlane.Response wrong = alice.postForm("/account/password", Map.of("current", "nope", "next", "a-long-new-password",
                "confirmation", "a-long-new-password"));
        assertThat(wrong.status()).isEqualTo(422);
        assertThat(wrong.body()).contains("The current password is not right.");
        ControlPlane.Response weak = alice.postForm("/account/password", Map.of("current", alicePassword, "next", "short",
                "confirmation", "short"));
        assertThat(weak.body()).contains("A password needs 12 to 128 characters.");
        assertThat(alice.postForm("/account/password", Map.of("current", alicePassword, "next", "a-long-new-password",
                "confirmation", "a-long-new-password")).status()).isEqualTo(302);
        assertThat(new DashboardSession(cp.baseUrl()).signIn("alice", alicePassword).location()).endsWith("/login?error");
        assertThat(new DashboardSession(cp.baseUrl()).signIn("alice", "a-long-new-password").location()).endsWith("/databases");

        ControlPlane.Response created = alice.postForm("/account/tokens", Map.of("label", "laptop"));
        Matcher m = Pattern.compile("data-testid=\"token-value\">([^<]+)<").matcher(created.body());
        assertThat(m.find()).isTrue();
        String token = m.group(1);
        assertThat(cp.get("/api/v1/databases", token).json()).hasSize(1);
        Matcher revoke = Pattern.compile("action=\"(/account/tokens/[0-9a-f-]+/revoke)\"").matcher(alice.get("/account").body());
        String lastRevoke = null;
        while (revoke.find()) {
            lastRevoke = revoke.group(1);
        }
        assertThat(alice.postForm(lastRevoke, Map.of()).status()).isEqualTo(302);
        assertThat(cp.get("/api/v1/databases", token).status()).isEqualTo(401);
        assertThat(cp.get("/api/v1/databases", aliceToken).status()).as("the other token still works").isEqualTo(200);
    }

    private static String group(Pattern p, String body) {
        Matcher m = p.matcher(body);
        assertThat(m.find()).as("pattern " + p + " in " + body).isTrue();
        return m.group(1);
    }
}
