package dev.pgfleet.tenant;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgfleet.testsupport.ControlPlane;
import dev.pgfleet.testsupport.DashboardSession;
import dev.pgfleet.testsupport.RawHttp;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Sign-in throttling over real HTTP form posts against a real control plane, from several client addresses
 * (127.0.0.x, all this machine): per user name across addresses, per address across user names, the right
 * password refused while throttled, the wait shown on the page, and a success elsewhere resetting nothing.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Tag("integration")
class LoginThrottleIntegrationTest {
    private static final Pattern CSRF = Pattern.compile("<meta name=\"csrf-token\" content=\"([^\"]+)\"");
    private static final Pattern PASSWORD = Pattern.compile("data-testid=\"created-password\">([^<]+)<");
    private static final Pattern THROTTLED = Pattern.compile("Too many failed sign-ins; try again in (\\d+) s\\.");

    private ControlPlane cp;
    private String carolPassword;
    private String davePassword;

    @BeforeAll
    void start() throws Exception {
        // Small buckets, long windows: nothing refills during the test.
        cp = ControlPlane.start(Map.of("pgfleet.login-throttle.per-user-failures", 3, "pgfleet.login-throttle.per-user-window", "30m",
                "pgfleet.login-throttle.per-address-failures", 5, "pgfleet.login-throttle.per-address-window", "30m"));
        DashboardSession admin = new DashboardSession(cp.baseUrl());
        admin.signIn("admin", Files.readString(cp.home().resolve("admin-password")).strip());
        carolPassword = group(PASSWORD, admin.postForm("/admin/tenants", Map.of("name", "carol")).body());
        davePassword = group(PASSWORD, admin.postForm("/admin/tenants", Map.of("name", "dave")).body());
    }

    @AfterAll
    void stop() {
        if (cp != null) {
            cp.close();
        }
    }

    @Test
    void aUserNameIsThrottledOnEveryAddressAfterItsFailuresAndTheRightPasswordIsRefusedMeanwhile() {
        assertThat(signIn("127.0.0.2", "carol", "wrong-1").location()).endsWith("/login?error");
        assertThat(signIn("127.0.0.3", "carol", "wrong-2").location()).endsWith("/login?error");
        // The third failure empties carol's bucket: that answer already says so.
        Attempt third = signIn("127.0.0.4", "carol", "wrong-3");
        assertThat(third.location()).contains("/login?throttled=");
        assertThat(third.retryAfter()).isNotNull();

        for (String address : new String[] {"127.0.0.2", "127.0.0.5"}) {
            Attempt right = signIn(address, "carol", carolPassword);
            assertThat(right.location()).as("the right password, from " + address).contains("/login?throttled=");
            assertThat(right.signedIn()).isFalse();
        }
        // The page shows the wait in seconds: one failure comes back after window / failures = 10 minutes.
        RawHttp.Answer page = new RawHttp(cp.baseUrl(), "127.0.0.5").send("GET", pathOf(third.location()), Map.of(), null);
        Matcher m = THROTTLED.matcher(page.body());
        assertThat(m.find()).as(page.body()).isTrue();
        assertThat(Integer.parseInt(m.group(1))).isBetween(540, 600);
        assertThat(page.body()).contains("data-testid=\"login-throttled\"");
    }

    @Test
    void anAddressIsThrottledAcrossUserNamesAndAnotherAddressSigningInDoesNotResetIt() {
        String attacker = "127.0.0.9";
        for (int i = 1; i <= 4; i++) {
            assertThat(signIn(attacker, "nobody-" + i, "guess").location()).endsWith("/login?error");
        }
        assertThat(signIn(attacker, "nobody-5", "guess").location()).contains("/login?throttled=");
        Attempt daveFromAttacker = signIn(attacker, "dave", davePassword);
        assertThat(daveFromAttacker.location()).as("a user with no failures, from the throttled address").contains("/login?throttled=");
        assertThat(daveFromAttacker.signedIn()).isFalse();

        Attempt daveElsewhere = signIn("127.0.0.10", "dave", davePassword);
        assertThat(daveElsewhere.location()).endsWith("/databases");
        assertThat(daveElsewhere.signedIn()).isTrue();
        assertThat(signIn(attacker, "dave", davePassword).location()).as("still throttled after dave signed in elsewhere")
                .contains("/login?throttled=");
    }

    /** One sign-in from an address, with a fresh session and its CSRF token, as a browser there would do it. */
    private Attempt signIn(String address, String user, String password) {
        RawHttp http = new RawHttp(cp.baseUrl(), address);
        RawHttp.Answer form = http.send("GET", "/login", Map.of(), null);
        String cookie = form.headers().get("set-cookie").get(0).split(";")[0];
        String body = "username=" + enc(user) + "&password=" + enc(password) + "&_csrf=" + enc(group(CSRF, form.body()));
        RawHttp.Answer r = http.send("POST", "/login", Map.of("Cookie", cookie, "Content-Type", "application/x-www-form-urlencoded"), body);
        assertThat(r.status()).as(r.body()).isEqualTo(302);
        String newCookie = r.headers().containsKey("set-cookie") ? r.headers().get("set-cookie").get(0).split(";")[0] : cookie;
        boolean signedIn = http.send("GET", "/databases", Map.of("Cookie", newCookie), null).status() == 200;
        return new Attempt(r.header("location"), r.header("retry-after"), signedIn);
    }

    record Attempt(String location, String retryAfter, boolean signedIn) {
    }

    private static String pathOf(String location) {
        return location.replaceFirst("^https?://[^/]+", "");
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private static String group(Pattern p, String body) {
        Matcher m = p.matcher(body);
        assertThat(m.find()).as("pattern " + p + " in " + body).isTrue();
        return m.group(1);
    }
}
