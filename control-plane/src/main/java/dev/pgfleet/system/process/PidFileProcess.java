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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one way pgfleet finds and stops a process it started: the PID on a pid file's first line, trusted only while
 * one of the process's arguments still is a marker (its configuration file, its data directory, its home), exactly,
 * not as part of a longer argument, so a recycled PID or another home's process is never signalled; then a signal, a grace period, and SIGKILL. The control plane ({@link LocalProcesses}),
 * {@code ./pgfleet down} and the benchmarks ({@link LocalHomeShutdown}, through the jar) and the tests all use it.
 */
public final class PidFileProcess {
    private static final Logger log = LoggerFactory.getLogger(PidFileProcess.class);
    private static final Duration AFTER_KILL = Duration.ofSeconds(10);
    /** How long reading a pid file may take: a FIFO swapped in for it would block the read for ever. */
    static final Duration READ_TIMEOUT = Duration.ofSeconds(2);
    /** A PID's worth of bytes and then some: nothing longer is read from a pid file. */
    private static final int MAX_READ = 32;

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
     * The live process recorded in {@code pidFile}, if one of its arguments still is {@code marker} ({@link
     * #carriesMarker}). A zombie counts as gone: it no longer runs (an init that reaps orphans slowly leaves one for
     * seconds).
     */
    public static Optional<ProcessHandle> findRunning(Path pidFile, String marker) {
        return readPid(pidFile).flatMap(ProcessHandle::of)
                .filter(h -> isRunning(h.pid()))
                .filter(h -> carriesMarker(arguments(h.pid()), marker));
    }

    /**
     * Whether {@code marker} is one of {@code arguments} exactly, or PostgreSQL's {@code -D<marker>} form of the data
     * directory (its {@code -D <marker>} form is two arguments, the second the marker). A marker inside a longer
     * argument does not count: another home's path may start with this one's.
     */
    public static boolean carriesMarker(List<String> arguments, String marker) {
        if (marker == null || marker.isEmpty()) {
            return false;
        }
        return arguments.stream().anyMatch(a -> a.equals(marker) || a.equals("-D" + marker));
    }

    /**
     * The PID on a pid file's first line. Some pid files (postmaster.pid) lie in directories the data-plane user owns:
     * never follow a link, never open anything but a regular file, read no more than a PID's worth of bytes. That
     * user can still swap the file for a FIFO between the check and the open, and opening a FIFO blocks until someone
     * writes to it: the read runs on a daemon thread and is given up after {@link #READ_TIMEOUT}.
     */
    public static Optional<Long> readPid(Path pidFile) {
        if (!Files.isRegularFile(pidFile, LinkOption.NOFOLLOW_LINKS)) {
            return Optional.empty();
        }
        return readPidWithin(pidFile, READ_TIMEOUT);
    }

    /**
     * {@link #readPid} without the regular-file check, as if the file had been swapped after it: reads on a daemon
     * thread and gives up after {@code timeout} (the thread stays blocked until the FIFO is opened for writing or
     * removed; it holds nothing else).
     */
    static Optional<Long> readPidWithin(Path pidFile, Duration timeout) {
        CompletableFuture<Optional<Long>> read = new CompletableFuture<>();
        Thread reader = new Thread(() -> read.complete(readPidBlocking(pidFile)), "pid-file-reader");
        reader.setDaemon(true);
        reader.start();
        try {
            return read.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            log.warn("reading the pid file {} took over {} ms (not a regular file any more?); ignoring it", pidFile,
                    timeout.toMillis());
            return Optional.empty();
        } catch (ExecutionException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    private static Optional<Long> readPidBlocking(Path pidFile) {
        try (SeekableByteChannel in = Files.newByteChannel(pidFile, Set.of(StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS))) {
            ByteBuffer head = ByteBuffer.allocate(MAX_READ);
            in.read(head);
            String text = new String(head.array(), 0, head.position(), StandardCharsets.US_ASCII);
            String first = text.lines().findFirst().orElse("").strip();
            return first.matches("[1-9]\\d{0,9}") ? Optional.of(Long.parseLong(first)) : Optional.empty();
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** The full command line from /proc, arguments separated by spaces (ProcessHandle.Info truncates other users'). */
    public static String commandLine(long pid) {
        return String.join(" ", arguments(pid));
    }

    /** The process's arguments (argv, the program's name first) from /proc; none if it is gone. */
    public static List<String> arguments(long pid) {
        try {
            byte[] raw = Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline"));
            String all = new String(raw, StandardCharsets.UTF_8);
            if (all.endsWith("\0")) {
                all = all.substring(0, all.length() - 1);
            }
            return all.isEmpty() ? List.of() : List.of(all.split("\0", -1));
        } catch (IOException e) {
            return List.of();
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
