package dev.pgfleet.testsupport;

import dev.pgfleet.database.Database;
import dev.pgfleet.database.DatabaseMember;
import dev.pgfleet.provisioning.ClusterObservation;
import dev.pgfleet.provisioning.DataPlaneRuntime;
import dev.pgfleet.provisioning.DesiredCluster;
import dev.pgfleet.provisioning.PoolerStats;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The runtime port in memory, for fast tests of whatever drives it (the reconciler, drills, switchovers): no process,
 * no I/O. Each database is a small state machine that behaves the way the real runtimes do, as far as a caller of the
 * port can tell: {@link #ensureMembers} starts the members, which elect a leader a configurable number of calls
 * later ({@link #electLeaderAfter}); {@link #ensurePooler} starts the pooler and points it at the current leader; a
 * leader change ({@link #electLeader}) leaves the pooler where it was until something points it again; a killed
 * member stays down until the next {@code ensureMembers}. Any step can be made to throw, a given number of times
 * ({@link #failNext}) or for good ({@link #failAlways}). Every call is recorded ({@link #calls}).
 */
public class FakeRuntime implements DataPlaneRuntime {

    /** The port's operations that can be made to fail. */
    public enum Step { ENSURE_MEMBERS, ENSURE_POOLER, OBSERVE, DELETE, PAUSE_POOLER, RESUME_POOLER, POINT_POOLER, KILL_MEMBER, POOLER_STATS }

    /** One database's data plane as the fake holds it. */
    private static final class Cluster {
        final Map<String, String> state = new LinkedHashMap<>(); // member -> running/streaming/starting/stopped
        final Set<String> running = ConcurrentHashMap.newKeySet();
        Optional<String> leader = Optional.empty();
        int ensureCalls;
        boolean poolerRunning;
        Optional<String> poolerTarget = Optional.empty();
        boolean poolerPaused;
    }

    private final Map<UUID, Cluster> clusters = new ConcurrentHashMap<>();
    private final Map<Step, Deque<RuntimeException>> failures = new EnumMap<>(Step.class);
    private final Map<Step, RuntimeException> permanentFailures = new EnumMap<>(Step.class);
    private final List<String> calls = new CopyOnWriteArrayList<>();
    private final List<UUID> deleted = new CopyOnWriteArrayList<>();
    private int electAfter = 1;
    private boolean elects = true;
    private int nextPort = 40000;

    // ---- how a test shapes the fake ---------------------------------------------------------------------------

    /** Members elect a leader on the {@code calls}-th ensureMembers of a database (1: at once). */
    public FakeRuntime electLeaderAfter(int calls) {
        this.electAfter = calls;
        return this;
    }

    /** Members start but never elect a leader (a DCS that never answers, say). */
    public FakeRuntime neverElectALeader() {
        this.elects = false;
        return this;
    }

    /** The next {@code times} calls of {@code step} throw {@code failure}. */
    public synchronized FakeRuntime failNext(Step step, int times, RuntimeException failure) {
        Deque<RuntimeException> queue = failures.computeIfAbsent(step, s -> new ArrayDeque<>());
        for (int i = 0; i < times; i++) {
            queue.add(failure);
        }
        return this;
    }

    /** Every call of {@code step} throws {@code failure} until {@link #heal}. */
    public synchronized FakeRuntime failAlways(Step step, RuntimeException failure) {
        permanentFailures.put(step, failure);
        return this;
    }

    public synchronized void heal(Step step) {
        permanentFailures.remove(step);
        failures.remove(step);
    }

    /** Patroni elects {@code member} (a failover or switchover the caller did not ask for); the pooler stays put. */
    public void electLeader(UUID database, String member) {
        Cluster c = cluster(database);
        c.leader.ifPresent(old -> c.state.put(old, c.running.contains(old) ? "streaming" : "stopped"));
        c.leader = Optional.of(member);
        c.state.put(member, "running");
    }

    // ---- what a test reads back ----------------------------------------------------------------------------

    /** Every port call so far, as "method database" (for DatabaseInsights-style callers, "method database detail"). */
    public List<String> calls() {
        return List.copyOf(calls);
    }

    public List<UUID> deletedClusters() {
        return List.copyOf(deleted);
    }

    public Optional<String> leaderOf(UUID database) {
        return cluster(database).leader;
    }

    public Optional<String> poolerTargetOf(UUID database) {
        return cluster(database).poolerTarget;
    }

    public boolean poolerPaused(UUID database) {
        return cluster(database).poolerPaused;
    }

    public boolean exists(UUID database) {
        return clusters.containsKey(database);
    }

    // ---- RuntimeInfo ------------------------------------------------------------------------------------------

    @Override
    public List<Integer> supportedPostgresVersions() {
        return List.of(15);
    }

    @Override
    public Optional<Integer> defaultPostgresVersion() {
        return Optional.of(15);
    }

    @Override
    public Optional<String> problemWithVersion(int version) {
        return version == 15 ? Optional.empty() : Optional.of("PostgreSQL " + version + " is not offered by the fake runtime.");
    }

    @Override
    public synchronized void place(Database database, List<String> memberNames) {
        List<DatabaseMember> members = new ArrayList<>();
        int pooler = nextPort++;
        for (int i = 0; i < memberNames.size(); i++) {
            members.add(new DatabaseMember(database.getId(), i, memberNames.get(i), nextPort++, nextPort++));
        }
        database.assignPorts(pooler, members);
    }

    @Override
    public Endpoint poolerEndpoint(Database database) {
        return new Endpoint("127.0.0.1", database.getPoolerPort());
    }

    @Override
    public Endpoint memberEndpoint(Database database, DatabaseMember member) {
        return new Endpoint("127.0.0.1", member.getPgPort());
    }

    // ---- converge ---------------------------------------------------------------------------------------------

    @Override
    public void ensureMembers(DesiredCluster desired) {
        record(Step.ENSURE_MEMBERS, "ensureMembers", desired);
        Cluster c = clusters.computeIfAbsent(desired.id(), id -> new Cluster());
        synchronized (c) {
            c.ensureCalls++;
            for (DesiredCluster.MemberSlot slot : desired.members()) {
                if (c.running.add(slot.name())) {
                    c.state.put(slot.name(), "starting");
                }
            }
            if (c.leader.isEmpty() && elects && c.ensureCalls >= electAfter) {
                c.leader = Optional.of(desired.members().get(0).name());
            }
            // A started member is up by the next pass, or at once once there is a leader to follow.
            for (String member : c.running) {
                if (c.leader.isPresent()) {
                    c.state.put(member, c.leader.get().equals(member) ? "running" : "streaming");
                }
            }
        }
    }

    @Override
    public void ensurePooler(DesiredCluster desired) {
        record(Step.ENSURE_POOLER, "ensurePooler", desired);
        Cluster c = cluster(desired.id());
        synchronized (c) {
            if (c.leader.isPresent()) {
                c.poolerRunning = true;
                c.poolerTarget = c.leader;
            }
        }
    }

    @Override
    public ClusterObservation observeCluster(DesiredCluster desired) {
        record(Step.OBSERVE, "observeCluster", desired);
        Cluster c = clusters.computeIfAbsent(desired.id(), id -> new Cluster());
        synchronized (c) {
            List<ClusterObservation.MemberObservation> members = new ArrayList<>();
            boolean syncAssigned = false;
            for (DesiredCluster.MemberSlot slot : desired.members()) {
                String name = slot.name();
                boolean running = c.running.contains(name);
                String role = null;
                if (running && c.leader.isPresent()) {
                    if (c.leader.get().equals(name)) {
                        role = "leader";
                    } else if (desired.spec().plan().synchronous() && !syncAssigned) {
                        role = "sync_standby";
                        syncAssigned = true;
                    } else {
                        role = "replica";
                    }
                }
                members.add(new ClusterObservation.MemberObservation(name, running, role,
                        running ? c.state.getOrDefault(name, "starting") : "stopped", running && role != null ? 0L : null));
            }
            Optional<String> leader = c.leader.filter(c.running::contains);
            return new ClusterObservation(members, leader, c.poolerRunning, c.poolerRunning ? c.poolerTarget : Optional.empty());
        }
    }

    @Override
    public void deleteCluster(DesiredCluster desired) {
        record(Step.DELETE, "deleteCluster", desired);
        clusters.remove(desired.id());
        deleted.add(desired.id());
    }

    @Override
    public List<String> serverCertificateNames(DesiredCluster desired) {
        return List.of("localhost", "127.0.0.1");
    }

    @Override
    public Endpoint leaderEndpoint(DesiredCluster desired, String leader) {
        return new Endpoint("127.0.0.1", desired.member(leader).pgPort());
    }

    @Override
    public String patroniAddress(DesiredCluster desired, String member) {
        return "127.0.0.1:" + desired.member(member).restPort();
    }

    // ---- pooler control ---------------------------------------------------------------------------------------

    @Override
    public void pausePooler(DesiredCluster desired, Duration timeout) {
        record(Step.PAUSE_POOLER, "pausePooler", desired);
        cluster(desired.id()).poolerPaused = true;
    }

    @Override
    public void resumePooler(DesiredCluster desired) {
        record(Step.RESUME_POOLER, "resumePooler", desired);
        cluster(desired.id()).poolerPaused = false;
    }

    @Override
    public void pointPoolerAt(DesiredCluster desired, String leader, Duration timeout) {
        record(Step.POINT_POOLER, "pointPoolerAt", desired);
        Cluster c = cluster(desired.id());
        if (!c.poolerRunning) {
            throw new IllegalStateException("the pooler of " + desired.spec().databaseName() + " is not running");
        }
        c.poolerTarget = Optional.of(leader);
    }

    // ---- fault injection ----------------------------------------------------------------------------------------

    /** The member's processes stop; a leader loses its key at once (the fake has no ttl to wait out). */
    @Override
    public void killMemberAbruptly(DesiredCluster desired, String member) {
        record(Step.KILL_MEMBER, "killMemberAbruptly", desired);
        Cluster c = cluster(desired.id());
        synchronized (c) {
            if (!c.running.remove(member)) {
                throw new IllegalStateException("member " + member + " is not running");
            }
            c.state.put(member, "stopped");
            if (c.leader.equals(Optional.of(member))) {
                c.leader = Optional.empty();
            }
        }
    }

    @Override
    public void endAbruptFailure(DesiredCluster desired, String member) {
        calls.add("endAbruptFailure " + desired.spec().databaseName());
    }

    // ---- insights -----------------------------------------------------------------------------------------------

    @Override
    public PoolerStats fetchPoolerStats(DesiredCluster desired) {
        record(Step.POOLER_STATS, "fetchPoolerStats", desired);
        if (!cluster(desired.id()).poolerRunning) {
            throw new IllegalStateException("no pooler answers");
        }
        return PoolerStats.NONE;
    }

    // ---- internals ----------------------------------------------------------------------------------------------

    private Cluster cluster(UUID id) {
        Cluster c = clusters.get(id);
        if (c == null) {
            throw new IllegalStateException("the fake runtime has no cluster " + id);
        }
        return c;
    }

    private void record(Step step, String method, DesiredCluster desired) {
        calls.add(method + " " + desired.spec().databaseName());
        RuntimeException failure;
        synchronized (this) {
            Deque<RuntimeException> queue = failures.get(step);
            failure = queue != null && !queue.isEmpty() ? queue.poll() : permanentFailures.get(step);
        }
        if (failure != null) {
            throw failure;
        }
    }
}
