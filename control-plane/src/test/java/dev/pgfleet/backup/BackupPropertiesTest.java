package dev.pgfleet.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.util.unit.DataSize;

class BackupPropertiesTest {
    private static BackupProperties props(String directory, DataSize directoryFormatAbove, int parallelJobs) {
        return new BackupProperties(directory, directoryFormatAbove, parallelJobs, Duration.ofHours(1), 100, 365,
                DataSize.ofGigabytes(100), 2);
    }

    @Test
    void databasesAboveTheThresholdAreDumpedInDirectoryFormat() {
        BackupProperties p = props(null, DataSize.ofGigabytes(4), 0);

        assertThat(p.formatFor(DataSize.ofGigabytes(4).toBytes())).isEqualTo("custom");
        assertThat(p.formatFor(DataSize.ofGigabytes(4).toBytes() + 1)).isEqualTo("directory");
        assertThat(p.formatFor(8_000_000)).isEqualTo("custom");
    }

    @Test
    void theStoreIsUnderHomeUnlessADirectoryIsNamed() {
        Path home = Path.of("/var/lib/pgfleet");

        assertThat(props("", DataSize.ofGigabytes(4), 0).resolvedDirectory(home)).isEqualTo(home.resolve("backups"));
        assertThat(props("/mnt/backups/./x/..", DataSize.ofGigabytes(4), 0).resolvedDirectory(home))
                .isEqualTo(Path.of("/mnt/backups"));
    }

    @Test
    void parallelJobsDefaultToTheProcessorsUpToFour() {
        int expected = Math.min(4, Runtime.getRuntime().availableProcessors());

        assertThat(props(null, DataSize.ofGigabytes(4), 0).resolvedParallelJobs()).isEqualTo(expected);
        assertThat(props(null, DataSize.ofGigabytes(4), 6).resolvedParallelJobs()).isEqualTo(6);
        assertThatThrownBy(() -> props(null, DataSize.ofGigabytes(4), -1)).hasMessageContaining("parallel-jobs");
    }
}
