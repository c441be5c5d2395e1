package dev.pgfleet.blueprint;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class ReadOnlyEndpointTest {
    private static final List<ReadOnlyEndpoint.ProxyMember> MEMBERS = List.of(
            new ReadOnlyEndpoint.ProxyMember("shop-0", "127.0.0.1", 6000, 7000),
            new ReadOnlyEndpoint.ProxyMember("shop-1", "127.0.0.1", 6001, 7001),
            new ReadOnlyEndpoint.ProxyMember("shop-2", "127.0.0.1", 6002, 7002));

    @Test
    void poolerMatchesGoldenFile() {
        Golden.assertMatches("pgbouncer-ha-read-only.ini",
                ReadOnlyEndpoint.renderPoolerIni(Fixtures.spec(Plan.HA), Fixtures.pooler(), "127.0.0.1", 6010));
    }

    @Test
    void proxyMatchesGoldenFile() {
        Golden.assertMatches("haproxy-ha-read-only.cfg",
                ReadOnlyEndpoint.renderProxyConfig(Fixtures.spec(Plan.HA), "127.0.0.1", 6010, MEMBERS, 256));
    }

    /** The read-only pooler is the main one plus what makes it read-only: nothing of the main ini is lost. */
    @Test
    void readOnlyPoolerIsTheMainPoolerPointedAtTheProxyWithTheSettingForced() {
        String main = PgBouncerConfig.renderIni(Fixtures.spec(Plan.HA), Fixtures.pooler(), "127.0.0.1", 6010);
        String readOnly = ReadOnlyEndpoint.renderPoolerIni(Fixtures.spec(Plan.HA), Fixtures.pooler(), "127.0.0.1", 6010);
        assertThat(readOnly).contains("shop = host=127.0.0.1 port=6010 dbname='shop'"
                        + " connect_query='SET default_transaction_read_only = on'\n")
                .contains("server_reset_query = SET default_transaction_read_only = on\n")
                .contains("server_reset_query_always = 1\n");
        assertThat(readOnly.replace(" connect_query='SET default_transaction_read_only = on'", ""))
                .startsWith(main);
    }

    @Test
    void replicasWithinTheBoundServeAndTheLeaderIsOnlyTheFallback() {
        String cfg = ReadOnlyEndpoint.renderProxyConfig(Fixtures.spec(Plan.HA), "127.0.0.1", 6010, MEMBERS, 256);
        assertThat(cfg).contains("option httpchk GET /replica?lag=16777216\n")
                .contains("server shop-1 127.0.0.1:6001 check port 7001 on-marked-up shutdown-backup-sessions\n")
                .contains("server shop-1-leader 127.0.0.1:6001 backup track leader/shop-1\n")
                .contains("option httpchk GET /primary\n")
                .doesNotContain("stats");
        assertThat(ReadOnlyEndpoint.LAG_BOUND_BYTES).isEqualTo(16L * 1024 * 1024);
    }

    @Test
    void onlyPlansWithReplicasOfferIt() {
        assertThat(ReadOnlyEndpoint.offeredFor(Plan.HA)).isTrue();
        assertThat(ReadOnlyEndpoint.offeredFor(Plan.DEV)).isFalse();
    }
}
