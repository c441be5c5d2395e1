package dev.pgfleet.drivers;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs one of the suite's client programs (python3, node, psql) as a child process: an argument list (the connection
 * URI and the data are arguments, never spliced into a shell string), an allow-listed environment (nothing of the
 * test's own, no PGFLEET_* value, no PG* variable a driver would read instead of the URI) and a timeout.
 */
final class DriverScript {
    /** The scripts, their package.json and package-lock.json, and node_modules (npm ci from ./pgfleet setup). */
    static final Path DIRECTORY = Path.of("src/test/resources/drivers").toAbsolutePath();
    /** The system's programs only: Debian's /usr/bin/python3 is the one with python3-psycopg and python3-asyncpg. */
    static final String PATH = "/usr/local/bin:/usr/bin:/bin";
    private static final Duration TIMEOUT = Duration.ofSeconds(90);

    private DriverScript() {
    }

    /** The result of a finished run. */
    record Run(int exitCode, String stdout, String stderr, Duration took) {
        @Override
        public String toString() {
            return "exit " + exitCode + " after " + took.toMillis() + " ms\n--- stdout\n" + stdout + "--- stderr\n" + stderr;
        }
    }

    /** The absolute path of a program on {@link #PATH}, or an error that says what to install. */
    static String program(String name) {
        for (String dir : PATH.split(":")) {
            File f = new File(dir, name);
            if (f.canExecute()) {
                return f.getAbsolutePath();
            }
        }
        throw new IllegalStateException(name + " is not installed on " + PATH + ": run ./pgfleet setup");
    }

    /** The environment a script gets, whole: what python, node and psql need to run, and nothing else. */
    static Map<String, String> environment(Path home) {
        return Map.of(
                "PATH", PATH,
                "HOME", home.toString(),
                "LANG", "C.UTF-8",
                // No __pycache__ written into the source tree.
                "PYTHONDONTWRITEBYTECODE", "1",
                // psql: no ~/.psqlrc, no pager.
                "PSQLRC", "/dev/null",
                "PAGER", "cat");
    }

    static Run run(Path home, List<String> command) {
        return run(home, command, Map.of());
    }

    /**
     * Runs {@code command} with the allow-listed environment plus {@code connection}: the connection string
     * ({@code DATABASE_URL}) or password ({@code PGPASSWORD}) the script needs, never on its command line, where every
     * user of the machine could read it.
     */
    static Run run(Path home, List<String> command, Map<String, String> connection) {
        try {
            Path out = Files.createTempFile(home, "stdout-", ".txt");
            Path err = Files.createTempFile(home, "stderr-", ".txt");
            ProcessBuilder pb = new ProcessBuilder(new ArrayList<>(command)).directory(DIRECTORY.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectOutput(out.toFile()).redirectError(err.toFile());
            pb.environment().clear();
            pb.environment().putAll(environment(home));
            pb.environment().putAll(connection);
            long started = System.nanoTime();
            Process p = pb.start();
            if (!p.waitFor(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly().waitFor();
                throw new AssertionError(command.get(1) + " did not finish within " + TIMEOUT + "\n--- stdout\n"
                        + Files.readString(out) + "--- stderr\n" + Files.readString(err));
            }
            return new Run(p.exitValue(), Files.readString(out), Files.readString(err),
                    Duration.ofNanos(System.nanoTime() - started));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
