package dev.pgfleet.system.process;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one way pgfleet finds and stops a process it started: the PID on a pid file's first line, trusted only while
 * the process's command line still contains a marker (its configuration file, its data directory), so a recycled PID
 * is never signalled; then a signal, a grace period, and SIGKILL. The control plane ({@link LocalProcesses}),
 * {@code ./pgfleet down} and the benchmarks ({@link LocalHomeShutdown}, through the jar) and the tests all use it.
 */
public final class PidFileProcess {
    private static final Logger log = LoggerFactory.getLogger(PidFileProcess.class);
    private static final Duration AFTER_KILL = Duration.ofSeconds(10);

    /** The first signal a process gets; SIGKILL follows after the grace period. */
    public enum StopSignal {
        /** The usual polite request. */
        TERM,
        /** PostgreSQL's fast shutdown (TERM is its "smart" one, which waits for every client to leave). */
        INT
    }

    private PidFileProcess() {
    }

    /** A process still to be stopped: what to signal first and how long it gets before SIGKILL. */
    public record Stop(ProcessHandle process, StopSignal signal, Duration grace) {
    }

    /**
     * The live process recorded in {@code pidFile}, if its command line still contains {@code marker}. A zombie counts
     * as gone: it no longer runs (an init that reaps orphans slowly leaves one for seconds).
     */
    public static Optional<ProcessHandle> findRunning(Path pidFile, String marker) {
        return readPid(pidFile).flatMap(ProcessHandle::of)
                .filter(h -> isRunning(h.pid()))
                .filter(h -> commandLine(h.pid()).contains(marker));
    }

    /**
     * The PID on a pid file's first line. Some pid files (postmaster.pid) lie in directories the data-plane user owns:
     * never follow a link, never open anything but a regular file, read no more than a PID's worth of bytes.
     */
    public static Optional<Long> readPid(Path pidFile) {
        // Checked before opening too: opening a FIFO planted there would block.
        if (!Files.isRegularFile(pidFile, LinkOption.NOFOLLOW_LINKS)) {
            return Optional.empty();
        }
        try (SeekableByteChannel in = Files.newByteChannel(pidFile, Set.of(StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS))) {
            ByteBuffer head = ByteBuffer.allocate(32);
            in.read(head);
            String text = new String(head.array(), 0, head.position(), StandardCharsets.US_ASCII);
            String first = text.lines().findFirst().orElse("").strip();
            return first.matches("[1-9]\\d{0,9}") ? Optional.of(Long.parseLong(first)) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** The full command line from /proc, arguments separated by spaces (ProcessHandle.Info truncates other users'). */
    public static String commandLine(long pid) {
        try {
            byte[] raw = Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline"));
            return new String(raw, StandardCharsets.UTF_8).replace('\0', ' ');
        } catch (IOException e) {
            return "";
        }
    }

    /** Whether {@code pid} exists and is not a zombie (state Z in /proc/pid/stat, after the command name). */
    public static boolean isRunning(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            int end = stat.lastIndexOf(')');
            return end < 0 || end + 2 >= stat.length() || stat.charAt(end + 2) != 'Z';
        } catch (IOException e) {
            return false;
        }
    }

    /** Stops the process recorded in {@code pidFile} if it still carries {@code marker}; true if one was stopped. */
    public static boolean stopIfRunning(Path pidFile, String marker, StopSignal signal, Duration grace) {
        Optional<ProcessHandle> process = findRunning(pidFile, marker);
        process.ifPresent(p -> stopAll(List.of(new Stop(p, signal, grace))));
        return process.isPresent();
    }

    /** {@code signal}, then SIGKILL after {@code grace}; returns once the process is gone. */
    public static void stop(ProcessHandle process, StopSignal signal, Duration grace) {
        stopAll(List.of(new Stop(process, signal, grace)));
    }

    /**
     * Signals every process first, so they shut down in parallel, then waits for each until its own grace period
     * (counted from the signal) has passed and sends SIGKILL to those still there. Returns the processes that
     * outlived even SIGKILL (none, unless another user's process or an uninterruptible sleep).
     */
    public static List<ProcessHandle> stopAll(List<Stop> stops) {
        long start = System.nanoTime();
        List<Stop> signalled = new ArrayList<>();
        for (Stop stop : stops) {
            if (isRunning(stop.process().pid()) && signal(stop.process(), stop.signal())) {
                signalled.add(stop);
            }
        }
        List<ProcessHandle> survivors = new ArrayList<>();
        for (Stop stop : signalled) {
            Duration left = stop.grace().minusNanos(System.nanoTime() - start);
            if (awaitExit(stop.process(), left.isNegative() ? Duration.ZERO : left)) {
                continue;
            }
            log.warn("pid {} ignored SIG{} for {} s; sending SIGKILL", stop.process().pid(), stop.signal(),
                    stop.grace().toSeconds());
            stop.process().destroyForcibly();
            if (!awaitExit(stop.process(), AFTER_KILL)) {
                survivors.add(stop.process());
            }
        }
        return survivors;
    }

    /** Waits until the process has exited (or is a zombie); false if it still runs after {@code timeout}. */
    public static boolean awaitExit(ProcessHandle process, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (isRunning(process.pid()) && process.isAlive()) {
            if (System.nanoTime() - deadline > 0) {
                return false;
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return true;
    }

    /**
     * TERM through the handle (which checks the process's start time, so a PID recycled since it was found is not
     * signalled); INT through kill(1), which Java has no call for, after the same check a moment before.
     */
    private static boolean signal(ProcessHandle process, StopSignal signal) {
        if (signal == StopSignal.TERM) {
            return process.destroy();
        }
        if (!process.isAlive()) {
            return false;
        }
        try {
            Process kill = new ProcessBuilder("kill", "-s", signal.name(), Long.toString(process.pid()))
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            return kill.waitFor(10, TimeUnit.SECONDS) && kill.exitValue() == 0;
        } catch (IOException e) {
            log.warn("cannot send SIG{} to pid {}: {}", signal, process.pid(), e.getMessage());
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
