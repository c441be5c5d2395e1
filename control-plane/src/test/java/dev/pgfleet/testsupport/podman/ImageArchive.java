package dev.pgfleet.testsupport.podman;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * pgfleet's images as one docker-archive tarball (I/O: podman save), for a cluster that cannot pull them from a
 * registry: k3s imports every tarball in {@link #K3S_IMPORT_DIRECTORY} when it starts, so a test cluster runs
 * exactly the images {@code ./pgfleet images} built on this machine, under the names podman gave them
 * ({@code localhost/pgfleet/...}).
 */
public final class ImageArchive {
    /** Where k3s looks for image tarballs to import at start (its "air-gap" images directory). */
    public static final String K3S_IMPORT_DIRECTORY = "/var/lib/rancher/k3s/agent/images/";

    private ImageArchive() {
    }

    /** Saves {@code images} (all present locally, see {@link Podman#hasImage}) into {@code archive}. */
    public static Path save(Podman podman, Path archive, List<String> images) {
        List<String> argv = new ArrayList<>(List.of("save", "--quiet", "--format", "docker-archive", "--multi-image-archive",
                "--output", archive.toString()));
        argv.addAll(images);
        podman.run(argv, Duration.ofMinutes(10), true);
        return archive;
    }
}
