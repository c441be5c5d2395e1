package dev.pgfleet.provisioning;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The address a libpq client is handed: what this JVM resolves the host to, and nothing for an address or a socket. */
class DatabaseSessionsTest {
    @Test
    void aHostNameIsResolvedByTheJvmAndHandedToLibpqAsItsAddress() {
        assertThat(DatabaseSessions.hostAddressEnvironment("localhost")).containsExactly("PGHOSTADDR", "127.0.0.1");
    }

    @Test
    void anAddressASocketDirectoryOrAnUnknownNameIsLeftToLibpq() {
        assertThat(DatabaseSessions.hostAddressEnvironment("10.0.0.7")).isEmpty();
        assertThat(DatabaseSessions.hostAddressEnvironment("::1")).isEmpty();
        assertThat(DatabaseSessions.hostAddressEnvironment("/var/run/postgresql")).isEmpty();
        assertThat(DatabaseSessions.hostAddressEnvironment("no-such-host.invalid")).isEmpty();
        assertThat(DatabaseSessions.hostAddressEnvironment("")).isEmpty();
    }
}
