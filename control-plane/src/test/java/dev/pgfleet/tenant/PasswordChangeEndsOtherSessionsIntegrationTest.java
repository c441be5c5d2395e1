package dev.pgfleet.tenant;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgfleet.testsupport.ControlPlane;
import dev.pgfleet.testsupport.DashboardSession;
import java.nio.file.Files;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Two real sessions of one user (two cookie jars), a third of another user: a password change in the first ends
 * the second — its next page goes to the login page — and leaves the first and the other
 * user's session alone.
 */
@Tag("integration")
class PasswordChangeEndsOtherSessionsIntegrationTest {
    private static final Pattern PASSWORD = Pattern.compile("data-testid=\"created-password\">([^<]+)<");

    @Test
    void changingThePasswordSignsOutTheUsersOtherSessionsOnly() throws Exception {
        try (ControlPlane cp = ControlPlane.start()) {
            DashboardSession admin = new DashboardSession(cp.baseUrl());
            admin.signIn("admin", Files.readString(cp.home().resolve("admin-password")).strip());
            String password = group(PASSWORD, admin.postForm("/admin/tenants", Map.of("name", "erin")).body());

            DashboardSession laptop = new DashboardSession(cp.baseUrl());
            DashboardSession phone = new DashboardSession(cp.baseUrl());
            assertThat(laptop.signIn("erin", password).location()).endsWith("/databases");
            assertThat(phone.signIn("erin", password).location()).endsWith("/databases");
            assertThat(phone.get("/databases").status()).isEqualTo(200);

            ControlPlane.Response changed = laptop.postForm("/account/password", Map.of("current", password,
                    "next", "erin-has-a-new-password", "confirmation", "erin-has-a-new-password"));
            assertThat(changed.status()).isEqualTo(302);
            assertThat(laptop.get("/account").body()).contains("Password changed; your 1 other session was signed out.");

            ControlPlane.Response phonePage = phone.get("/databases");
            assertThat(phonePage.status()).isEqualTo(302);
            assertThat(phonePage.location()).endsWith("/login?expired");
            assertThat(phone.get("/databases").location()).as("and stays signed out").endsWith("/login");
            assertThat(laptop.get("/databases").status()).as("the session that changed it stays").isEqualTo(200);
            assertThat(admin.get("/admin/tenants").status()).as("another user's session is untouched").isEqualTo(200);

            DashboardSession tablet = new DashboardSession(cp.baseUrl());
            assertThat(tablet.signIn("erin", "erin-has-a-new-password").location()).endsWith("/databases");
            assertThat(tablet.get("/login?expired").body()).contains("Your session ended");
        }
    }

    private static String group(Pattern p, String body) {
        Matcher m = p.matcher(body);
        assertThat(m.find()).as("pattern " + p + " in " + body).isTrue();
        return m.group(1);
    }
}
