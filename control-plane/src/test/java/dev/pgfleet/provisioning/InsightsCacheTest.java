package dev.pgfleet.provisioning;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pgfleet.database.Database;
import dev.pgfleet.database.DatabaseDeleted;
import dev.pgfleet.problem.TooManyRequests;
import dev.pgfleet.security.TenantPrincipal;
import io.github.bucket4j.TimeMeter;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** The cache and the per-tenant rate, on a clock the test moves and a fetcher that counts its calls. */
class InsightsCacheTest {
    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);
    private final TimeMeter clock = new TimeMeter() {
        @Override
        public long currentTimeNanos() {
            return nanos.get();
        }

        @Override
        public boolean isWallClockBased() {
            return false;
        }
    };
    private final AtomicInteger fetches = new AtomicInteger();
    private final Function<Database, DatabaseInsight> fetcher = db -> new DatabaseInsight(Instant.now(), null,
            (long) fetches.incrementAndGet(), List.of(), List.of());
    private final TenantPrincipal alice = new TenantPrincipal(UUID.randomUUID(), "alice", UUID.randomUUID(), false);
    private final TenantPrincipal bob = new TenantPrincipal(UUID.randomUUID(), "bob", UUID.randomUUID(), false);

    private void advance(Duration d) {
        nanos.addAndGet(d.toNanos());
    }

    @Test
    void figuresAreFetchedAtMostOncePerPeriodPerDatabase() {
        InsightsCache cache = new InsightsCache(fetcher, new InsightsProperties(Duration.ofSeconds(5), 1000), clock);
        Database shop = database();
        Database blog = database();

        DatabaseInsight first = cache.insightFor(alice, shop);
        advance(Duration.ofMillis(4900));
        assertThat(cache.insightFor(alice, shop)).isSameAs(first);
        assertThat(cache.insightFor(alice, blog).sizeBytes()).as("another database has figures of its own").isEqualTo(2L);
        advance(Duration.ofMillis(100));
        assertThat(cache.insightFor(alice, shop)).isNotSameAs(first);
        assertThat(fetches).hasValue(3);

        cache.onDatabaseDeleted(new DatabaseDeleted(shop.getId()));
        cache.insightFor(alice, shop);
        assertThat(fetches).as("a deleted database's figures are forgotten").hasValue(4);
    }

    @Test
    void concurrentRequestsForOneDatabaseShareOneFetch() throws Exception {
        CountDownLatch fetching = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Function<Database, DatabaseInsight> slow = db -> {
            fetching.countDown();
            try {
                release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return fetcher.apply(db);
        };
        InsightsCache cache = new InsightsCache(slow, new InsightsProperties(Duration.ofSeconds(5), 1000), clock);
        Database shop = database();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            Future<DatabaseInsight> leader = pool.submit(() -> cache.insightFor(alice, shop));
            assertThat(fetching.await(10, TimeUnit.SECONDS)).isTrue();
            List<Future<DatabaseInsight>> waiting = List.of(pool.submit(() -> cache.insightFor(alice, shop)),
                    pool.submit(() -> cache.insightFor(alice, shop)), pool.submit(() -> cache.insightFor(alice, shop)));
            Thread.sleep(200); // the three are blocked behind the one fetch
            release.countDown();
            DatabaseInsight fetched = leader.get(10, TimeUnit.SECONDS);
            for (Future<DatabaseInsight> f : waiting) {
                assertThat(f.get(10, TimeUnit.SECONDS)).isSameAs(fetched);
            }
            assertThat(fetches).hasValue(1);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aTenantOverItsRateIsRefusedWithTheWaitAndTheLastFiguresWhileOthersAreNot() {
        InsightsCache cache = new InsightsCache(fetcher, new InsightsProperties(Duration.ofSeconds(5), 3), clock);
        Database shop = database();
        DatabaseInsight last = null;
        for (int i = 0; i < 3; i++) {
            last = cache.insightFor(alice, shop);
        }
        DatabaseInsight lastSeen = last;
        assertThatThrownBy(() -> cache.insightFor(alice, shop)).isInstanceOfSatisfying(InsightsCache.RateLimited.class, e -> {
            assertThat(e).as("a 429 with Retry-After").isInstanceOf(TooManyRequests.class);
            // 3 a minute refill one token every 20 s.
            assertThat(e.retryAfterSeconds()).isEqualTo(20);
            assertThat(e.lastKnown()).containsSame(lastSeen);
            assertThat(e.getMessage()).contains("3 requests a minute").contains("20 s");
        });
        assertThat(cache.insightFor(bob, database())).as("another tenant has a bucket of its own").isNotNull();
        assertThatThrownBy(() -> cache.insightFor(alice, database()))
                .as("the limit is per tenant, not per database; nothing cached for this one")
                .isInstanceOfSatisfying(InsightsCache.RateLimited.class, e -> assertThat(e.lastKnown()).isEmpty());

        advance(Duration.ofSeconds(20));
        assertThat(cache.insightFor(alice, shop)).isNotNull();
        assertThatThrownBy(() -> cache.insightFor(alice, shop)).isInstanceOf(InsightsCache.RateLimited.class);
    }

    /** A Database with only an id: the cache needs nothing else (the fetcher is the test's). */
    private static Database database() {
        try {
            Constructor<Database> c = Database.class.getDeclaredConstructor();
            c.setAccessible(true);
            Database db = c.newInstance();
            Field id = Database.class.getDeclaredField("id");
            id.setAccessible(true);
            id.set(db, UUID.randomUUID());
            return db;
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }
}
