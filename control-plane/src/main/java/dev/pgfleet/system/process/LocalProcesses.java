package dev.pgfleet.system.process;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts, finds and stops the data plane's long-running processes.
 *
 * <p>Each process is started in a session of its own (setsid), so that it outlives the control plane and
 * a Ctrl-C in the control plane's terminal does not reach it; its PID goes to a pid file, which is how a
 * restarted control plane re-adopts it. A PID is trusted only while the process's command line still
 * names what we started, so a recycled PID is never mistaken for ours. Processes are stopped by PID only.
 */
public final class LocalProcesses {
    private static final Logger log = LoggerFactory.getLogger(LocalProcesses.class);

    private final DataPlaneUser user;

    public LocalProcesses(DataPlaneUser user) {
        this.user = user;
    }

    public DataPlaneUser user() {
        return user;
    }

    /**
     * The running process recorded in {@code pidFile}, if its command line still contains {@code marker}
     * (typically the path of its configuration file): {@link PidFileProcess#findRunning}.
     */
    public Optional<ProcessHandle> findRunning(Path pidFile, String marker) {
        return PidFileProcess.findRunning(pidFile, marker);
    }

    /** Starts {@code command} as the data-plane user, detached, output appended to {@code logFile}. */
    public ProcessHandle startDetached(List<String> command, Path workDir, Path logFile, Path pidFile) {
        List<String> argv = new ArrayList<>();
        argv.add("setsid");
        argv.addAll(user.privilegeDropPrefix());
        argv.addAll(command);
        try {
            // These directories belong to the data-plane user; as root, never follow a link planted there.
            refuseSymlink(logFile);
            refuseSymlink(pidFile);
            // Both files sit in a directory the control plane owns (see DataPlaneUser), so nobody can swap them
            // between this check and the open.
            user.requireControlled(logFile.toAbsolutePath().getParent());
            ProcessBuilder pb = new ProcessBuilder(argv)
                    .directory(workDir.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            replaceEnvironment(pb, workDir);
            Process process = pb.start();
            Files.write(pidFile, (process.pid() + "\n").getBytes(), java.nio.file.StandardOpenOption.CREATE,
                    java.nio.file.StandardOpenOption.TRUNCATE_EXISTING, java.nio.file.StandardOpenOption.WRITE,
                    java.nio.file.LinkOption.NOFOLLOW_LINKS);
            log.info("started {} (pid {})", command.get(0), process.pid());
            return process.toHandle();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + command.get(0), e);
        }
    }

    /**
     * Runs a short command as the data-plane user and waits for it; returns its output, or throws with
     * the output when it fails. {@code env} holds extra environment variables as name, value pairs
     * (how secrets reach a command without appearing in its argument list), from {@link ProcessEnvironment}'s
     * allow-list.
     */
    public String runToCompletion(List<String> command, Path workDir, Duration timeout, String... env) {
        List<String> argv = new ArrayList<>(user.privilegeDropPrefix());
        argv.addAll(command);
        return run(argv, command, workDir, timeout, env);
    }

    /**
     * Runs a client tool (pg_dump, psql) as the control plane's own user, for files only the control plane
     * may read or write (the backup store); otherwise like {@link #runToCompletion}.
     */
    public String runClientToCompletion(List<String> command, Path workDir, Duration timeout, String... env) {
        return run(command, command, workDir, timeout, env);
    }

    private String run(List<String> argv, List<String> command, Path workDir, Duration timeout, String... env) {
        try {
            // Output goes to a file, not a pipe: reading a pipe would block until the command exits and defeat
            // the timeout.
            Path output = Files.createTempFile("pgfleet-cmd-", ".out");
            try {
                ProcessBuilder pb = new ProcessBuilder(argv).directory(workDir.toFile()).redirectErrorStream(true)
                        .redirectOutput(output.toFile()).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
                replaceEnvironment(pb, workDir, env);
                Process process = pb.start();
                if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    process.destroyForcibly();
                    throw new IllegalStateException(command.get(0) + " did not finish within " + timeout);
                }
                String text = Files.readString(output);
                if (process.exitValue() != 0) {
                    throw new IllegalStateException(command.get(0) + " failed (exit " + process.exitValue() + "): " + text.strip());
                }
                return text;
            } finally {
                Files.deleteIfExists(output);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + command.get(0), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + command.get(0), e);
        }
    }

    /** Never the control plane's own environment: see {@link ProcessEnvironment}. */
    private static void replaceEnvironment(ProcessBuilder pb, Path workDir, String... env) {
        Map<String, String> environment = pb.environment();
        environment.clear();
        environment.putAll(ProcessEnvironment.build(workDir, env));
    }

    private static void refuseSymlink(Path file) throws IOException {
        if (Files.isSymbolicLink(file)) {
            throw new IOException(file + " is a symbolic link; refusing to write through it");
        }
    }

    /** SIGTERM, then SIGKILL after {@code grace}; returns once the process is gone: {@link PidFileProcess#stop}. */
    public void stop(ProcessHandle process, Duration grace) {
        PidFileProcess.stop(process, PidFileProcess.StopSignal.TERM, grace);
    }

    public static boolean awaitExit(ProcessHandle process, Duration timeout) {
        return PidFileProcess.awaitExit(process, timeout);
    }

    /** The PID on a pid file's first line: {@link PidFileProcess#readPid}. */
    public static Optional<Long> readPid(Path pidFile) {
        return PidFileProcess.readPid(pidFile);
    }
}
