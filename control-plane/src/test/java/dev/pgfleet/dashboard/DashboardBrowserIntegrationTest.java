package dev.pgfleet.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pgfleet.testsupport.Browser;
import dev.pgfleet.testsupport.ControlPlane;
import java.net.URI;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;

/**
 * The dashboard in a real headless Chromium against a real control plane (local runtime: Patroni, etcd, PostgreSQL
 * with pgvector, PgBouncer): a tenant's whole day, from sign-in to deleting the database. Every page is also
 * checked for unlabelled inputs and photographed at desktop and mobile widths under target/screenshots.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Tag("integration")
class DashboardBrowserIntegrationTest {
    private static final Path SCREENSHOTS = Path.of("target", "screenshots");

    private ControlPlane cp;
    private Browser browser;
    private String acmePassword;
    private String acmeToken;
    private String databaseId;

    @BeforeAll
    void start() throws Exception {
        cp = ControlPlane.start();
        browser = new Browser(cp.baseUrl(), SCREENSHOTS);
    }

    @AfterAll
    void stop() {
        try {
            if (browser != null) {
                browser.close();
            }
        } finally {
            if (cp != null) {
                cp.close();
            }
        }
    }

    @Test
    @Order(1)
    void theAdminSignsInWithTheKeyboardAndCreatesATenant() throws Exception {
        browser.open("/databases");
        assertThat(browser.path()).as("anonymous visitors are sent to sign in").isEqualTo("/login");
        page("login");
        // Keyboard only: the user name has focus, Tab reaches the password, Enter submits.
        WebElement focused = browser.driver().switchTo().activeElement();
        assertThat(focused.getAttribute("id")).isEqualTo("username");
        focused.sendKeys("admin", Keys.TAB);
        focused = browser.driver().switchTo().activeElement();
        assertThat(focused.getAttribute("id")).isEqualTo("password");
        focused.sendKeys(Files.readString(cp.home().resolve("admin-password")).strip(), Keys.ENTER);
        browser.await(Duration.ofSeconds(20), "signed in", d -> browser.path().equals("/databases"));

        browser.find("a[href='/admin/tenants']").click();
        browser.find("#tenant-name").sendKeys("Not Valid");
        browser.find("#tenant-name").submit();
        // The refusal is a new page: wait for it rather than read the field of the page being left.
        browser.await(Duration.ofSeconds(20), "the refused form", d -> "true".equals(browser.find("#tenant-name").getAttribute("aria-invalid")));
        assertThat(browser.find(".inline-error").getText()).contains("not a valid name");
        browser.find("#tenant-name").clear();
        browser.find("#tenant-name").sendKeys("acme", Keys.ENTER);
        WebElement created = browser.await(Duration.ofSeconds(20), "tenant created", d -> browser.find("[data-testid=created-tenant]"));
        acmePassword = created.findElement(By.id("created-password")).getText();
        acmeToken = created.findElement(By.id("created-token")).getText();
        assertThat(acmePassword).hasSize(20);
        assertThat(cp.get("/api/v1/databases", acmeToken).status()).as("the token shown works against the API").isEqualTo(200);
        page("admin-tenants");

        // A second user of the tenant, added from the tenant's page; the password is shown once.
        browser.driver().findElement(By.linkText("acme")).click();
        browser.find("#user-name").sendKeys("bob", Keys.ENTER);
        WebElement user = browser.await(Duration.ofSeconds(20), "user created", d -> browser.find("[data-testid=created-user]"));
        assertThat(user.findElement(By.id("created-password")).getText()).hasSize(20);
        assertThat(browser.find("main").getText()).contains("bob");
        page("admin-tenant");
        signOut();
    }

    @Test
    @Order(2)
    void aTenantCreatesADatabaseAndWatchesItBecomeReady() {
        signIn("acme", acmePassword);
        page("databases-empty");
        browser.find("[data-testid=new-database]").click();
        page("create-database");
        // A bad name: the form comes back with the API's sentence beside the field, and nothing is created.
        browser.find("#name").sendKeys("Shop!");
        browser.find("#plan-ha").click();
        browser.find("#name").submit();
        assertThat(browser.find("#name-error").getText()).contains("not a valid name");
        assertThat(browser.find("#name").getAttribute("value")).isEqualTo("Shop!");
        page("create-database-error");
        assertThat(cp.get("/api/v1/databases", acmeToken).json()).isEmpty();

        browser.find("#name").clear();
        browser.find("#name").sendKeys("shop");
        browser.find("#name").submit();
        browser.await(Duration.ofSeconds(20), "on the detail page", d -> browser.path().matches("/databases/[0-9a-f-]{36}"));
        databaseId = browser.path().substring("/databases/".length());
        // The timeline refreshes by itself until READY.
        browser.await(Duration.ofSeconds(180), "READY in the live status",
                d -> browser.find("[data-testid=live-status] .badge").getText().equals("READY"));
        // The timeline folds away once READY: read it whether shown or not.
        List<String> events = browser.findAll("[data-testid=events] li strong").stream().map(e -> e.getAttribute("textContent")).toList();
        assertThat(events).contains("Requested", "DatabaseCreated");
        assertThat(browser.find("[data-testid=live-status]").getAttribute("hx-trigger")).as("polling stops at READY").isNull();
    }

    @Test
    @Order(3)
    void theDetailPageShowsMembersAndTheConnectionString() {
        browser.open("/databases/" + databaseId);
        browser.await(Duration.ofSeconds(30), "three members, one leader", d -> browser.findAll("[data-testid=members] tbody tr").size() == 3
                && browser.findAll("[data-testid=members] .badge-ok").size() == 1);
        JsonNode credentials = cp.get("/api/v1/databases/" + databaseId + "/credentials", acmeToken).json();
        String poolerUri = credentials.get("poolerUri").asText();
        String password = credentials.get("password").asText();
        String masked = browser.find("[data-testid=pooler-uri]").getText();
        assertThat(masked).doesNotContain(password).contains("********").startsWith("postgresql://shop:");
        assertThat(browser.driver().getPageSource()).as("the password is not in the page until asked for").doesNotContain(password);

        // The connection string asks for verify-full; the CA it needs is one click (or one copied command) away.
        assertThat(masked).endsWith("/shop?sslmode=verify-full");
        String caHref = browser.find("[data-testid=ca-download]").getAttribute("href");
        Object downloaded = browser.script("var x = new XMLHttpRequest(); x.open('GET', arguments[0], false); x.send();"
                + " return x.status + ' ' + x.getResponseHeader('Content-Type') + '\\n' + x.responseText;", caHref);
        assertThat(String.valueOf(downloaded)).startsWith("200 application/x-pem-file")
                .endsWith(cp.get("/api/v1/databases/" + databaseId + "/ca.crt", acmeToken).body());
        assertThat(browser.find("[data-testid=ca-command]").getText())
                .contains(cp.baseUrl() + "/api/v1/databases/" + databaseId + "/ca.crt", "-o shop-ca.crt");

        // A replica's lag may still be unknown right after READY (then it takes no reads yet): reload until both do.
        browser.await(Duration.ofSeconds(60), "both replicas in rotation", d -> {
            List<WebElement> rows = browser.findAll("[data-testid=read-only-replicas] tbody tr");
            if (rows.size() == 2 && rows.stream().allMatch(row -> row.getText().contains("in rotation"))) {
                return true;
            }
            browser.open("/databases/" + databaseId);
            return false;
        });
        // Copy fetches the full string only on the click; the clipboard is observed through a stand-in.
        browser.script("window.__copied = null; navigator.clipboard.writeText = t => { window.__copied = t; return Promise.resolve(); };");
        browser.find("[data-testid=copy-pooler]").click();
        browser.await(Duration.ofSeconds(10), "copied", d -> poolerUri.equals(browser.script("return window.__copied")));

        // An ha database also has the read-only endpoint, with each replica's lag and whether it takes reads.
        String readOnlyUri = credentials.get("readOnlyUri").asText();
        assertThat(browser.find("[data-testid=read-only-uri]").getText()).doesNotContain(password).contains("********")
                .endsWith(":" + java.net.URI.create(readOnlyUri).getPort() + "/shop?sslmode=verify-full");
        assertThat(browser.findAll("[data-testid=read-only-replicas] tbody tr")).hasSize(2)
                .allSatisfy(row -> assertThat(row.getText()).contains("in rotation"));
        browser.find("[data-testid=copy-read-only]").click();
        browser.await(Duration.ofSeconds(10), "read-only copied", d -> readOnlyUri.equals(browser.script("return window.__copied")));

        browser.find("[data-testid=reveal-password]").click();
        browser.await(Duration.ofSeconds(10), "revealed", d -> browser.find("[data-testid=pooler-uri-revealed]").getText().equals(poolerUri));
        assertThat(browser.find("[data-testid=password]").getText()).isEqualTo(password);
        assertThat(browser.find("[data-testid=read-only-uri-revealed]").getText()).isEqualTo(readOnlyUri);
        // Right after READY the leader may not be observed yet: the panel then shows "—" with the reason and
        // refreshes itself every 15 s, so the figure is awaited across a refresh rather than read once.
        browser.await(Duration.ofSeconds(45), "the database size in the insights panel",
                d -> browser.findAll("[data-testid=database-size]").stream()
                        .anyMatch(e -> e.getText().matches("\\d+(\\.\\d)? (KiB|MiB)")));
        assertThat(browser.find("[data-testid=cl-waiting]").getText()).isEqualTo("0");
        assertThat(browser.findAll("[data-testid=vector-indexes]")).as("no vector index yet").isEmpty();

        // A tenant's HNSW index appears in the panel with its size, after the next refresh (a reload here).
        createVectorIndex(credentials, cp.verifyFull(databaseId, acmeToken));
        browser.open("/databases/" + databaseId);
        WebElement index = browser.await(Duration.ofSeconds(30), "the index listed",
                d -> browser.find("[data-testid=vector-indexes] tr[data-index=items_embedding_idx]"));
        assertThat(index.getText()).contains("items", "hnsw", "vector_cosine_ops");
        page("database-detail");
    }

    @Test
    @Order(4)
    void aBackupIsTakenAndVerified() {
        browser.find("nav.tabs a[href$='/backups']").click();
        page("backups-empty");
        assertThat(browser.find("#db-summary .facts").getText()).contains("never");
        browser.find("[data-testid=backup-now]").click();
        assertThat(browser.find(".notice").getText()).contains("Backup started");
        browser.await(Duration.ofSeconds(180), "backup verified",
                d -> browser.findAll("[data-testid=verification]").stream().anyMatch(e -> e.getText().equals("verified")));
        assertThat(browser.find("[data-testid=backups] tbody tr a[download]").getAttribute("href")).contains("/download");
        // The header came along with the polled rows: no reload needed to see the verified backup there.
        assertThat(browser.find("#db-summary .facts").getText()).doesNotContain("never").containsPattern("\\d+ s ago");
        page("backups");
    }

    @Test
    @Order(5)
    void aSwitchoverDrillRunsAfterAConfirmationAndShowsInTheDrillsTab() {
        browser.find("nav.tabs a[href$='/drills']").click();
        page("drills-empty");
        // Right after READY a replica may still be catching up: the dashboard then says why, and we try again.
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (true) {
            browser.open("/databases/" + databaseId + "/drills");
            WebElement run = browser.find("[data-testid=run-switchover]");
            run.sendKeys(Keys.ENTER); // keyboard: the confirmation dialog opens
            browser.await(Duration.ofSeconds(5), "dialog open", x -> browser.find("#confirm-switchover").isDisplayed());
            browser.find("button[data-testid=confirm-switchover]").click();
            WebElement answer = browser.await(Duration.ofSeconds(20), "the drill accepted or refused",
                    x -> browser.find("main > .notice, main > .inline-error"));
            if (answer.getText().contains("drill started")) {
                break;
            }
            assertThat(System.nanoTime()).as("drill still refused: " + answer.getText()).isLessThan(deadline);
            sleep(2000);
        }
        WebElement row = browser.await(Duration.ofSeconds(300), "drill finished", d -> {
            WebElement first = browser.find("[data-testid=drills] tbody tr");
            String status = first.findElement(By.cssSelector(".badge")).getText();
            return status.equals("PASSED") || status.equals("FAILED") ? first : null;
        });
        assertThat(row.getText()).contains("switchover");
        assertThat(row.findElements(By.tagName("td")).get(3).getText()).as("writes unavailable").matches("\\d.*(ms|s)");
        assertThat(browser.findAll(".chart svg circle")).hasSize(1);
        page("drills");
        theOverviewShowsASwitchoverAndTheDrillInTheOperationHistory();
    }

    /** A switchover through the API, then the overview's history: both operations, newest first, the drill linked to its figures. */
    private void theOverviewShowsASwitchoverAndTheDrillInTheOperationHistory() {
        // A replica may still be catching up after the drill.
        ControlPlane.Response switchover = cp.postOnceClusterIsWhole("/api/v1/databases/" + databaseId + "/switchover", acmeToken, "");
        assertThat(switchover.status()).as(switchover.body()).isEqualTo(200);
        browser.open("/databases/" + databaseId);
        List<WebElement> rows = browser.await(Duration.ofSeconds(20), "the operation history loaded",
                d -> browser.findAll("[data-testid=operations] tbody tr[data-operation]").size() >= 2
                        ? browser.findAll("[data-testid=operations] tbody tr[data-operation]") : null);
        assertThat(rows.get(0).getAttribute("data-kind")).isEqualTo("switchover");
        assertThat(rows.get(0).getText()).contains("SUCCEEDED", "Switched over from", "user");
        WebElement drill = rows.stream().filter(r -> "drill".equals(r.getAttribute("data-kind"))).findFirst().orElseThrow();
        assertThat(drill.getText()).containsPattern("SUCCEEDED|FAILED").contains("user");
        assertThat(drill.findElement(By.cssSelector("a")).getAttribute("href")).contains("/databases/" + databaseId + "/drills#drill-");
        page("database-operations");
        // The database is whole again before the next tests.
        browser.await(Duration.ofSeconds(60), "READY", d -> "READY".equals(cp.get("/api/v1/databases/" + databaseId, acmeToken).json()
                .get("status").asText()));
    }

    @Test
    @Order(6)
    void theAccountPageCreatesATokenShownOnce() {
        browser.open("/account");
        browser.find("#token-label").sendKeys("ci", Keys.ENTER);
        String token = browser.await(Duration.ofSeconds(10), "token shown", d -> browser.find("[data-testid=token-value]").getText());
        assertThat(cp.get("/api/v1/databases", token).status()).isEqualTo(200);
        page("account");
        browser.open("/account");
        assertThat(browser.driver().getPageSource()).as("shown once").doesNotContain(token);
    }

    @Test
    @Order(7)
    void theDatabaseIsDeletedAfterItsNameIsTyped() {
        browser.open("/databases");
        page("databases");
        browser.open("/databases/" + databaseId);
        WebElement delete = browser.find("[data-testid=delete-database]");
        assertThat(delete.isEnabled()).as("disabled until the name is typed").isFalse();
        browser.find("#confirmName").sendKeys("sho");
        assertThat(delete.isEnabled()).isFalse();
        browser.find("#confirmName").sendKeys("p");
        assertThat(delete.isEnabled()).isTrue();
        delete.click();
        browser.await(Duration.ofSeconds(20), "back on the list", d -> browser.path().equals("/databases"));
        assertThat(browser.find(".notice").getText()).contains("Deleting shop");
        browser.await(Duration.ofSeconds(120), "the row disappears", d -> browser.findAll("tr[data-database=shop]").isEmpty());
        assertThat(cp.get("/api/v1/databases/" + databaseId, acmeToken).status()).isEqualTo(404);
        signOut();
        browser.open("/databases");
        assertThat(browser.path()).as("signed out").isEqualTo("/login");
    }

    private static void createVectorIndex(JsonNode credentials, Properties p) {
        URI uri = URI.create(credentials.get("poolerUri").asText());
        try (Connection c = DriverManager.getConnection(
                "jdbc:postgresql://" + uri.getHost() + ":" + uri.getPort() + uri.getPath(), p);
             Statement st = c.createStatement()) {
            st.execute("create table items (id bigserial primary key, embedding vector(3))");
            st.execute("insert into items (embedding) select array[random(), random(), random()]::vector from generate_series(1, 200)");
            st.execute("create index items_embedding_idx on items using hnsw (embedding vector_cosine_ops)");
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private void signIn(String user, String password) {
        browser.open("/login");
        browser.find("#username").sendKeys(user);
        browser.find("#password").sendKeys(password, Keys.ENTER);
        browser.await(Duration.ofSeconds(20), "signed in as " + user, d -> browser.path().equals("/databases"));
    }

    private void signOut() {
        browser.find("header form[action='/logout'] button").click();
        browser.await(Duration.ofSeconds(20), "signed out", d -> browser.path().equals("/login"));
    }

    /** Every page: all inputs labelled, and photographed at both widths. */
    private void page(String name) {
        assertThat(browser.unlabelledInputs()).as("inputs without a label on " + name).isEmpty();
        browser.screenshots(name);
    }
}
