package dev.pgfleet.database;

import dev.pgfleet.blueprint.ClusterSpec;
import dev.pgfleet.blueprint.Names;
import dev.pgfleet.blueprint.Plan;
import dev.pgfleet.blueprint.ScramVerifier;
import dev.pgfleet.problem.Conflict;
import dev.pgfleet.problem.InvalidInput;
import dev.pgfleet.problem.NotFound;
import dev.pgfleet.problem.Unprocessable;
import dev.pgfleet.security.TenantPrincipal;
import dev.pgfleet.system.Pagination;
import dev.pgfleet.system.SecretCipher;
import dev.pgfleet.tenant.Tenant;
import dev.pgfleet.tenant.TenantRepository;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * The database API's rules: validates a request completely before anything is stored, enforces the
 * tenant's quota and name uniqueness, stores the desired state, and hands the rest to the reconciler.
 */
@Service
public class DatabaseService {
    private final DatabaseRepository databases;
    private final TenantRepository tenants;
    private final DatabaseEvents events;
    private final SecretCipher cipher;
    private final RuntimeInfo runtime;
    private final ApplicationEventPublisher publisher;

    DatabaseService(DatabaseRepository databases, TenantRepository tenants, DatabaseEvents events, SecretCipher cipher,
                    RuntimeInfo runtime, ApplicationEventPublisher publisher) {
        this.databases = databases;
        this.tenants = tenants;
        this.events = events;
        this.cipher = cipher;
        this.runtime = runtime;
        this.publisher = publisher;
    }

    @Transactional
    public Database create(TenantPrincipal caller, CreateDatabaseRequest request) {
        String name = request.name();
        String nameProblem = Names.problemWith(name);
        if (nameProblem != null) {
            throw new InvalidInput("Invalid database name", "Database name " + nameProblem + ".", "name");
        }
        if (request.plan() == null) {
            throw new InvalidInput("Missing plan", "Field 'plan' is required; one of: " + planIds() + ".", "plan");
        }
        Plan plan = Plan.fromId(request.plan()).orElseThrow(() -> new InvalidInput("Unknown plan",
                "There is no plan '" + request.plan() + "'; choose one of: " + planIds() + ".", "plan"));
        int version = resolveVersion(request.postgresVersion());

        Tenant tenant = tenants.lockById(caller.tenantId()).orElseThrow(() -> new NotFound("Tenant"));
        if (databases.existsByTenantIdAndName(tenant.getId(), name)) {
            throw new Conflict("Name taken", "You already have a database named '" + name + "'.", "name");
        }
        long count = databases.countByTenantId(tenant.getId());
        if (count >= tenant.getDatabaseQuota()) {
            throw new Conflict("Quota exceeded", "Your quota allows " + tenant.getDatabaseQuota()
                    + " databases and you have " + count + "; delete one first.");
        }

        Database database = databases.saveAndFlush(new Database(tenant.getId(), name, plan.id(), version, newSecrets()));
        ClusterSpec spec = new ClusterSpec(scopeOf(database), name, plan, version);
        runtime.place(database, IntStream.range(0, plan.members()).mapToObj(spec::memberName).toList());
        databases.save(database);
        events.normal(database.getId(), "Requested", "Database requested: plan " + plan.id() + " (" + plan.members()
                + (plan.members() == 1 ? " member" : " members") + (plan.synchronous() ? ", synchronous replication" : "")
                + "), PostgreSQL " + version + " with pgvector.");
        publisher.publishEvent(new DatabaseChanged(database.getId()));
        return database;
    }

    @Transactional(readOnly = true)
    public List<Database> list(TenantPrincipal caller) {
        return databases.findByTenantIdOrderByCreatedAt(caller.tenantId());
    }

    /** One page of the caller's databases, oldest first (the API's list). */
    @Transactional(readOnly = true)
    public Pagination.Page<Database> page(TenantPrincipal caller, Pagination.PageRequest request) {
        Pagination.Cursor after = request.afterOr(Pagination.Cursor.BEFORE_ALL);
        return Pagination.Page.of(databases.findPage(caller.tenantId(), after.createdAt(), after.id(), request.probe()), request,
                d -> new Pagination.Cursor(d.getCreatedAt(), d.getId()));
    }

    /** The caller's database; another tenant's database is indistinguishable from a missing one. */
    @Transactional(readOnly = true)
    public Database get(TenantPrincipal caller, UUID id) {
        return databases.findByIdAndTenantId(id, caller.tenantId())
                .orElseThrow(() -> new NotFound("Database " + id));
    }

    @Transactional
    public Database delete(TenantPrincipal caller, UUID id) {
        Database database = get(caller, id);
        if (!database.isDeletionRequested()) {
            database.requestDeletion();
            database.changeStatus(DatabaseStatus.DELETING, "Deletion requested");
            databases.save(database);
            events.normal(id, "DeletionRequested", "Deletion requested: the database's processes, data and ports will be removed"
                    + " (on Kubernetes, its volumes follow the operator's PVC retention policy).");
            publisher.publishEvent(new DatabaseChanged(id));
        }
        return database;
    }

    public String ownerPassword(Database database) {
        return cipher.decrypt(database.getOwnerPasswordEnc());
    }

    /** The Patroni scope of a database: unique across tenants, stable for its life. */
    public static String scopeOf(Database database) {
        return database.getId().toString();
    }

    private int resolveVersion(Integer requested) {
        if (requested == null) {
            return runtime.defaultPostgresVersion().orElseThrow(() -> new Unprocessable("No PostgreSQL available", "No installed PostgreSQL version has pgvector; run ./pgfleet up to install it.", "postgresVersion"));
        }
        if (!runtime.supportedPostgresVersions().contains(requested)) {
            throw new Unprocessable("PostgreSQL version not available",
                    "PostgreSQL " + requested + " is not installed here; available: " + runtime.supportedPostgresVersions() + ".", "postgresVersion");
        }
        runtime.problemWithVersion(requested).ifPresent(problem -> {
            throw new Unprocessable("PostgreSQL version not available", problem, "postgresVersion");
        });
        return requested;
    }

    private Database.Secrets newSecrets() {
        String owner = Passwords.generate();
        String poolerAdmin = Passwords.generate();
        return new Database.Secrets(
                cipher.encrypt(owner), ScramVerifier.of(owner, Passwords.salt()),
                cipher.encrypt(Passwords.generate()), cipher.encrypt(Passwords.generate()), cipher.encrypt(Passwords.generate()),
                cipher.encrypt(poolerAdmin), ScramVerifier.of(poolerAdmin, Passwords.salt()), cipher.encrypt(Passwords.generate()));
    }

    private static String planIds() {
        return Arrays.stream(Plan.values()).map(Plan::id).collect(Collectors.joining(", "));
    }
}
