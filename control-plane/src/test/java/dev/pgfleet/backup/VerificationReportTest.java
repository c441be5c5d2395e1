package dev.pgfleet.backup;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class VerificationReportTest {

    @Test
    void aResultSurvivesTheRoundTrip() {
        VerificationResult result = new VerificationResult(false, "table \"public\".\"ü\" missing", Duration.ofMillis(1234));

        assertThat(VerificationReport.parse(VerificationReport.toJson(result))).contains(result);
        assertThat(VerificationReport.parse("\n" + VerificationReport.toJson(result) + "\n")).contains(result);
    }

    @Test
    void aLongReasonIsShortenedToFitATerminationMessage() {
        String reason = "pg_restore failed: " + "é".repeat(10_000);

        String json = VerificationReport.toJson(new VerificationResult(false, reason, Duration.ofSeconds(3)));

        assertThat(json.getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(VerificationReport.MAX_BYTES).isLessThan(4096);
        VerificationResult parsed = VerificationReport.parse(json).orElseThrow();
        assertThat(parsed.passed()).isFalse();
        assertThat(parsed.reason()).startsWith("pg_restore failed: éé").endsWith("…");
    }

    @Test
    void whatIsNotAReportIsNotTakenForOne() {
        assertThat(VerificationReport.parse(null)).isEmpty();
        assertThat(VerificationReport.parse("")).isEmpty();
        assertThat(VerificationReport.parse("Exception in thread \"main\" java.lang.OutOfMemoryError")).isEmpty();
        assertThat(VerificationReport.parse("{\"passed\":\"yes\",\"reason\":\"x\",\"tookMillis\":1}")).isEmpty();
        assertThat(VerificationReport.parse("{\"passed\":true,\"tookMillis\":1}")).isEmpty();
        assertThat(VerificationReport.parse("[true]")).isEmpty();
    }
}
