package dev.pgfleet.backup;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgfleet.system.process.Directories;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The tar a directory-format dump is downloaded as: stable, what GNU tar extracts, and fingerprinted exactly. */
@Tag("integration")
class DumpArchiveIntegrationTest {
    private Path work;
    private Path dump;

    @BeforeEach
    void aDumpDirectory() throws IOException {
        work = Files.createTempDirectory("pgfleet-archive-");
        dump = Files.createDirectory(work.resolve("0b6a3c1e.dir"));
        Files.writeString(dump.resolve("toc.dat"), "table of contents");
        byte[] big = new byte[70_000];
        for (int i = 0; i < big.length; i++) {
            big[i] = (byte) (i * 31);
        }
        Files.write(dump.resolve("3001.dat.gz"), big);
        Files.write(dump.resolve("3002.dat.gz"), new byte[0]);
    }

    @AfterEach
    void removeIt() throws IOException {
        Directories.deleteRecursively(work);
    }

    @Test
    void theFingerprintIsTheSizeAndSha256OfExactlyTheBytesWritten() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        DumpArchive.writeTar(dump, out);

        DumpArchive.Fingerprint fingerprint = DumpArchive.fingerprint(dump);

        assertThat(fingerprint.sizeBytes()).isEqualTo(out.size());
        assertThat(fingerprint.sha256()).isEqualTo(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(out.toByteArray())));
    }

    @Test
    void timeStampsDoNotChangeTheChecksumButContentsDo() throws IOException {
        String before = DumpArchive.fingerprint(dump).sha256();

        Files.setLastModifiedTime(dump.resolve("toc.dat"), FileTime.from(Instant.parse("2031-05-05T10:00:00Z")));
        assertThat(DumpArchive.fingerprint(dump).sha256()).isEqualTo(before);

        byte[] bytes = Files.readAllBytes(dump.resolve("3001.dat.gz"));
        bytes[1234] ^= 0x01;
        Files.write(dump.resolve("3001.dat.gz"), bytes);
        assertThat(DumpArchive.fingerprint(dump).sha256()).isNotEqualTo(before);
    }

    @Test
    void gnuTarExtractsTheDirectoryWithItsFiles() throws Exception {
        Path tar = work.resolve("download.tar");
        try (var out = Files.newOutputStream(tar)) {
            DumpArchive.writeTar(dump, out);
        }
        Path extracted = Files.createDirectory(work.resolve("extracted"));

        Process p = new ProcessBuilder("tar", "-xf", tar.toString(), "-C", extracted.toString()).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();

        assertThat(p.exitValue()).as(output).isZero();
        assertThat(output).as("no warnings, e.g. about time stamps").isEmpty();
        Path root = extracted.resolve("0b6a3c1e.dir");
        for (String name : new String[] {"toc.dat", "3001.dat.gz", "3002.dat.gz"}) {
            assertThat(Files.readAllBytes(root.resolve(name))).as(name).isEqualTo(Files.readAllBytes(dump.resolve(name)));
        }
        try (var listing = Files.list(root)) {
            assertThat(listing).hasSize(3);
        }
    }

    @Test
    void aSingleFileIsFingerprintedAsItself() throws Exception {
        Path file = dump.resolve("toc.dat");

        DumpArchive.Fingerprint fingerprint = DumpArchive.fingerprint(file);

        assertThat(fingerprint.sizeBytes()).isEqualTo(Files.size(file));
        assertThat(fingerprint.sha256()).isEqualTo(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                .digest(Files.readAllBytes(file))));
    }
}
