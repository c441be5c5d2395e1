package dev.pgfleet.drill;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pgfleet.blueprint.ClusterSecrets;
import dev.pgfleet.database.Database;
import dev.pgfleet.database.DatabaseMember;
import dev.pgfleet.database.RuntimeInfo;
import dev.pgfleet.provisioning.PoolerControl;
import dev.pgfleet.provisioning.DesiredCluster;
import dev.pgfleet.provisioning.DatabaseSessions;
import dev.pgfleet.provisioning.PatroniRest;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * A planned switchover that clients in transaction mode experience as a short wait (I/O):
 * <ol>
 *   <li>CHECKPOINT on the leader, outside the pause, so its shutdown checkpoint is short;</li>
 *   <li>PAUSE the pooler: new transactions wait there, running ones finish;</li>
 *   <li>ask the leader's Patroni to switch over to the candidate, and watch the candidate until it accepts writes;</li>
 *   <li>point the pooler at it, then RESUME: the waiting transactions run on the new leader.</li>
 * </ol>
 * Whatever fails, the pooler is resumed: a switchover never leaves clients waiting.
 */
@Component
class Switchover {
    private static final Logger log = LoggerFactory.getLogger(Switchover.class);
    static final Duration PAUSE_TIMEOUT = Duration.ofSeconds(10);
    static final Duration PROMOTION_TIMEOUT = Duration.ofSeconds(60);
    static final Duration RETARGET_TIMEOUT = Duration.ofSeconds(30);

    private final PoolerControl runtime;
    private final RuntimeInfo endpoints;
    private final PatroniRest patroni;

    Switchover(PoolerControl runtime, RuntimeInfo endpoints, ObjectMapper json) {
        this.runtime = runtime;
        this.endpoints = endpoints;
        this.patroni = new PatroniRest(HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build(), json);
    }

    /** @param paused how long the pooler held transactions (PAUSE issued to RESUME answered) */
    record Result(String oldLeader, String newLeader, Duration paused, String patroniAnswer) {
    }

    Result perform(Database db, DesiredCluster desired, String leader, String candidate) throws SQLException, InterruptedException {
        DatabaseMember candidateMember = member(db, candidate);
        ClusterSecrets secrets = desired.secrets();
        checkpoint(db, member(db, leader), secrets);
        try (Connection watch = superuser(db, candidateMember, secrets)) {
            long pauseStarted = System.nanoTime();
            runtime.pausePooler(desired, PAUSE_TIMEOUT);
            long pausedAt = System.nanoTime();
            long promotedAt = 0;
            long pointedAt = 0;
            CompletableFuture<HttpResponse<String>> answer;
            try {
                answer = patroni.requestSwitchover(runtime.patroniAddress(desired, leader), leader, candidate, secrets);
                awaitPromotion(watch, candidate, answer);
                promotedAt = System.nanoTime();
                runtime.pointPoolerAt(desired, candidate, RETARGET_TIMEOUT);
                pointedAt = System.nanoTime();
            } finally {
                runtime.resumePooler(desired);
            }
            long resumedAt = System.nanoTime();
            Duration paused = Duration.ofNanos(resumedAt - pauseStarted);
            log.info("switchover of {} timeline: pause {} ms, promotion {} ms, pooler retarget {} ms, resume {} ms", db.getName(),
                    (pausedAt - pauseStarted) / 1_000_000, (promotedAt - pausedAt) / 1_000_000, (pointedAt - promotedAt) / 1_000_000,
                    (resumedAt - pointedAt) / 1_000_000);
            String text;
            try {
                HttpResponse<String> r = answer.get(30, TimeUnit.SECONDS);
                text = r.statusCode() + " " + r.body();
            } catch (Exception e) {
                text = "no answer: " + e;
            }
            log.info("switchover of {}: {} -> {}, pooler paused {} ms (Patroni: {})", db.getName(), leader, candidate, paused.toMillis(), text);
            return new Result(leader, candidate, paused, text);
        }
    }

    /** Polls the candidate until it is out of recovery; fails early if Patroni answers that the switchover failed. */
    private static void awaitPromotion(Connection candidate, String name, CompletableFuture<HttpResponse<String>> answer)
            throws SQLException, InterruptedException {
        long deadline = System.nanoTime() + PROMOTION_TIMEOUT.toNanos();
        try (Statement s = candidate.createStatement()) {
            while (true) {
                try (ResultSet rs = s.executeQuery("select pg_catalog.pg_is_in_recovery()")) {
                    rs.next();
                    if (!rs.getBoolean(1)) {
                        return;
                    }
                }
                if (answer.isDone()) {
                    HttpResponse<String> r = answer.getNow(null);
                    if (r == null || r.statusCode() != 200) {
                        throw new IllegalStateException("Patroni refused the switchover: " + (r == null ? "no answer"
                                : r.statusCode() + " " + r.body()));
                    }
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(name + " was not promoted within " + PROMOTION_TIMEOUT.toSeconds() + " s");
                }
                Thread.sleep(25);
            }
        }
    }

    private void checkpoint(Database db, DatabaseMember leader, ClusterSecrets secrets) {
        try (Connection c = superuser(db, leader, secrets); Statement s = c.createStatement()) {
            s.execute("checkpoint");
        } catch (SQLException e) {
            log.warn("checkpoint before the switchover of {} failed (the switchover goes on): {}", db.getName(), e.getMessage());
        }
    }

    /**
     * A superuser session in the maintenance database {@code postgres} (never a tenant's: tenants cannot connect to
     * it), for commands only a superuser may run; search_path pinned like every session (DatabaseSessions).
     */
    private Connection superuser(Database db, DatabaseMember member, ClusterSecrets secrets) throws SQLException {
        return DatabaseSessions.open(endpoints.memberEndpoint(db, member), "postgres", ClusterSecrets.SUPERUSER,
                secrets.superuserPassword(), "pgfleet-switchover", Duration.ofSeconds(30));
    }

    private static DatabaseMember member(Database db, String name) {
        return db.getMembers().stream().filter(m -> m.getName().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalStateException("no member " + name));
    }
}
