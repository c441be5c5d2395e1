package dev.pgfleet.backup;

import java.time.Duration;

/**
 * The outcome of restoring a dump and checking it against its manifest.
 *
 * @param passed whether the restore succeeded and matched the manifest
 * @param reason a sentence for a person: what was restored, or the first things that were wrong
 * @param took   how long the verification took, scratch instance start and clean-up included
 */
public record VerificationResult(boolean passed, String reason, Duration took) {
    static VerificationResult passed(String reason, Duration took) {
        return new VerificationResult(true, reason, took);
    }

    static VerificationResult failed(String reason, Duration took) {
        return new VerificationResult(false, reason, took);
    }
}
