package dev.pgfleet.backup;

import dev.pgfleet.database.Database;
import dev.pgfleet.system.PgfleetProperties;
import dev.pgfleet.system.process.LocalHomeShutdown;
import dev.pgfleet.system.process.LocalProcesses;
import dev.pgfleet.system.process.PostgresInstallations;
import java.nio.file.Path;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.stereotype.Component;

/**
 * Verifies in the control plane's own process, with a scratch instance under $PGFLEET_HOME/scratch run as the
 * data-plane user: the local runtime, where every database already runs on this machine.
 */
@Component
@ConditionalOnProperty(name = "pgfleet.runtime", havingValue = "local", matchIfMissing = true)
class InProcessDumpVerification implements DumpVerification {
    private final LocalProcesses processes;
    private final PostgresInstallations installations;
    private final Path scratchRoot;
    private final BackupProperties settings;

    InProcessDumpVerification(LocalProcesses processes, PostgresInstallations installations, PgfleetProperties properties,
                              BackupProperties settings) {
        this.processes = processes;
        this.installations = installations;
        this.scratchRoot = properties.resolvedHome().resolve(LocalHomeShutdown.SCRATCH);
        this.settings = settings;
    }

    @Override
    public VerificationResult verify(Database database, Backup backup, Path dump, DumpManifest manifest) {
        return new BackupVerifier(processes, scratchRoot, installations.binDir(database.getPostgresVersion()),
                settings.resolvedParallelJobs()).verifyDump(dump, manifest);
    }
}
