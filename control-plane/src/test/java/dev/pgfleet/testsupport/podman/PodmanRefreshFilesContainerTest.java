package dev.pgfleet.testsupport.podman;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgfleet.testsupport.DataPlaneProcesses;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The harness's kubelet refreshes a running pod's Secret files as the kubelet does: each changed file is replaced by a
 * rename (a reader has the old file or the new one, never half of one: a reload of a renewed key), with the volume's
 * mode and group, and nothing else is left in the mounted directory.
 */
@Tag("integration")
class PodmanRefreshFilesContainerTest {

    @Test
    void aRefreshedFileIsReplacedByARenameWithTheVolumesModeAndGroup() throws Exception {
        Path work = Files.createTempDirectory(Path.of("/tmp"), "pgfleet-refresh-");
        try {
            Path volume = Files.createDirectories(work.resolve("pods").resolve("p").resolve("volumes").resolve("tls"));
            Path key = volume.resolve("tls.key");
            Files.writeString(key, "old key");
            Object inodeBefore = Files.getAttribute(key, "unix:ino");
            int gid = (Integer) Files.getAttribute(work, "unix:gid");
            PodmanPodPlan.Access access = new PodmanPodPlan.Access(false, 0440, (long) gid);
            PodmanPodPlan before = plan(Map.of(key, "old key".getBytes(StandardCharsets.UTF_8)), Map.of(key, access));
            PodmanPodPlan now = plan(Map.of(key, "new key".getBytes(StandardCharsets.UTF_8)), Map.of(key, access));

            try (InputStream openedBefore = Files.newInputStream(key); Podman podman = Podman.start(work.resolve("podman"))) {
                podman.refreshFiles(before, now);

                assertThat(Files.readString(key)).isEqualTo("new key");
                assertThat(Files.getAttribute(key, "unix:ino")).as("a new file, renamed into place").isNotEqualTo(inodeBefore);
                assertThat(new String(openedBefore.readAllBytes(), StandardCharsets.UTF_8)).as("a reader keeps the whole old file")
                        .isEqualTo("old key");
                assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(key))).isEqualTo("r--r-----");
                assertThat(Files.getAttribute(key, "unix:gid")).isEqualTo(gid);
                try (var listing = Files.list(volume)) {
                    assertThat(listing.map(p -> p.getFileName().toString())).containsExactly("tls.key");
                }
            }
        } finally {
            DataPlaneProcesses.deleteRecursively(work);
        }
    }

    private static PodmanPodPlan plan(Map<Path, byte[]> files, Map<Path, PodmanPodPlan.Access> access) {
        return new PodmanPodPlan("p", List.of(), files, List.of(), List.of(), access);
    }
}
