package dev.pgfleet.backup;

import dev.pgfleet.operation.FailureReasons;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pgfleet.system.process.DataPlaneUser;
import dev.pgfleet.system.process.LocalProcesses;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.slf4j.LoggerFactory;
import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.DefaultApplicationArguments;

/**
 * {@code verify-dump}: verifies one dump and reports the result, with no Spring context, no metadata store and no
 * control-plane settings: what a verification Job on Kubernetes runs ({@code java -jar pgfleet-control-plane.jar
 * verify-dump …}, dispatched by PgfleetApplication). It restores with {@link BackupVerifier} as the current user
 * (data-plane processes drop to {@code --os-user} only where it is root, as everywhere else) and writes the
 * result as one line of JSON ({@link VerificationReport}) to stdout and to {@code --result-file}, the container's
 * termination message. A bad dump or bad arguments are a written, failed result, never a stack trace alone.
 *
 * <p>Exit status: 0 verified, 1 verification failed, 2 bad arguments, 3 the result could not be written.
 */
public final class VerifyDumpCommand {
    public static final String NAME = "verify-dump";
    static final int PASSED = 0;
    static final int FAILED = 1;
    static final int USAGE = 2;
    static final int UNWRITABLE = 3;
    private static final Set<String> OPTIONS = Set.of("dump", "manifest", "bin-dir", "scratch", "parallel-jobs", "result-file", "os-user");
    private static final String USAGE_TEXT = "usage: verify-dump --dump=PATH --manifest=JSON --bin-dir=PATH --scratch=PATH"
            + " [--parallel-jobs=N] [--result-file=PATH] [--os-user=NAME]";

    private VerifyDumpCommand() {
    }

    public static void main(String[] args) {
        quietLogging();
        System.exit(run(args, System.out));
    }

    static int run(String[] args, PrintStream out) {
        long start = System.nanoTime();
        ApplicationArguments options;
        try {
            options = new DefaultApplicationArguments(args);
        } catch (IllegalArgumentException e) {
            return report(new VerificationResult(false, "verify-dump: bad arguments: " + e.getMessage() + "; " + USAGE_TEXT,
                    Duration.ZERO), null, out, USAGE);
        }
        // Known first, so that even bad arguments are reported where the caller reads results.
        List<String> resultFiles = options.getOptionValues("result-file");
        Path resultFile = resultFiles != null && resultFiles.size() == 1 && !resultFiles.get(0).isEmpty()
                ? Path.of(resultFiles.get(0)) : null;
        String problem = problemWith(options);
        if (problem != null) {
            return report(new VerificationResult(false, "verify-dump: " + problem + "; " + USAGE_TEXT, Duration.ZERO), resultFile, out, USAGE);
        }
        DumpManifest manifest;
        try {
            manifest = new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true)
                    .readValue(value(options, "manifest"), DumpManifest.class);
        } catch (IOException | RuntimeException e) {
            return report(new VerificationResult(false, "verify-dump: the manifest is not a dump manifest: "
                    + FailureReasons.describe(e), Duration.ZERO), resultFile, out, USAGE);
        }
        VerificationResult result;
        try {
            String osUser = options.containsOption("os-user") ? value(options, "os-user") : "postgres";
            LocalProcesses processes = new LocalProcesses(DataPlaneUser.forCurrentProcess(osUser));
            int jobs = options.containsOption("parallel-jobs") ? Integer.parseInt(value(options, "parallel-jobs")) : 1;
            result = new BackupVerifier(processes, Path.of(value(options, "scratch")), Path.of(value(options, "bin-dir")),
                    jobs).verifyDump(Path.of(value(options, "dump")), manifest);
        } catch (RuntimeException e) {
            result = new VerificationResult(false, "Verification could not run: " + FailureReasons.describe(e),
                    Duration.ofNanos(System.nanoTime() - start));
        }
        return report(result, resultFile, out, result.passed() ? PASSED : FAILED);
    }

    /** What is wrong with the options, or null. */
    private static String problemWith(ApplicationArguments options) {
        if (!options.getNonOptionArgs().isEmpty()) {
            return "unexpected argument " + options.getNonOptionArgs().get(0);
        }
        for (String name : options.getOptionNames()) {
            if (!OPTIONS.contains(name)) {
                return "unknown option --" + name;
            }
            List<String> values = options.getOptionValues(name);
            if (values == null || values.size() != 1 || values.get(0) == null || values.get(0).isEmpty()) {
                return "--" + name + " needs exactly one value";
            }
        }
        for (String required : List.of("dump", "manifest", "bin-dir", "scratch")) {
            if (!options.containsOption(required)) {
                return "--" + required + " is required";
            }
        }
        if (options.containsOption("parallel-jobs") && !value(options, "parallel-jobs").matches("[1-9][0-9]{0,2}")) {
            return "--parallel-jobs must be a number from 1 to 999";
        }
        return null;
    }

    private static String value(ApplicationArguments options, String name) {
        return options.getOptionValues(name).get(0);
    }

    private static int report(VerificationResult result, Path resultFile, PrintStream out, int status) {
        String json = VerificationReport.toJson(result);
        out.println(json);
        out.flush();
        if (resultFile != null) {
            try {
                Files.writeString(resultFile, json, StandardCharsets.UTF_8);
            } catch (IOException | RuntimeException e) {
                System.err.println("verify-dump: cannot write the result to " + resultFile + ": " + e);
                return UNWRITABLE;
            }
        }
        return status;
    }

    /** Without Spring Boot's logging set-up, Logback would log at DEBUG; the verifier's own INFO lines are enough. */
    private static void quietLogging() {
        if (LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME) instanceof ch.qos.logback.classic.Logger root) {
            root.setLevel(ch.qos.logback.classic.Level.INFO);
        }
    }
}
