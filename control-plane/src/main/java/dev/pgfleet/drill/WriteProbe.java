package dev.pgfleet.drill;

import dev.pgfleet.database.RuntimeInfo;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A client of the database during a drill (I/O): one thread writes sequence-numbered rows through the pooler
 * endpoint — the address tenants use — each in its own transaction, and records every acknowledged commit and
 * every failed attempt. The rows live in schema {@value #SCHEMA}, apart from the tenant's tables, and are
 * removed with it afterwards.
 */
final class WriteProbe implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(WriteProbe.class);
    static final String SCHEMA = "pgfleet_drill";
    /** Between writes: about 100 a second, so an outage is measured to ~10 ms without loading the database. */
    private static final long PAUSE_MILLIS = 10;
    private static final long AFTER_FAILURE_MILLIS = 100;

    private final RuntimeInfo.Endpoint pooler;
    private final String database;
    private final String user;
    private final String password;
    private final UUID drillId;
    private final List<ProbeTimeline.Ack> acks = new ArrayList<>();
    private long failures;
    private volatile boolean running;
    private Thread thread;

    WriteProbe(RuntimeInfo.Endpoint pooler, String database, String user, String password, UUID drillId) {
        this.pooler = pooler;
        this.database = database;
        this.user = user;
        this.password = password;
        this.drillId = drillId;
    }

    /**
     * Creates the probe's table (through the pooler, as the owner) and starts writing. The probe has the tenant's own
     * rights and no more, so tenant code it meets cannot escalate; PgBouncer does not pass a startup search_path, so
     * instead every name in its statements is schema-qualified (a tenant's look-alike cannot bend the measurement).
     */
    void start() throws SQLException {
        try (Connection c = connect(); Statement s = c.createStatement()) {
            s.execute("create schema if not exists " + SCHEMA);
            s.execute("create table if not exists " + SCHEMA + ".probe (drill_id uuid not null, seq bigint not null,"
                    + " written_at timestamptz not null default pg_catalog.clock_timestamp(), primary key (drill_id, seq))");
        }
        running = true;
        thread = new Thread(this::writeUntilStopped, "drill-probe-" + drillId);
        thread.setDaemon(true);
        thread.start();
    }

    /** What has been seen so far. */
    synchronized ProbeTimeline timeline() {
        return new ProbeTimeline(acks, failures);
    }

    /** Waits until at least {@code count} writes were acknowledged; false after {@code timeout}. */
    boolean awaitAcks(int count, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (timeline().acknowledged() < count) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(20);
        }
        return true;
    }

    /** Waits until a write was acknowledged after {@code nanos}; false after {@code timeout}. */
    boolean awaitAckAfter(long nanos, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (timeline().firstAckAfter(nanos).isEmpty()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(20);
        }
        return true;
    }

    /** Stops writing; the write in flight finishes (or fails) first. */
    void stop() throws InterruptedException {
        running = false;
        if (thread != null) {
            thread.join(Duration.ofSeconds(90).toMillis());
        }
    }

    /** The sequence numbers of this drill's rows that are in the database now (read through the pooler). */
    Set<Long> readBack(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            try (Connection c = connect(); PreparedStatement ps = c.prepareStatement("select seq from " + SCHEMA + ".probe where drill_id operator(pg_catalog.=) ?")) {
                ps.setObject(1, drillId);
                Set<Long> seqs = new HashSet<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        seqs.add(rs.getLong(1));
                    }
                }
                return seqs;
            } catch (SQLException e) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("could not read the probe's rows back: " + e.getMessage(), e);
                }
                Thread.sleep(500);
            }
        }
    }

    /** Drops the probe's schema (best effort: a failure is logged, the drill's result stands). */
    @Override
    public void close() {
        try (Connection c = connect(); Statement s = c.createStatement()) {
            s.execute("drop schema if exists " + SCHEMA + " cascade");
        } catch (SQLException e) {
            log.warn("could not drop the drill schema {} in {}: {}", SCHEMA, database, e.getMessage());
        }
    }

    private void writeUntilStopped() {
        long seq = 0;
        Connection c = null;
        PreparedStatement insert = null;
        while (running) {
            seq++;
            try {
                if (c == null) {
                    c = connect();
                    insert = c.prepareStatement("insert into " + SCHEMA + ".probe (drill_id, seq) values (?, ?)");
                }
                insert.setObject(1, drillId);
                insert.setLong(2, seq);
                insert.executeUpdate(); // autocommit: returns once the commit is acknowledged
                long at = System.nanoTime();
                synchronized (this) {
                    acks.add(new ProbeTimeline.Ack(seq, at));
                }
                sleep(PAUSE_MILLIS);
            } catch (SQLException e) {
                synchronized (this) {
                    failures++;
                }
                log.debug("probe write {} failed: {}", seq, e.getMessage());
                closeQuietly(c);
                c = null;
                sleep(AFTER_FAILURE_MILLIS);
            }
        }
        closeQuietly(c);
    }

    private Connection connect() throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", user);
        p.setProperty("password", password);
        p.setProperty("connectTimeout", "5");
        p.setProperty("socketTimeout", "60"); // a paused pooler holds a write for seconds: that is a wait, not a failure
        p.setProperty("ApplicationName", "pgfleet-drill-probe");
        return DriverManager.getConnection("jdbc:postgresql://" + pooler.host() + ":" + pooler.port() + "/" + database, p);
    }

    private static void closeQuietly(Connection c) {
        if (c != null) {
            try {
                c.close();
            } catch (SQLException e) {
                // already broken
            }
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
