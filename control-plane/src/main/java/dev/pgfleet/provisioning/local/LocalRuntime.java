package dev.pgfleet.provisioning.local;

import dev.pgfleet.blueprint.Dcs;
import dev.pgfleet.database.Database;
import dev.pgfleet.database.DatabaseMember;
import dev.pgfleet.blueprint.Plan;
import dev.pgfleet.blueprint.ReadOnlyEndpoint;
import dev.pgfleet.provisioning.ClusterObservation;
import dev.pgfleet.provisioning.DataPlaneRuntime;
import dev.pgfleet.provisioning.DesiredCluster;
import dev.pgfleet.provisioning.PoolerStats;
import dev.pgfleet.system.process.Directories;
import dev.pgfleet.system.process.PostgresInstallations;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.stereotype.Component;

/**
 * The embedded runtime: every database's data plane as real processes on this machine. One shared etcd
 * (each database its own Patroni scope), N Patroni members each managing a PostgreSQL with pgvector, one
 * PgBouncer per database that follows the leader. Processes outlive the control plane and are re-adopted
 * through their pid files; all state lives under PGFLEET_HOME. This class only composes its parts (beans built by
 * LocalRuntimeParts; the leader watch is PoolerFollower, the node view LocalNodeInventory) into the port's roles.
 */
@Component
@ConditionalOnProperty(name = "pgfleet.runtime", havingValue = "local", matchIfMissing = true)
class LocalRuntime implements DataPlaneRuntime {
    private static final Logger log = LoggerFactory.getLogger(LocalRuntime.class);

    private final LocalRuntimeProperties settings;
    private final PostgresInstallations installations;
    private final LocalLayout layout;
    private final EtcdServer etcd;
    private final EtcdAuthGate authGate;
    private final PatroniMembers members;
    private final PgBouncerPooler pooler;
    private final ReadOnlyPooler readOnlyPooler;
    private final PortLeases ports;
    private final PoolerFollower follower;
    private final LocalObservations observations;

    LocalRuntime(LocalRuntimeProperties settings, PostgresInstallations installations, LocalLayout layout, EtcdServer etcd,
                 EtcdAuthGate authGate, PatroniMembers members, PgBouncerPooler pooler, ReadOnlyPooler readOnlyPooler,
                 PortLeases ports, PoolerFollower follower, LocalObservations observations) {
        this.settings = settings;
        this.installations = installations;
        this.layout = layout;
        this.etcd = etcd;
        this.authGate = authGate;
        this.members = members;
        this.pooler = pooler;
        this.readOnlyPooler = readOnlyPooler;
        this.ports = ports;
        this.follower = follower;
        this.observations = observations;
    }

    // ---- what the API needs to know -------------------------------------------------------------

    @Override
    public List<Integer> supportedPostgresVersions() {
        return installations.installedVersions();
    }

    @Override
    public Optional<Integer> defaultPostgresVersion() {
        return installations.defaultVersion();
    }

    @Override
    public Optional<String> problemWithVersion(int version) {
        return installations.hasPgvector(version) ? Optional.empty()
                : Optional.of("PostgreSQL " + version + " is installed but pgvector is not built for it.");
    }

    @Override
    public void place(Database database, List<String> memberNames) {
        // With replicas: two more, for the read-only PgBouncer and the proxy behind it (ReadOnlyPooler).
        boolean readOnly = Plan.fromId(database.getPlan()).map(ReadOnlyEndpoint::offeredFor).orElse(false);
        int count = 1 + 2 * memberNames.size();
        List<Integer> leased = ports.lease(database.getId(), count + (readOnly ? 2 : 0), "database");
        List<DatabaseMember> slots = new ArrayList<>();
        for (int i = 0; i < memberNames.size(); i++) {
            slots.add(new DatabaseMember(database.getId(), i, memberNames.get(i), leased.get(1 + 2 * i), leased.get(2 + 2 * i)));
        }
        database.assignPorts(leased.get(0), slots);
        if (readOnly) {
            database.assignReadOnlyPorts(leased.get(count), leased.get(count + 1));
        }
    }

    @Override
    public Endpoint poolerEndpoint(Database database) {
        return new Endpoint(settings.advertiseHost(), database.getPoolerPort());
    }

    @Override
    public Optional<Endpoint> readOnlyEndpoint(Database database) {
        return Optional.ofNullable(database.getReadOnlyPoolerPort()).map(port -> new Endpoint(settings.advertiseHost(), port));
    }

    @Override
    public Endpoint memberEndpoint(Database database, DatabaseMember member) {
        return new Endpoint(settings.advertiseHost(), member.getPgPort());
    }

    // ---- converging -------------------------------------------------------------------------------

