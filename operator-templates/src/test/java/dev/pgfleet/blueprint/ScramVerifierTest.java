package dev.pgfleet.blueprint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Base64;
import org.junit.jupiter.api.Test;

class ScramVerifierTest {

    /** The worked example of RFC 7677, section 3: user "user", password "pencil". */
    @Test
    void serverKeyReproducesTheRfc7677ServerSignature() {
        byte[] salt = Base64.getDecoder().decode("W22ZaJ0SNY7soEsUEjb6gQ==");
        String verifier = ScramVerifier.of("pencil", salt);
        String serverKeyB64 = verifier.substring(verifier.lastIndexOf(':') + 1);
        String authMessage = "n=user,r=rOprNGfwEbeRWgbNEkqO,"
                + "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096,"
                + "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";

        byte[] serverSignature = ScramVerifier.hmac(Base64.getDecoder().decode(serverKeyB64), authMessage);

        assertThat(Base64.getEncoder().encodeToString(serverSignature))
                .isEqualTo("6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=");
        assertThat(verifier).startsWith("SCRAM-SHA-256$4096:W22ZaJ0SNY7soEsUEjb6gQ==$");
    }

    @Test
    void refusesPasswordsThatWouldNeedSaslPrep() {
        assertThatThrownBy(() -> ScramVerifier.of("pässword", new byte[16]))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
