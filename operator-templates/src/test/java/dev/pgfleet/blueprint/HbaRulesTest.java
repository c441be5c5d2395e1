package dev.pgfleet.blueprint;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class HbaRulesTest {

    @Test
    void withoutTlsARuleStaysOneHostLine() {
        assertThat(HbaRules.lines("all", "all", "10.0.0.0/8", "scram-sha-256", false))
                .containsExactly("host all all 10.0.0.0/8 scram-sha-256");
    }

    @Test
    void loopbackRangesKeepPlaintextOthersNeedTls() {
        assertThat(HbaRules.lines("all", "all", "127.0.0.1/32", "m", true)).containsExactly("host all all 127.0.0.1/32 m");
        assertThat(HbaRules.lines("all", "all", "::1/128", "m", true)).containsExactly("host all all ::1/128 m");
        assertThat(HbaRules.lines("all", "all", "10.1.2.3/32", "m", true)).containsExactly("hostssl all all 10.1.2.3/32 m");
        assertThat(HbaRules.lines("all", "all", "fd00::/8", "m", true)).containsExactly("hostssl all all fd00::/8 m");
        assertThat(HbaRules.lines("all", "all", "all", "m", true))
                .containsExactly("host all all 127.0.0.0/8 m", "host all all ::1/128 m", "hostssl all all all m");
        assertThat(HbaRules.lines("all", "all", "0.0.0.0/0", "m", true))
                .containsExactly("host all all 127.0.0.0/8 m", "hostssl all all 0.0.0.0/0 m");
        assertThat(HbaRules.lines("all", "all", "::/0", "m", true))
                .containsExactly("host all all ::1/128 m", "hostssl all all ::/0 m");
    }

    @Test
    void containmentIsBitwise() {
        assertThat(HbaRules.contains("126.0.0.0/7", "127.0.0.1")).isTrue();
        assertThat(HbaRules.contains("128.0.0.0/1", "127.0.0.1")).isFalse();
        assertThat(HbaRules.contains("10.0.0.0/8", "::1")).isFalse();
        assertThat(HbaRules.isWithinLoopback("127.0.0.0/7")).isFalse();
        assertThat(HbaRules.isWithinLoopback("127.1.0.0/16")).isTrue();
    }
}
