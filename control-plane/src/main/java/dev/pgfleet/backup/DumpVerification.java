package dev.pgfleet.backup;

import dev.pgfleet.database.Database;
import java.nio.file.Path;

/**
 * Where a dump is restored and checked against its manifest: the port {@link VerificationHandler} verifies through.
 * Locally in the control plane's process ({@link InProcessDumpVerification}); on Kubernetes in a Job of its
 * own, away from the control plane's credentials ({@link KubernetesDumpVerification}).
 */
interface DumpVerification {

    /**
     * Restores {@code dump} (in the backup store) and checks it against {@code manifest}. I/O, possibly for hours.
     * A bad dump, and a verification that could not run, are failed results, never exceptions.
     */
    VerificationResult verify(Database database, Backup backup, Path dump, DumpManifest manifest);

    /**
     * The verification of {@code backup} was cut by a control plane that stopped: removes what it left running (a
     * scratch instance's processes and directory, or the Job and its pod). I/O; idempotent, and nothing left is fine.
     */
    void cleanUpInterrupted(Database database, Backup backup);
}
