package dev.pgfleet.blueprint;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class PgBouncerConfigTest {

    @Test
    void devMatchesGoldenFile() {
        Golden.assertMatches("pgbouncer-dev.ini",
                PgBouncerConfig.renderIni(Fixtures.spec(Plan.DEV), Fixtures.pooler(), "127.0.0.1", 6000));
    }

    @Test
    void haMatchesGoldenFile() {
        Golden.assertMatches("pgbouncer-ha.ini",
                PgBouncerConfig.renderIni(Fixtures.spec(Plan.HA), Fixtures.pooler(), "127.0.0.1", 6001));
    }

    @Test
    void poolsTransactionsAndCapsServerConnections() {
        String ini = PgBouncerConfig.renderIni(Fixtures.spec(Plan.HA), Fixtures.pooler(), "127.0.0.1", 6001);
        PoolerSizing sizing = PoolerSizing.forResources(Plan.HA.memberResources());
        assertThat(ini).contains("pool_mode = transaction\n")
                .contains("default_pool_size = " + sizing.defaultPoolSize() + "\n")
                .contains("max_db_connections = " + sizing.maxServerConnections() + "\n")
                .contains("auth_type = hba\n");
        assertThat(sizing.maxServerConnections()).isLessThan(PostgresParameters.MAX_CONNECTIONS / 2);
    }

    /** Prepared statements are on for every plan, sized by the member's memory (PoolerSizing). */
    @Test
    void keepsProtocolLevelPreparedStatementsPerPlan() {
        assertThat(PgBouncerConfig.renderIni(Fixtures.spec(Plan.DEV), Fixtures.pooler(), "127.0.0.1", 6000))
                .contains("max_prepared_statements = 200\n");
        assertThat(PgBouncerConfig.renderIni(Fixtures.spec(Plan.HA), Fixtures.pooler(), "127.0.0.1", 6001))
                .contains("max_prepared_statements = 500\n");
        for (Plan plan : Plan.values()) {
            PoolerSizing sizing = PoolerSizing.forResources(plan.memberResources());
            assertThat(sizing.maxPreparedStatements()).as(plan.id()).isGreaterThanOrEqualTo(PoolerSizing.MIN_PREPARED_STATEMENTS);
            // The statements every pooled server connection may keep fit in a twentieth of the member's memory.
            assertThat((long) sizing.maxPreparedStatements() * sizing.maxServerConnections() * PoolerSizing.PREPARED_STATEMENT_BYTES)
                    .as(plan.id()).isLessThanOrEqualTo(plan.memberResources().memoryBytes() / 20);
        }
    }

    @Test
    void preparedStatementsScaleWithMemoryAndNeverFallBelowTheDriversCaches() {
        assertThat(PoolerSizing.forResources(new Resources(1, 256L << 20)).maxPreparedStatements()).isEqualTo(100);
        assertThat(PoolerSizing.forResources(new Resources(2, 16L << 30)).maxPreparedStatements()).isEqualTo(2000);
    }

    @Test
    void hbaMatchesGoldenFile() {
        Golden.assertMatches("pgbouncer_hba.conf", PgBouncerConfig.renderHba());
        assertThat(PgBouncerConfig.hbaFile(Fixtures.pooler())).isEqualTo("/var/lib/pgfleet/databases/3f1c2b7a/pooler/pgbouncer_hba.conf");
    }

    /** TLS to the members is verified against the database's CA for the host PgBouncer connects to. */
    @Test
    void withTlsClientsMayAndServersMustUseIt() {
        String ini = PgBouncerConfig.renderIni(Fixtures.spec(Plan.DEV), Fixtures.pooler(), "10.0.0.5", 6000);
        assertThat(ini).contains("shop = host=10.0.0.5 port=6000")
                .contains("server_tls_sslmode = verify-full\n")
                .contains("server_tls_ca_file = /var/lib/pgfleet/databases/3f1c2b7a/pooler/tls/ca.crt\n")
                .contains("client_tls_key_file = /var/lib/pgfleet/databases/3f1c2b7a/pooler/tls/server.key\n");
    }

    /** Without TLS files the ini is what it was before TLS (the Kubernetes runtime until its slice lands). */
    @Test
    void withoutTlsFilesNothingAboutTlsIsRendered() {
        PoolerSettings tls = Fixtures.pooler();
        PoolerSettings plain = new PoolerSettings(tls.listenHost(), tls.listenPort(), tls.authFile(), tls.logFile(), tls.adminUser(), null);
        String ini = PgBouncerConfig.renderIni(Fixtures.spec(Plan.DEV), plain, "127.0.0.1", 6000);
        assertThat(ini).contains("auth_type = scram-sha-256\n").doesNotContain("tls").doesNotContain("hba");
    }

    @Test
    void hyphenatedDatabaseNamesAreWrittenBareAndQuotedAsValues() {
        ClusterSpec spec = new ClusterSpec("x-shop-restored", "shop-restored", Plan.DEV, 15);
        String ini = PgBouncerConfig.renderIni(spec, Fixtures.pooler(), "127.0.0.1", 6000);
        assertThat(ini).contains("shop-restored = host=127.0.0.1 port=6000 dbname='shop-restored'\n");
    }

    @Test
    void authFileHoldsVerifiersNotPasswords() {
        String file = PgBouncerConfig.renderAuthFile(List.of(
                new PgBouncerConfig.UserSecret("shop", "SCRAM-SHA-256$4096:c2FsdA==$a:b")));
        assertThat(file).isEqualTo("\"shop\" \"SCRAM-SHA-256$4096:c2FsdA==$a:b\"\n");
    }
}
