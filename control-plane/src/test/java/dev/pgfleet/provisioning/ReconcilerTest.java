package dev.pgfleet.provisioning;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgfleet.blueprint.ClusterSecrets;
import dev.pgfleet.blueprint.Plan;
import dev.pgfleet.blueprint.TlsMaterial;
import dev.pgfleet.database.Database;
import dev.pgfleet.database.DatabaseDeleted;
import dev.pgfleet.database.DatabaseFixtures;
import dev.pgfleet.database.DatabaseRepository;
import dev.pgfleet.database.DatabaseStatus;
import dev.pgfleet.database.RuntimeInfo;
import dev.pgfleet.testsupport.FakeRuntime;
import dev.pgfleet.testsupport.FakeRuntime.Step;
import dev.pgfleet.tls.ServerCertificates;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The reconciler, table-driven, in memory: the real {@link Reconciler}, {@link ReconcileStore} and
 * {@link StatusTransitions} against {@link FakeRuntime}, with the metadata store faked at the repository boundary (a
 * map behind {@link DatabaseRepository}) and no Mockito (its agent alone takes seconds to start). Each scenario is a
 * script of steps — a reconcile pass run the way ReconcileScheduler runs it (a failed pass is recorded with
 * {@code recordFailure}), or something happening to the data plane or the request — and after each step the stored
 * status and reason it must lead to.
 */
class ReconcilerTest {

    /** One step of a scenario and the status it must leave (null: not checked), its reason containing {@code reason}. */
    record Act(String what, Consumer<World> action, DatabaseStatus status, String reason) {
        @Override
        public String toString() {
            return what;
        }
    }

    /**
     * @param events     event reasons the scenario must have recorded (normal or warning), in any order
     * @param finalCheck what must hold of the world at the end
     */
    record Scenario(String name, Plan plan, Duration deadline, Consumer<FakeRuntime> shape, List<Act> steps,
                    List<String> events, Consumer<World> finalCheck) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Act pass(DatabaseStatus status, String reason) {
        return new Act("a reconcile pass", World::pass, status, reason);
    }

    static Act then(String what, Consumer<World> action) {
        return new Act(what, action, null, null);
    }

    static final Duration DEFAULT_DEADLINE = Duration.ofMinutes(5);
    static final RuntimeException ETCD_DOWN = new IllegalStateException("could not converge the members of shop: etcd refused the connection");

