package dev.pgfleet.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.springframework.util.unit.DataSize;

class BackupPropertiesTest {
    @Test
    void databasesAboveTheThresholdAreDumpedInDirectoryFormat() {
        BackupProperties p = new BackupProperties(null, DataSize.ofGigabytes(4), 0);

        assertThat(p.formatFor(DataSize.ofGigabytes(4).toBytes())).isEqualTo("custom");
        assertThat(p.formatFor(DataSize.ofGigabytes(4).toBytes() + 1)).isEqualTo("directory");
        assertThat(p.formatFor(8_000_000)).isEqualTo("custom");
    }

    @Test
    void theStoreIsUnderHomeUnlessADirectoryIsNamed() {
        Path home = Path.of("/var/lib/pgfleet");

        assertThat(new BackupProperties("", DataSize.ofGigabytes(4), 0).resolvedDirectory(home)).isEqualTo(home.resolve("backups"));
        assertThat(new BackupProperties("/mnt/backups/./x/..", DataSize.ofGigabytes(4), 0).resolvedDirectory(home))
                .isEqualTo(Path.of("/mnt/backups"));
    }

    @Test
    void parallelJobsDefaultToTheProcessorsUpToFour() {
        int expected = Math.min(4, Runtime.getRuntime().availableProcessors());

        assertThat(new BackupProperties(null, DataSize.ofGigabytes(4), 0).resolvedParallelJobs()).isEqualTo(expected);
        assertThat(new BackupProperties(null, DataSize.ofGigabytes(4), 6).resolvedParallelJobs()).isEqualTo(6);
        assertThatThrownBy(() -> new BackupProperties(null, DataSize.ofGigabytes(4), -1)).hasMessageContaining("parallel-jobs");
    }
}
