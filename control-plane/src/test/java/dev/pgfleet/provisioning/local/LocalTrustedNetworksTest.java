package dev.pgfleet.provisioning.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class LocalTrustedNetworksTest {

    @Test
    void loopbackIsAlwaysTrustedAndASpecificListenAddressToo() {
        assertThat(LocalTrustedNetworks.of("127.0.0.1", "127.0.0.1").cidrs()).containsExactly("127.0.0.1/32", "::1/128");
        assertThat(LocalTrustedNetworks.of("10.1.2.3", "10.1.2.3").cidrs()).containsExactly("127.0.0.1/32", "::1/128", "10.1.2.3/32");
    }

    @Test
    void aWildcardListenAddressTrustsOnlyTheAdvertisedHostNotEveryone() {
        assertThat(LocalTrustedNetworks.of("0.0.0.0", "10.9.8.7").cidrs()).containsExactly("127.0.0.1/32", "::1/128", "10.9.8.7/32")
                .doesNotContain("0.0.0.0/32", "0.0.0.0/0");
    }

    @Test
    void anUnresolvableHostIsAClearError() {
        assertThatThrownBy(() -> LocalTrustedNetworks.of("127.0.0.1", "no-such-host.invalid"))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("no-such-host.invalid");
    }
}