    static Stream<Scenario> scenarios() {
        return Stream.of(
                new Scenario("a dev database converges from nothing to READY", Plan.DEV, DEFAULT_DEADLINE,
                        fake -> fake.electLeaderAfter(2),
                        List.of(pass(DatabaseStatus.PROVISIONING, "No leader: waiting for Patroni to elect one"),
                                pass(DatabaseStatus.READY, "Running; the pooler sends connections to shop-0")),
                        List.of("DatabaseCreated", "StatusChanged"),
                        w -> {
                            assertThat(w.db().isInitialized()).isTrue();
                            assertThat(w.fake.poolerTargetOf(w.id)).contains("shop-0");
                            assertThat(w.lastNext).contains(w.timing.resyncInterval());
                        }),
                new Scenario("an ha database converges to READY once a synchronous standby exists", Plan.HA, DEFAULT_DEADLINE,
                        fake -> fake.electLeaderAfter(1),
                        List.of(pass(DatabaseStatus.READY, "All 3 members running; leader shop-0, pooler follows it")),
                        List.of("DatabaseCreated"),
                        w -> assertThat(w.db().getMembers()).extracting(m -> m.getRole()).containsExactly("leader", "sync_standby", "replica")),
                new Scenario("a step that throws: the reason shows, the pass is retried, no READY until it works", Plan.DEV,
                        DEFAULT_DEADLINE, fake -> fake.failNext(Step.ENSURE_MEMBERS, 2, ETCD_DOWN),
                        List.of(pass(DatabaseStatus.PROVISIONING, "Retrying after an error: could not converge the members of shop: etcd refused"),
                                pass(DatabaseStatus.PROVISIONING, "Retrying after an error"),
                                pass(DatabaseStatus.READY, "Running")),
                        List.of("StepFailed", "DatabaseCreated"),
                        w -> assertThat(w.failures).hasSize(2)),
                new Scenario("a failing pooler step never makes a database READY, and nothing is initialised twice", Plan.DEV,
                        DEFAULT_DEADLINE, fake -> fake.failAlways(Step.ENSURE_POOLER, new IllegalStateException("pgbouncer: address in use")),
                        List.of(pass(DatabaseStatus.PROVISIONING, "Retrying after an error: pgbouncer: address in use"),
                                pass(DatabaseStatus.PROVISIONING, "pgbouncer: address in use"),
                                then("the pooler can start", w -> w.fake.heal(Step.ENSURE_POOLER)),
                                pass(DatabaseStatus.READY, "Running")),
                        List.of("StepFailed", "DatabaseCreated"),
                        w -> assertThat(w.fake.calls().stream().filter(c -> c.startsWith("ensurePooler"))).hasSize(3)),
                new Scenario("deletion: the cluster is deleted and the row is gone", Plan.DEV, DEFAULT_DEADLINE, fake -> { },
                        List.of(pass(DatabaseStatus.READY, "Running"),
                                then("the tenant deletes the database", w -> DatabaseFixtures.requestDeletion(w.db())),
                                then("a reconcile pass", World::pass)),
                        List.of("DatabaseCreated"),
                        w -> {
                            assertThat(w.fake.deletedClusters()).containsExactly(w.id);
                            assertThat(w.rows).doesNotContainKey(w.id);
                            assertThat(w.published).contains(new DatabaseDeleted(w.id));
                            assertThat(w.lastNext).isEmpty();
                            assertThat(w.fake.calls()).last().isEqualTo("deleteCluster shop");
                        }),
                new Scenario("a leader change: the pooler is repointed and the status names the new leader", Plan.HA, DEFAULT_DEADLINE,
                        fake -> { },
                        List.of(pass(DatabaseStatus.READY, "leader shop-0"),
                                then("Patroni fails over to shop-1", w -> w.fake.electLeader(w.id, "shop-1")),
                                pass(DatabaseStatus.READY, "leader shop-1, pooler follows it")),
                        List.of("DatabaseCreated"),
                        w -> assertThat(w.fake.poolerTargetOf(w.id)).contains("shop-1")),
                new Scenario("a leader change the pooler cannot follow degrades a READY database, with the reason", Plan.HA,
                        DEFAULT_DEADLINE, fake -> { },
                        List.of(pass(DatabaseStatus.READY, "leader shop-0"),
                                then("Patroni fails over to shop-1 and the pooler cannot be reloaded", w -> {
                                    w.fake.electLeader(w.id, "shop-1");
                                    w.fake.failAlways(Step.ENSURE_POOLER, new IllegalStateException("RELOAD refused"));
                                }),
                                pass(DatabaseStatus.DEGRADED, "The pooler points at shop-0 but the leader is shop-1"),
                                then("the pooler can be reloaded again", w -> w.fake.heal(Step.ENSURE_POOLER)),
                                pass(DatabaseStatus.READY, "leader shop-1")),
                        List.of("StepFailed", "StatusChanged"),
                        w -> assertThat(w.fake.poolerTargetOf(w.id)).contains("shop-1")),
                new Scenario("no leader before the deadline: FAILED with the reason", Plan.DEV, Duration.ofMillis(1),
                        FakeRuntime::neverElectALeader,
                        List.of(then("the deadline passes", w -> w.sleep(Duration.ofMillis(5))),
                                pass(DatabaseStatus.FAILED, "Not ready 0s after the request: No leader: waiting for Patroni to elect one")),
                        List.of("StatusChanged"),
                        w -> assertThat(w.db().isInitialized()).isFalse()),
                new Scenario("a step still failing at the deadline: FAILED with the error", Plan.DEV, Duration.ofMillis(1),
                        fake -> fake.failAlways(Step.ENSURE_MEMBERS, ETCD_DOWN),
                        List.of(then("the deadline passes", w -> w.sleep(Duration.ofMillis(5))),
                                pass(DatabaseStatus.FAILED, "Not ready 0s after the request: could not converge the members of shop")),
                        List.of("StepFailed", "StatusChanged"),
                        w -> assertThat(w.fake.calls()).doesNotContain("ensurePooler shop")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("scenarios")
    void reconcilesAsTheScenarioSays(Scenario scenario) {
        World world = new World(scenario);
        scenario.shape().accept(world.fake);
        for (Act step : scenario.steps()) {
            step.action().accept(world);
            if (step.status() != null) {
                Database db = world.db();
                assertThat(db.getStatus()).as("status after %s", step.what()).isEqualTo(step.status());
                assertThat(db.getStatusReason()).as("reason after %s", step.what()).contains(step.reason());
            }
        }
        assertThat(world.eventReasons).as("events").containsAll(scenario.events());
        scenario.finalCheck().accept(world);
    }

    /** The reconciler's world: the fake runtime, the rows behind a faked repository, what was published and logged. */
    static final class World {
        final FakeRuntime fake = new FakeRuntime();
        final Map<UUID, Database> rows = new ConcurrentHashMap<>();
        final List<Object> published = new CopyOnWriteArrayList<>();
        final List<String> eventReasons = new CopyOnWriteArrayList<>();
        final List<Exception> failures = new ArrayList<>();
        final ReconcileProperties timing;
        final Reconciler reconciler;
        final UUID id;
        Optional<Duration> lastNext = Optional.empty();

        World(Scenario scenario) {
            Database db = DatabaseFixtures.newDatabase("shop", scenario.plan());
            id = db.getId();
            rows.put(id, db);
            ReconcileStore store = new ReconcileStore(repository(rows), DatabaseFixtures.recordingEvents(eventReasons::add), published::add);
            DesiredClusters desiredClusters = new DesiredClusters(null, null, null, null) {
                @Override
                public DesiredCluster of(Database d) {
                    return desiredOf(d);
                }

                @Override
                public Optional<String> monitorPassword(Database d) {
                    return Optional.of("monitor-pw");
                }

                @Override
                public ServerCertificates.Renewal issueCertificateIfDue(DesiredCluster desired, List<String> names) {
                    return new ServerCertificates.Renewal(certificate(names), Optional.empty());
                }
            };
            // The tenant database, owner and extension are created on the leader over JDBC: nothing to do in memory.
            TenantDatabaseInitializer initializer = new TenantDatabaseInitializer() {
                @Override
                void ensureRolesOnLeader(RuntimeInfo.Endpoint leader, DesiredCluster desired, String monitorPassword, boolean ownerMayLogIn) {
                }

                @Override
                void createExtensionOnLeader(RuntimeInfo.Endpoint leader, DesiredCluster desired) {
                }

                @Override
                void allowOwnerLogin(RuntimeInfo.Endpoint leader, DesiredCluster desired) {
                }
            };

            timing = new ReconcileProperties(Duration.ofSeconds(5), scenario.deadline(), Duration.ofSeconds(30), 1);
            reconciler = new Reconciler(store, desiredClusters, fake, initializer, DatabaseFixtures.recordingEvents(eventReasons::add), timing);
        }

        Database db() {
            Database d = rows.get(id);
            assertThat(d).as("the database's row").isNotNull();
            return d;
        }

        /** One pass as ReconcileScheduler runs it: a failure is recorded and retried later. */
        void pass() {
            try {
                lastNext = reconciler.reconcile(id);
            } catch (Exception e) {
                failures.add(e);
                reconciler.recordFailure(id, e);
            }
        }

        void sleep(Duration d) {
            try {
                Thread.sleep(d.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        /** The metadata store at the repository boundary: the rows in a map; the reconciler needs only these two calls. */
        private static DatabaseRepository repository(Map<UUID, Database> rows) {
            return (DatabaseRepository) Proxy.newProxyInstance(DatabaseRepository.class.getClassLoader(),
                    new Class<?>[] {DatabaseRepository.class}, (proxy, method, args) -> switch (method.getName()) {
                        case "findById" -> Optional.ofNullable(rows.get((UUID) args[0]));
                        case "deleteById" -> {
                            rows.remove((UUID) args[0]);
                            yield null;
                        }
                        default -> throw new UnsupportedOperationException(method.getName() + " is not faked");
                    });
        }

        private static DesiredCluster desiredOf(Database d) {
            return new DesiredCluster(d.getId(), DesiredClusters.specOf(d), new ClusterSecrets("su", "repl", "rest", "dcs"), "owner-pw",
                    d.getOwnerScramVerifier(), "admin-pw", d.getPoolerAdminScramVerifier(),
                    d.getMembers().stream().map(m -> new DesiredCluster.MemberSlot(m.getOrdinal(), m.getName(), m.getPgPort(),
                            m.getRestPort())).toList(), d.getPoolerPort(), null);
        }

        private static TlsMaterial certificate(List<String> names) {
            return new TlsMaterial("ca", "cert", "key", names, "01", Instant.now().plus(Duration.ofDays(90)));
        }
    }
}
