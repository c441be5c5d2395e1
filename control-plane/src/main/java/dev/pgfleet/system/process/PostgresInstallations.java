package dev.pgfleet.system.process;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The PostgreSQL major versions installed on this machine (Debian layout: /usr/lib/postgresql/N/bin),
 * and whether pgvector is installed for each.
 */
public final class PostgresInstallations {
    private final Path libRoot;
    private final Path shareRoot;

    public PostgresInstallations(Path libRoot, Path shareRoot) {
        this.libRoot = libRoot;
        this.shareRoot = shareRoot;
    }

    /** Installed major versions, newest first. */
    public List<Integer> installedVersions() {
        if (!Files.isDirectory(libRoot)) {
            return List.of();
        }
        try (Stream<Path> dirs = Files.list(libRoot)) {
            return dirs.map(p -> p.getFileName().toString())
                    .filter(n -> n.matches("\\d+"))
                    .map(Integer::parseInt)
                    .filter(v -> Files.isExecutable(binDir(v).resolve("postgres")))
                    .sorted((a, b) -> b - a)
                    .toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    public boolean hasPgvector(int version) {
        return Files.exists(shareRoot.resolve(Integer.toString(version)).resolve("extension").resolve("vector.control"));
    }

    /** The newest installed version that has pgvector. */
    public Optional<Integer> defaultVersion() {
        return installedVersions().stream().filter(this::hasPgvector).findFirst();
    }

    public Path binDir(int version) {
        return libRoot.resolve(Integer.toString(version)).resolve("bin");
    }

    /** Any installed version's binaries (for the control plane's own metadata store). */
    public Path newestBinDir() {
        return installedVersions().stream().findFirst().map(this::binDir)
                .orElseThrow(() -> new IllegalStateException("No PostgreSQL server is installed under " + libRoot
                        + " (run ./pgfleet up, which installs it)"));
    }
}