    @Override
    public void ensureMembers(DesiredCluster desired) {
        etcd.ensureRunning();
        follower.follow(desired);
        try {
            // The scope's etcd user before its members: with authentication on, they cannot start without it.
            etcd.access().ensureScope(dcs(), desired.spec().scope(), desired.secrets().dcsPassword());
            boolean reloaded = members.ensure(desired, dcs(), dcsLeader(desired));
            authGate.credentialed(desired.spec().scope(), reloaded);
            authGate.enableWhenEveryScopeHasCredentials();
        } catch (IOException e) {
            throw new IllegalStateException("could not converge the members of " + desired.spec().databaseName() + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    @Override
    public void ensurePooler(DesiredCluster desired) {
        synchronized (lock(desired)) {
            try {
                Optional<String> leader = dcsLeader(desired);
                if (leader.isPresent()) {
                    pooler.ensure(desired, leader.get());
                }
            } catch (Exception e) {
                throw new IllegalStateException("could not converge the pooler of " + desired.spec().databaseName() + ": " + e.getMessage(), e);
            }
            // After the main pooler, so a broken read-only endpoint never keeps the main one down. It needs no leader:
            // its proxy finds the replicas (or the leader) by itself.
            if (desired.readOnly() != null) {
                try {
                    readOnlyPooler.ensure(desired);
                } catch (RuntimeException e) {
                    throw new IllegalStateException("could not converge the read-only endpoint of " + desired.spec().databaseName()
                            + ": " + e.getMessage(), e);
                }
            }
        }
    }

    @Override
    public List<String> serverCertificateNames(DesiredCluster desired) {
        // Connection strings name the advertised host; loopback names cover local tools and the control plane.
        java.util.LinkedHashSet<String> names = new java.util.LinkedHashSet<>();
        names.add(settings.advertiseHost());
        if (!settings.listenAddress().equals("0.0.0.0") && !settings.listenAddress().equals("::")) {
            names.add(settings.listenAddress());
        }
        names.addAll(List.of("localhost", "127.0.0.1", "::1"));
        return List.copyOf(names);
    }

    @Override
    public Endpoint leaderEndpoint(DesiredCluster desired, String leader) {
        return new Endpoint(settings.advertiseHost(), desired.member(leader).pgPort());
    }

    @Override
    public PoolerStats fetchPoolerStats(DesiredCluster desired) {
        String database = desired.spec().databaseName();
        return PoolerStats.parse(pooler.adminTable(desired, "SHOW POOLS"),
                pooler.adminTable(desired, "SHOW STATS"), database);
    }

    @Override
    public ClusterObservation observeCluster(DesiredCluster desired) {
        return observations.observe(desired);
    }

    @Override
    public void deleteCluster(DesiredCluster desired) {
        follower.unfollow(desired);
        synchronized (lock(desired)) {
            pooler.stop(desired);
            if (desired.readOnly() != null) {
                readOnlyPooler.stop(desired);
            }
            members.stopAll(desired);
            etcd.ensureRunning();
            try {
                etcd.client().deletePrefix(dcs().scopePrefix(desired.spec().scope()));
                etcd.access().removeScope(desired.spec().scope());
                authGate.forget(desired.spec().scope());
                Directories.deleteRecursively(layout.databaseDir(desired.id()));
            } catch (IOException e) {
                throw new IllegalStateException("could not remove the data of " + desired.spec().databaseName() + ": " + e.getMessage(), e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
        }
        follower.releaseLock(desired);
    }

    // ---- switchover and drills ------------------------------------------------------------------------

    @Override
    public void pausePooler(DesiredCluster desired, Duration timeout) {
        pooler.pause(desired, timeout);
    }

    @Override
    public void resumePooler(DesiredCluster desired) {
        pooler.resume(desired);
    }

    @Override
    public void pointPoolerAt(DesiredCluster desired, String leader, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            synchronized (lock(desired)) {
                pooler.ensure(desired, leader);
                if (pooler.loadedTarget(desired).equals(Optional.of(leader))) {
                    return;
                }
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the pooler of " + desired.spec().databaseName() + " did not take " + leader
                        + " as its target within " + timeout.toSeconds() + " s");
            }
            sleepQuietly(Duration.ofMillis(50));
        }
    }

    @Override
    public String patroniAddress(DesiredCluster desired, String member) {
        return observations.patroniAddress(desired, member);
    }

    /** SIGKILL of the member's Patroni and its postmaster at once, as a machine losing power would stop them. */
    @Override
    public void killMemberAbruptly(DesiredCluster desired, String member) {
        DesiredCluster.MemberSlot slot = desired.member(member);
        Optional<ProcessHandle> patroni = members.find(desired, slot);
        Optional<ProcessHandle> postmaster = members.findPostmaster(desired, slot);
        if (patroni.isEmpty() && postmaster.isEmpty()) {
            throw new IllegalStateException("member " + member + " is not running");
        }
        patroni.ifPresent(ProcessHandle::destroyForcibly);
        postmaster.ifPresent(ProcessHandle::destroyForcibly);
        log.info("drill: SIGKILLed member {} (patroni {}, postmaster {})", member, patroni.map(ProcessHandle::pid).orElse(null),
                postmaster.map(ProcessHandle::pid).orElse(null));
    }

    private static void sleepQuietly(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private Optional<String> dcsLeader(DesiredCluster desired) throws IOException, InterruptedException {
        return follower.fetchDcsLeader(desired);
    }

    private Dcs dcs() {
        return follower.dcs();
    }

    private Object lock(DesiredCluster desired) {
        return follower.lock(desired);
    }
}
