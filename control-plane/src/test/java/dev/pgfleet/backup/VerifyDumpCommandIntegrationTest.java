package dev.pgfleet.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pgfleet.system.process.DataPlaneUser;
import dev.pgfleet.system.process.Directories;
import dev.pgfleet.system.process.LocalProcesses;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The {@code verify-dump} command as a verification Job runs it: a separate JVM started from the build's class
 * path through PgfleetApplication's entry point, with an environment of nothing but PATH, on a real pg_dump of a
 * small pgvector database. It must report good and bad dumps and bad arguments as JSON in its result file (the
 * container's termination message) and on stdout, with an exit status, and leave no scratch server behind.
 */
@Tag("integration")
class VerifyDumpCommandIntegrationTest {
    private static final Path BIN = Path.of("/usr/lib/postgresql/15/bin");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final DumpManifest MANIFEST = new DumpManifest("shop", Map.of("public.items", 200L),
            List.of("public.items_pkey", "public.items_embedding_idx"), List.of("plpgsql", "vector"));

    private static Path home;
    private static Path dump;

    @BeforeAll
    static void dumpASmallVectorDatabase() throws Exception {
        assumeTrue(Files.isExecutable(BIN.resolve("initdb")), "PostgreSQL 15 is not installed");
        home = Files.createTempDirectory(Path.of("/tmp"), "pgfleet-verify-command-");
        Files.setPosixFilePermissions(home, PosixFilePermissions.fromString("rwxr-xr-x"));
        LocalProcesses processes = new LocalProcesses(DataPlaneUser.forCurrentProcess("postgres"));
        try (ScratchInstance source = ScratchInstance.prepare(processes, BIN, home.resolve("source"), Map.of())) {
            source.start();
            SourceDatabases.createShop(source, 8, 200);
            Path sourceDump = source.dir().resolve("shop.dump");
            processes.runClientToCompletion(List.of(BIN.resolve("pg_dump").toString(), "-Fc", "-h", "127.0.0.1", "-p",
                    Integer.toString(source.port()), "-U", ScratchInstance.SUPERUSER, "-w", "-d", "shop", "-f", sourceDump.toString()),
                    source.dir(), Duration.ofSeconds(60), "PGPASSWORD", source.superuserPassword());
            // Owner-only, as in the backup store (and in the Job, where the pod's user owns the store's files).
            dump = Files.write(home.resolve("shop.dump"), Files.readAllBytes(sourceDump));
            Files.setPosixFilePermissions(dump, PosixFilePermissions.fromString("rw-------"));
        }
    }

    @AfterAll
    static void deleteEverything() throws IOException {
        if (home != null) {
            Directories.deleteRecursively(home);
        }
    }

    @Test
    void aGoodDumpIsReportedVerifiedInTheResultFileAndOnStdout() throws Exception {
        Run run = verifyDump("good", dump, JSON.writeValueAsString(MANIFEST));

        assertThat(run.exit()).as(run.output()).isEqualTo(VerifyDumpCommand.PASSED);
        VerificationResult result = VerificationReport.parse(run.resultFile()).orElseThrow();
        assertThat(result.passed()).isTrue();
        assertThat(result.reason()).isEqualTo("restored 1 table, 200 rows, 2 indexes; vector present");
        assertThat(result.took()).isPositive();
        assertThat(run.output().strip().lines().reduce((a, b) -> b).orElseThrow()).isEqualTo(run.resultFile());
        assertThat(run.output()).as("Logback at INFO, not DEBUG").doesNotContain("DEBUG");
        assertNoScratchLeft(run);
    }

    @Test
    void aCorruptedDumpIsAFailedResultNotACrash() throws Exception {
        byte[] bytes = Files.readAllBytes(dump);
        for (int i = bytes.length / 2; i < bytes.length / 2 + 64; i++) {
            bytes[i] ^= (byte) 0xFF;
        }
        Path corrupted = Files.write(home.resolve("corrupted.dump"), bytes);

        Run run = verifyDump("corrupted", corrupted, JSON.writeValueAsString(MANIFEST));

        assertThat(run.exit()).as(run.output()).isEqualTo(VerifyDumpCommand.FAILED);
        VerificationResult result = VerificationReport.parse(run.resultFile()).orElseThrow();
        assertThat(result.passed()).isFalse();
        assertThat(result.reason()).startsWith("pg_restore");
        assertThat(run.output()).doesNotContain("Exception in thread");
        assertNoScratchLeft(run);
    }

    @Test
    void aRestoreThatDoesNotMatchTheManifestFailsWithWhatDiffers() throws Exception {
        DumpManifest claimsMore = new DumpManifest("shop", Map.of("public.items", 201L), MANIFEST.indexes(), MANIFEST.extensions());

        Run run = verifyDump("mismatch", dump, JSON.writeValueAsString(claimsMore));

        assertThat(run.exit()).isEqualTo(VerifyDumpCommand.FAILED);
        assertThat(VerificationReport.parse(run.resultFile()).orElseThrow().reason())
                .isEqualTo("table public.items has 200 rows, the dump reported 201");
        assertNoScratchLeft(run);
    }

    @Test
    void badArgumentsAreAFailedResultInTheResultFile() throws Exception {
        Path scratch = home.resolve("scratch-bad");
        Path resultFile = home.resolve("bad.result");
        Run missing = run(resultFile, scratch, List.of("--manifest={}", "--bin-dir=" + BIN, "--scratch=" + scratch,
                "--result-file=" + resultFile));
        assertThat(missing.exit()).isEqualTo(VerifyDumpCommand.USAGE);
        assertThat(VerificationReport.parse(missing.resultFile()).orElseThrow().reason()).contains("--dump is required");

        Run unknown = run(resultFile, scratch, List.of("--dump=" + dump, "--manifest={}", "--bin-dir=" + BIN, "--scratch=" + scratch,
                "--result-file=" + resultFile, "--master-key=x"));
        assertThat(unknown.exit()).isEqualTo(VerifyDumpCommand.USAGE);
        assertThat(VerificationReport.parse(unknown.resultFile()).orElseThrow().reason()).contains("unknown option --master-key");

        Run notAManifest = run(resultFile, scratch, List.of("--dump=" + dump, "--manifest={\"tables\":1}", "--bin-dir=" + BIN,
                "--scratch=" + scratch, "--result-file=" + resultFile));
        assertThat(notAManifest.exit()).isEqualTo(VerifyDumpCommand.USAGE);
        VerificationResult result = VerificationReport.parse(notAManifest.resultFile()).orElseThrow();
        assertThat(result.passed()).isFalse();
        assertThat(result.reason()).startsWith("verify-dump: the manifest is not a dump manifest");
        assertThat(scratch).doesNotExist();
    }

    private record Run(int exit, String output, String resultFile, Path scratch) {
    }

    private static Run verifyDump(String name, Path dumpFile, String manifestJson) throws Exception {
        Path scratch = home.resolve("scratch-" + name);
        Path resultFile = home.resolve(name + ".result");
        return run(resultFile, scratch, List.of("--dump=" + dumpFile, "--manifest=" + manifestJson, "--bin-dir=" + BIN,
                "--scratch=" + scratch, "--parallel-jobs=2", "--result-file=" + resultFile));
    }

    /** {@code java -cp <this build> dev.pgfleet.PgfleetApplication verify-dump …}, with PATH as its only variable. */
    private static Run run(Path resultFile, Path scratch, List<String> arguments) throws Exception {
        Files.deleteIfExists(resultFile);
        String java = ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        List<String> command = new ArrayList<>(List.of(java, "-cp", System.getProperty("java.class.path"),
                "dev.pgfleet.PgfleetApplication", VerifyDumpCommand.NAME));
        command.addAll(arguments);
        Path output = Files.createTempFile(home, "output-", ".txt");
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile());
        pb.environment().clear();
        pb.environment().put("PATH", "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin");
        Process process = pb.start();
        if (!process.waitFor(3, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            throw new AssertionError("verify-dump did not finish: " + Files.readString(output));
        }
        String text = Files.readString(output, StandardCharsets.UTF_8);
        System.out.println("verify-dump exit " + process.exitValue() + ":\n" + text);
        assertThat(resultFile).as("the result file (termination message)").exists();
        return new Run(process.exitValue(), text, Files.readString(resultFile, StandardCharsets.UTF_8), scratch);
    }

    /** The command's scratch directory holds nothing, and no process mentions it any more. */
    private static void assertNoScratchLeft(Run run) throws IOException {
        if (Files.exists(run.scratch())) {
            try (Stream<Path> left = Files.list(run.scratch())) {
                assertThat(left).isEmpty();
            }
        }
        assertThat(ProcessHandle.allProcesses().filter(p -> cmdline(p).contains(run.scratch().toString())).toList()).isEmpty();
    }

    private static String cmdline(ProcessHandle p) {
        try {
            return new String(Files.readAllBytes(Path.of("/proc", Long.toString(p.pid()), "cmdline")), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }
}
