package dev.pgfleet.system.process;

import dev.pgfleet.system.process.PidFileProcess.Stop;
import dev.pgfleet.system.process.PidFileProcess.StopSignal;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The command line of {@link PidFileProcess} and {@link LocalHomeShutdown}, for {@code ./pgfleet down} and the
 * benchmarks, so the shell scripts stop processes by the very rules the control plane does. Run from the jar without
 * a Spring context (well under a second of CPU):
 *
 * <pre>
 * java -cp pgfleet-control-plane.jar -Dloader.main=dev.pgfleet.system.process.StopCommand \
 *     org.springframework.boot.loader.launch.PropertiesLauncher down PGFLEET_HOME
 *     ... stop MARKER GRACE_SECONDS TERM|INT PID|PIDFILE...
 * </pre>
 *
 * {@code down} stops everything under a home and removes its scratch instances; {@code stop} stops the given processes
 * (a number is a PID, anything else a pid file) whose command line contains MARKER, all signalled at once. Exit status:
 * 0 when nothing is left running, 1 when a process survived SIGKILL, 2 on a usage error.
 */
public final class StopCommand {
    private static final String USAGE = "usage: StopCommand down PGFLEET_HOME | stop MARKER GRACE_SECONDS TERM|INT PID|PIDFILE...";

    private StopCommand() {
    }

    /** What the command line asks for: parsed (and refused) before anything is signalled. */
    sealed interface Command permits Down, StopProcesses {
    }

    /** {@code down PGFLEET_HOME}. */
    record Down(Path home) implements Command {
    }

    /** {@code stop MARKER GRACE_SECONDS SIGNAL TARGET...}: a target is a PID (digits) or a pid file. */
    record StopProcesses(String marker, Duration grace, StopSignal signal, List<String> targets) implements Command {
    }

    public static void main(String[] args) {
        int status;
        try {
            status = run(parse(Arrays.asList(args)));
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            status = 2;
        }
        System.exit(status);
    }

    /** Pure: the command the arguments name, or IllegalArgumentException with the usage. */
    static Command parse(List<String> args) {
        if (args.size() == 2 && args.get(0).equals("down") && !args.get(1).isBlank()) {
            return new Down(Path.of(args.get(1)).toAbsolutePath().normalize());
        }
        if (args.size() >= 4 && args.get(0).equals("stop") && !args.get(1).isBlank()) {
            return new StopProcesses(args.get(1), Duration.ofSeconds(seconds(args.get(2))), signal(args.get(3)),
                    List.copyOf(args.subList(4, args.size())));
        }
        throw new IllegalArgumentException(USAGE);
    }

    /** I/O: runs one command; returns the exit status. */
    static int run(Command command) {
        if (command instanceof Down down) {
            if (!Files.isDirectory(down.home(), LinkOption.NOFOLLOW_LINKS)) {
                return 0;
            }
            return report(LocalHomeShutdown.stopEverything(down.home()), "under " + down.home());
        }
        StopProcesses stop = (StopProcesses) command;
        List<Stop> stops = new ArrayList<>();
        for (String target : stop.targets()) {
            processOf(target).filter(p -> PidFileProcess.isRunning(p.pid()))
                    .filter(p -> PidFileProcess.commandLine(p.pid()).contains(stop.marker()))
                    .ifPresent(p -> stops.add(new Stop(p, stop.signal(), stop.grace())));
        }
        return report(PidFileProcess.stopAll(stops).size(), "marked " + stop.marker());
    }

    private static Optional<ProcessHandle> processOf(String target) {
        if (target.matches("[1-9]\\d{0,9}")) {
            return ProcessHandle.of(Long.parseLong(target));
        }
        // Empty arguments (a shell variable that was not set) name nothing.
        return target.isEmpty() ? Optional.empty() : PidFileProcess.readPid(Path.of(target)).flatMap(ProcessHandle::of);
    }

    private static long seconds(String text) {
        if (!text.matches("\\d{1,5}")) {
            throw new IllegalArgumentException("GRACE_SECONDS must be a whole number of seconds, not " + text + "\n" + USAGE);
        }
        return Long.parseLong(text);
    }

    private static StopSignal signal(String text) {
        try {
            return StopSignal.valueOf(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("the signal must be TERM or INT, not " + text + "\n" + USAGE);
        }
    }

    private static int report(int survivors, String what) {
        if (survivors > 0) {
            System.err.println(survivors + " process(es) " + what + " outlived SIGKILL");
            return 1;
        }
        return 0;
    }
}
