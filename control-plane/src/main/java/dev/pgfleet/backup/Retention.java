package dev.pgfleet.backup;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Pure: which successful backups a policy lets go. Keeps the newest {@code retentionCount}, drops those older
 * than {@code retentionDays}, and never drops the newest verified backup, whatever the policy says: a
 * database always keeps one backup that is proven to restore. Pending, running and failed backups are not
 * touched (failed ones have no file). Whatever the policy, no more than {@code maxCount} are kept (a policy that
 * gives only days would otherwise keep as many as its schedule makes in that time).
 */
final class Retention {
    private Retention() {
    }

    static List<Backup> expired(List<Backup> newestFirst, BackupPolicy policy, Instant now, int maxCount) {
        int keep = policy.getRetentionCount() == null ? maxCount : Math.min(policy.getRetentionCount(), maxCount);
        Optional<Backup> newestVerified = newestFirst.stream()
                .filter(b -> b.getStatus() == Backup.Status.SUCCEEDED && b.getVerification() == Backup.Verification.PASSED)
                .findFirst();
        List<Backup> expired = new ArrayList<>();
        int kept = 0;
        for (Backup b : newestFirst) {
            if (b.getStatus() != Backup.Status.SUCCEEDED) {
                continue;
            }
            boolean tooMany = kept >= keep;
            boolean tooOld = policy.getRetentionDays() != null
                    && b.getCreatedAt().isBefore(now.minus(Duration.ofDays(policy.getRetentionDays())));
            if ((tooMany || tooOld) && !newestVerified.equals(Optional.of(b))) {
                expired.add(b);
            } else {
                kept++;
            }
        }
        return expired;
    }
}
