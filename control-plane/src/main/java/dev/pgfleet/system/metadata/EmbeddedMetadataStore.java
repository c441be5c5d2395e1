package dev.pgfleet.system.metadata;

import dev.pgfleet.system.process.DataPlaneUser;
import dev.pgfleet.system.process.LocalProcesses;
import dev.pgfleet.system.process.Directories;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Properties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The control plane's private PostgreSQL under PGFLEET_HOME/metadata, used when no external metadata
 * database is configured. Initialised once; on later starts the same instance (and its port and
 * password) is reused, and an instance that is still running is adopted rather than started twice.
 *
 * <p>It runs as its own OS user (pgfleet.local.metadata-os-user), never as the data plane's: a tenant who
 * reached a shell as the data-plane user must not be able to read tenants' secrets or tokens from it. metadata/
 * is the control plane's; only pgdata/ and log/ are handed to that user; connection.properties is root's, 0600.
 */
public final class EmbeddedMetadataStore {
    private static final Logger log = LoggerFactory.getLogger(EmbeddedMetadataStore.class);
    static final String USER = "pgfleet";
    static final String DATABASE = "pgfleet";

    private final Path dir;
    private final Path pgdata;
    private final Path binDir;
    private final LocalProcesses processes;

    /**
     * {@code processes} run as the metadata store's own user; {@code dataPlaneUser} is the tenants' one, which it
     * must not be (checked here, so a misconfiguration stops the start with a clear message).
     */
    public EmbeddedMetadataStore(Path home, Path binDir, LocalProcesses processes, String dataPlaneUser) {
        if (processes.user().name().equals(dataPlaneUser)) {
            throw new IllegalStateException("The embedded metadata store would run as '" + dataPlaneUser + "', the same OS user as"
                    + " the tenants' databases, who could then read every tenant's secrets. Run the control plane as root (the"
                    + " store then runs as pgfleet.local.metadata-os-user, '" + processes.user().name() + "' is not allowed), or"
                    + " point it at an external metadata database with PGFLEET_DB_URL.");
        }
        this.dir = home.resolve("metadata");
        this.pgdata = dir.resolve("pgdata");
        this.binDir = binDir;
        this.processes = processes;
    }

    /** JDBC settings of the running instance: initialises and starts it first when needed. */
    public Connection startIfNeeded() {
        Properties settings = initialiseIfNeeded();
        int port = Integer.parseInt(settings.getProperty("port"));
        if (!accepting(port)) {
            log.info("starting the embedded metadata PostgreSQL on port {}", port);
            processes.runToCompletion(List.of(binDir.resolve("pg_ctl").toString(), "start", "-w", "-t", "60",
                    "-D", pgdata.toString(), "-l", logFile().toString()), dir, Duration.ofSeconds(90));
        }
        return new Connection("jdbc:postgresql://127.0.0.1:" + port + "/" + DATABASE, USER, settings.getProperty("password"));
    }

    /** Stops the instance (fast shutdown) if it runs. */
    public void stop() {
        if (Files.exists(pgdata.resolve("postmaster.pid"))) {
            processes.runToCompletion(List.of(binDir.resolve("pg_ctl").toString(), "stop", "-m", "fast", "-w",
                    "-D", pgdata.toString()), dir, Duration.ofSeconds(60));
        }
    }

    private Properties initialiseIfNeeded() {
        Path settingsFile = dir.resolve("connection.properties");
        try {
            if (Files.exists(settingsFile) && Files.exists(pgdata.resolve("PG_VERSION"))) {
                Properties p = new Properties();
                try (var in = Files.newInputStream(settingsFile)) {
                    p.load(in);
                }
                return p;
            }
            log.info("initialising the embedded metadata PostgreSQL in {}", pgdata);
            DataPlaneUser user = processes.user();
            user.createControlledDirectories(dir);
            user.createOwnedLeaf(dir.resolve("log"));
            // A first start that failed half-way may have left a running instance: stop it before starting over.
            if (Files.exists(pgdata.resolve("postmaster.pid"))) {
                try {
                    processes.runToCompletion(List.of(binDir.resolve("pg_ctl").toString(), "stop", "-m", "immediate", "-w",
                            "-D", pgdata.toString()), dir, Duration.ofSeconds(60));
                } catch (IllegalStateException notRunning) {
                    log.info("no instance left running in {}", pgdata);
                }
            }
            Directories.deleteRecursively(pgdata);
            user.createOwnedLeaf(pgdata);
            String password = HexFormat.of().formatHex(randomBytes(24));
            Path pwfile = dir.resolve("initdb.pw");
            user.writeOwnedFile(pwfile, password + "\n");
            try {
                processes.runToCompletion(List.of(binDir.resolve("initdb").toString(), "-D", pgdata.toString(),
                        "-U", USER, "--pwfile=" + pwfile, "--auth=scram-sha-256", "-E", "UTF8", "--locale=C.UTF-8"),
                        dir, Duration.ofMinutes(2));
            } finally {
                Files.deleteIfExists(pwfile);
            }
            int port = freePort();
            String conf = "\n# pgfleet: the metadata store listens on loopback TCP only\n"
                    + "port = " + port + "\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = ''\n"
                    + "max_connections = 50\nshared_buffers = 64MB\n";
            // pgdata is the store user's: never append through a link planted there.
            Files.writeString(pgdata.resolve("postgresql.conf"), conf, java.nio.file.StandardOpenOption.APPEND,
                    java.nio.file.LinkOption.NOFOLLOW_LINKS);
            processes.runToCompletion(List.of(binDir.resolve("pg_ctl").toString(), "start", "-w", "-t", "60",
                    "-D", pgdata.toString(), "-l", logFile().toString()), dir, Duration.ofSeconds(90));
            processes.runToCompletion(List.of(binDir.resolve("psql").toString(), "-h", "127.0.0.1", "-p", Integer.toString(port),
                    "-U", USER, "-d", "postgres", "-v", "ON_ERROR_STOP=1", "-c", "CREATE DATABASE " + DATABASE),
                    dir, Duration.ofSeconds(30), "PGPASSWORD", password);
            Properties p = new Properties();
            p.setProperty("port", Integer.toString(port));
            p.setProperty("password", password);
            Files.deleteIfExists(settingsFile);
            // Owner-only from the moment it exists (never 0644 for an instant someone could open it in).
            try (var channel = Files.newByteChannel(settingsFile, java.util.Set.of(java.nio.file.StandardOpenOption.CREATE_NEW,
                    java.nio.file.StandardOpenOption.WRITE, java.nio.file.LinkOption.NOFOLLOW_LINKS),
                    java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                            java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")));
                 var out = java.nio.channels.Channels.newOutputStream(channel)) {
                p.store(out, "embedded metadata store (generated by pgfleet)");
            }
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot initialise the embedded metadata store in " + dir, e);
        }
    }

    private Path logFile() {
        return dir.resolve("log").resolve("postgresql.log");
    }

    private static boolean accepting(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        new SecureRandom().nextBytes(b);
        return b;
    }

    /** Where to reach the metadata database. */
    public record Connection(String url, String user, String password) {
        @Override
        public String toString() {
            return "Connection[" + url + ", user=" + user + "]";
        }
    }
}
