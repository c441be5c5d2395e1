package dev.pgfleet.provisioning;

import dev.pgfleet.database.Database;
import dev.pgfleet.database.DatabaseDeleted;
import dev.pgfleet.problem.TooManyRequests;
import dev.pgfleet.security.TenantPrincipal;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.TimeMeter;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/**
 * Insights as a tenant may have them: each tenant has a token bucket (Bucket4j) of
 * {@code pgfleet.insights.requests-per-minute}, and a database's figures are fetched at most once per
 * {@code pgfleet.insights.cache-for} (concurrent requests for one database wait for the one fetch), so neither a
 * polling dashboard nor a script in a loop turns into queries on the tenant's leader and pooler. Both live in this
 * replica's memory: with several replicas each keeps its own, which still bounds the load per replica.
 */
@Component
class InsightsCache {
    private final Function<Database, DatabaseInsight> fetcher;
    private final InsightsProperties settings;
    private final TimeMeter clock;
    private final Map<UUID, Cached> cached = new ConcurrentHashMap<>();
    private final Map<UUID, Object> fetchLocks = new ConcurrentHashMap<>();
    private final Map<UUID, Bucket> buckets = new ConcurrentHashMap<>();

    @Autowired
    InsightsCache(DatabaseInsights insights, InsightsProperties settings) {
        this(insights::fetchInsight, settings, TimeMeter.SYSTEM_NANOTIME);
    }

    InsightsCache(Function<Database, DatabaseInsight> fetcher, InsightsProperties settings, TimeMeter clock) {
        this.fetcher = fetcher;
        this.settings = settings;
        this.clock = clock;
    }

    /** Refused because the tenant asked too often; carries the database's last figures, however old, if any. */
    static final class RateLimited extends TooManyRequests {
        private final transient DatabaseInsight lastKnown;

        RateLimited(Duration retryAfter, DatabaseInsight lastKnown, int perMinute) {
            super("Too many requests", "Insights are limited to " + perMinute
                    + " requests a minute per tenant; try again in " + seconds(retryAfter) + " s.", Duration.ofSeconds(seconds(retryAfter)));
            this.lastKnown = lastKnown;
        }

        /** Whole seconds, at least 1: what Retry-After carries. */
        long retryAfterSeconds() {
            return retryAfter().toSeconds();
        }

        Optional<DatabaseInsight> lastKnown() {
            return Optional.ofNullable(lastKnown);
        }

        private static long seconds(Duration d) {
            return Math.max(1, (d.toMillis() + 999) / 1000);
        }
    }

    private record Cached(DatabaseInsight insight, long fetchedNanos) {
    }

    /**
     * The database's figures: cached ones younger than cache-for, else fetched now (I/O). The caller must already
     * have been checked to own {@code db}. Throws {@link RateLimited} (429) when the tenant is over its rate.
     */
    DatabaseInsight insightFor(TenantPrincipal caller, Database db) {
        ConsumptionProbe probe = bucket(caller.tenantId()).tryConsumeAndReturnRemaining(1);
        if (!probe.isConsumed()) {
            Cached last = cached.get(db.getId());
            throw new RateLimited(Duration.ofNanos(probe.getNanosToWaitForRefill()), last == null ? null : last.insight(),
                    settings.requestsPerMinute());
        }
        Cached fresh = fresh(db.getId());
        if (fresh != null) {
            return fresh.insight();
        }
        synchronized (fetchLocks.computeIfAbsent(db.getId(), id -> new Object())) {
            fresh = fresh(db.getId()); // fetched by the request this one waited for
            if (fresh != null) {
                return fresh.insight();
            }
            DatabaseInsight insight = fetcher.apply(db);
            cached.put(db.getId(), new Cached(insight, clock.currentTimeNanos()));
            return insight;
        }
    }

    /** A deleted database's figures and lock go with it. */
    @EventListener
    void onDatabaseDeleted(DatabaseDeleted event) {
        cached.remove(event.databaseId());
        fetchLocks.remove(event.databaseId());
    }

    private Cached fresh(UUID databaseId) {
        Cached c = cached.get(databaseId);
        return c != null && clock.currentTimeNanos() - c.fetchedNanos() < settings.cacheFor().toNanos() ? c : null;
    }

    private Bucket bucket(UUID tenantId) {
        return buckets.computeIfAbsent(tenantId, id -> Bucket.builder()
                .addLimit(limit -> limit.capacity(settings.requestsPerMinute()).refillGreedy(settings.requestsPerMinute(), Duration.ofMinutes(1)))
                .withCustomTimePrecision(clock)
                .build());
    }
}
