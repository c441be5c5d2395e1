package dev.pgfleet.system.process;

import dev.pgfleet.system.process.PidFileProcess.Stop;
import dev.pgfleet.system.process.PidFileProcess.StopSignal;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stops everything a local control plane left running under its home (PGFLEET_HOME), by pid file and marker
 * ({@link PidFileProcess}), in the order that keeps anything from restarting what is being stopped: the control plane,
 * then poolers and proxies, Patroni, leftover postmasters (members, scratch verification instances, the metadata
 * store), etcd; then removes the scratch instances' directories. {@code ./pgfleet down}, the benchmarks and the tests
 * call it ({@code ./pgfleet down} and the benchmarks through {@link StopCommand}).
 *
 * <p>The layout is the one LocalLayout, EtcdServer, the embedded metadata store and the backup verifier write; each
 * process's marker is an argument of its command line: its configuration file or data directory, the control plane's
 * {@code --pgfleet.home} ({@link #controlPlaneMarker}).
 */
public final class LocalHomeShutdown {
    private static final Logger log = LoggerFactory.getLogger(LocalHomeShutdown.class);

    /** Where verification scratch instances live below a home (one directory each, pgdata/ and log/ in it). */
    public static final String SCRATCH = "scratch";
    /** The pid file {@code ./pgfleet up} and the benchmarks write for the control plane they start. */
    public static final String CONTROL_PLANE_PID = "control-plane.pid";
    /**
     * The argument that marks the control plane of {@code home}: {@code --pgfleet.home=<home>}, which {@code ./pgfleet
     * up} and the benchmarks pass. The jar's name would not do: with two homes on one host, a stale control-plane.pid
     * of one could name the other's control plane.
     */
    public static String controlPlaneMarker(Path home) {
        return "--pgfleet.home=" + home.toAbsolutePath().normalize();
    }

    private static final Duration CONTROL_PLANE_GRACE = Duration.ofSeconds(60);
    private static final Duration POOLER_GRACE = Duration.ofSeconds(10);
    private static final Duration PATRONI_GRACE = Duration.ofSeconds(60);
    private static final Duration POSTMASTER_GRACE = Duration.ofSeconds(60);
    private static final Duration ETCD_GRACE = Duration.ofSeconds(30);

    private LocalHomeShutdown() {
    }

    /** Stops every process recorded under {@code home} and removes its scratch instances; returns how many survived. */
    public static int stopEverything(Path home) {
        int survivors = 0;
        survivors += stop(find(home.resolve(CONTROL_PLANE_PID), controlPlaneMarker(home), StopSignal.TERM, CONTROL_PLANE_GRACE));
        Path databases = home.resolve("databases");
        List<Stop> front = new ArrayList<>();
        for (Path db : children(databases)) {
            for (String dir : List.of("pooler", "read-only")) {
                Path d = db.resolve(dir);
                front.addAll(find(d.resolve("pgbouncer.pid"), d.resolve("pgbouncer.ini").toString(), StopSignal.TERM, POOLER_GRACE));
            }
            Path readOnly = db.resolve("read-only");
            front.addAll(find(readOnly.resolve("haproxy.pid"), readOnly.resolve("haproxy.cfg").toString(), StopSignal.TERM,
                    POOLER_GRACE));
        }
        survivors += stop(front);
        List<Stop> patroni = new ArrayList<>();
        List<Path> postmasters = new ArrayList<>();
        for (Path db : children(databases)) {
            for (Path member : children(db.resolve("members"))) {
                patroni.addAll(find(member.resolve("patroni.pid"), member.resolve("patroni.yml").toString(), StopSignal.TERM,
                        PATRONI_GRACE));
                postmasters.add(member.resolve("data").resolve("pgdata"));
            }
        }
        survivors += stop(patroni);
        // A postmaster can outlive a Patroni that was killed, and a scratch instance a control plane stopped mid-verification.
        for (Path scratch : children(home.resolve(SCRATCH))) {
            postmasters.add(scratch.resolve("pgdata"));
        }
        postmasters.add(home.resolve("metadata").resolve("pgdata"));
        survivors += stop(postmasters.stream().flatMap(pgdata -> postmaster(pgdata, POSTMASTER_GRACE).stream()).toList());
        Path etcd = home.resolve("etcd");
        survivors += stop(find(etcd.resolve("etcd.pid"), etcd.resolve("data").toString(), StopSignal.TERM, ETCD_GRACE));
        return survivors + removeScratchDirectories(home.resolve(SCRATCH));
    }

    /**
     * Stops the postmasters of scratch instances a crashed control plane left under {@code scratchRoot} and deletes
     * their directories (never following a link out of the tree). For a control plane's start-up, before any
     * verification of its own can run. Returns how many could not be removed.
     */
    public static int removeScratchInstances(Path scratchRoot, Duration grace) {
        List<Stop> leftovers = new ArrayList<>();
        for (Path scratch : children(scratchRoot)) {
            leftovers.addAll(postmaster(scratch.resolve("pgdata"), grace));
        }
        return stop(leftovers) + removeScratchDirectories(scratchRoot);
    }

    /** Deletes each scratch directory whose postmaster is gone; one still running keeps its directory. */
    private static int removeScratchDirectories(Path scratchRoot) {
        int kept = 0;
        for (Path scratch : children(scratchRoot)) {
            Path pgdata = scratch.resolve("pgdata");
            if (postmasterRunning(pgdata)) {
                log.warn("scratch instance {} still runs; keeping its directory", scratch);
                kept++;
                continue;
            }
            try {
                Directories.deleteRecursively(scratch);
                log.info("removed the leftover scratch instance {}", scratch);
            } catch (IOException e) {
                log.warn("cannot remove the scratch instance {}: {}", scratch, e.getMessage());
                kept++;
            }
        }
        return kept;
    }

    private static boolean postmasterRunning(Path pgdata) {
        return PidFileProcess.findRunning(pgdata.resolve("postmaster.pid"), pgdata.toString()).isPresent();
    }

    /** SIGINT: PostgreSQL's fast shutdown (rolls back sessions, checkpoints, exits), not TERM's wait for clients. */
    private static List<Stop> postmaster(Path pgdata, Duration grace) {
        return find(pgdata.resolve("postmaster.pid"), pgdata.toString(), StopSignal.INT, grace);
    }

    private static List<Stop> find(Path pidFile, String marker, StopSignal signal, Duration grace) {
        Optional<ProcessHandle> process = PidFileProcess.findRunning(pidFile, marker);
        process.ifPresent(p -> log.info("stopping pid {} ({})", p.pid(), pidFile));
        return process.map(p -> List.of(new Stop(p, signal, grace))).orElse(List.of());
    }

    private static int stop(List<Stop> stops) {
        return PidFileProcess.stopAll(stops).size();
    }

    /** The directories directly below {@code dir}, links left out (never followed); none if it is not a directory. */
    static List<Path> children(Path dir) {
        List<Path> out = new ArrayList<>();
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            return out;
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path entry : entries) {
                if (Files.isDirectory(entry, LinkOption.NOFOLLOW_LINKS)) {
                    out.add(entry);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir, e);
        }
        out.sort(null);
        return out;
    }
}
