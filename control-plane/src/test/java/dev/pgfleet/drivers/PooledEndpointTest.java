package dev.pgfleet.drivers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The URI every driver of the suite gets: the API's poolerUri as is, plus the CA certificate's file when there is one. */
class PooledEndpointTest {
    @Test
    void withoutACertificateTheUriIsTheApis() {
        assertThat(PooledEndpoint.of("postgresql://u:p@127.0.0.1:5432/db", null).uri()).isEqualTo("postgresql://u:p@127.0.0.1:5432/db");
    }

    @Test
    void theCertificateIsAnotherParameter() {
        assertThat(PooledEndpoint.of("postgresql://u:p@127.0.0.1:5432/db?sslmode=verify-full", Path.of("/tmp/x/ca.crt")).uri())
                .isEqualTo("postgresql://u:p@127.0.0.1:5432/db?sslmode=verify-full&sslrootcert=/tmp/x/ca.crt");
        assertThat(PooledEndpoint.of("postgresql://u:p@127.0.0.1:5432/db", Path.of("/tmp/x/ca.crt")).uri())
                .isEqualTo("postgresql://u:p@127.0.0.1:5432/db?sslrootcert=/tmp/x/ca.crt");
    }

    @Test
    void aPathAUriWouldHaveToEscapeIsRefused() {
        assertThatThrownBy(() -> PooledEndpoint.of("postgresql://u:p@h:1/db", Path.of("/tmp/a b&c/ca.crt")))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void psqlGetsTheUriWithoutItsPasswordAndThePasswordInItsEnvironment() {
        PooledEndpoint e = PooledEndpoint.of("postgresql://shop:p%40ss%3Aw@127.0.0.1:5432/shop?sslmode=verify-full", null);
        assertThat(e.uriWithoutPassword()).isEqualTo("postgresql://shop@127.0.0.1:5432/shop?sslmode=verify-full");
        assertThat(e.passwordEnvironment()).containsExactly(java.util.Map.entry("PGPASSWORD", "p@ss:w"));
        assertThat(e.environment()).containsExactly(java.util.Map.entry("DATABASE_URL", e.uri()));
    }
}
