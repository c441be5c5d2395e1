package dev.pgfleet.security;

import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.EstimationProbe;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.springframework.stereotype.Component;

/**
 * Failed dashboard sign-ins, counted in token buckets (Bucket4j) per user name and per client address. Every
 * attempt takes a token from both before its password is looked at, and is refused while either is empty; a
 * successful sign-in gives back its own token and no more, so only failures end up counted, and failures an
 * attacker caused, for this user or from another address, keep counting until they refill.
 *
 * <p>Kept in memory, per control-plane replica: with N replicas behind a balancer an attacker gets at most N
 * times the budget, still a small number.
 */
@Component
public class LoginThrottle {
    private static final int MAX_KEY_LENGTH = 128;

    private final LoginThrottleProperties properties;
    private final Map<String, Bucket> users;
    private final Map<String, Bucket> addresses;

    LoginThrottle(LoginThrottleProperties properties) {
        this.properties = properties;
        this.users = lru(properties.maxTracked());
        this.addresses = lru(properties.maxTracked());
    }

    /** How long the caller must wait before this user name may try again from this address; empty: it may try now. */
    public Optional<Duration> waitBeforeAttempt(String user, String address) {
        if (!properties.enabled()) {
            return Optional.empty();
        }
        long nanos = Math.max(wait(users, userKey(user)), wait(addresses, address));
        return nanos > 0 ? Optional.of(Duration.ofNanos(nanos)) : Optional.empty();
    }

    /**
     * Takes one attempt from the user name's and the address's budgets before the password is checked; empty when
     * the attempt may go on, else how long to wait. Taken up front, not after a failure, so that a burst of
     * parallel attempts cannot all pass the check before the first failure is counted.
     */
    public Optional<Duration> acquireAttempt(String user, String address) {
        if (!properties.enabled()) {
            return Optional.empty();
        }
        Bucket userBucket = bucket(users, userKey(user), properties.perUserFailures(), properties.perUserWindow());
        ConsumptionProbe byUser = userBucket.tryConsumeAndReturnRemaining(1);
        if (!byUser.isConsumed()) {
            return Optional.of(Duration.ofNanos(Math.max(1, byUser.getNanosToWaitForRefill())));
        }
        ConsumptionProbe byAddress = bucket(addresses, address, properties.perAddressFailures(), properties.perAddressWindow())
                .tryConsumeAndReturnRemaining(1);
        if (!byAddress.isConsumed()) {
            userBucket.addTokens(1);
            return Optional.of(Duration.ofNanos(Math.max(1, byAddress.getNanosToWaitForRefill())));
        }
        return Optional.empty();
    }

    /** A sign-in succeeded: its attempt is given back (only its own; failures before it keep counting). */
    public void attemptSucceeded(String user, String address) {
        if (!properties.enabled()) {
            return;
        }
        bucket(users, userKey(user), properties.perUserFailures(), properties.perUserWindow()).addTokens(1);
        bucket(addresses, address, properties.perAddressFailures(), properties.perAddressWindow()).addTokens(1);
    }

    private static long wait(Map<String, Bucket> buckets, String key) {
        Bucket b;
        synchronized (buckets) {
            b = buckets.get(key);
        }
        if (b == null) {
            return 0;
        }
        EstimationProbe estimate = b.estimateAbilityToConsume(1);
        return estimate.canBeConsumed() ? 0 : estimate.getNanosToWaitForRefill();
    }

    private static Bucket bucket(Map<String, Bucket> buckets, String key, int failures, Duration window) {
        synchronized (buckets) {
            return buckets.computeIfAbsent(key, k -> Bucket.builder()
                    .addLimit(limit -> limit.capacity(failures).refillGreedy(failures, window)).build());
        }
    }

    /** One bucket per spelling a user could sign in with; bounded so that a megabyte of name is one short key. */
    private static String userKey(String user) {
        String key = user == null ? "" : user.strip().toLowerCase(Locale.ROOT);
        return key.length() > MAX_KEY_LENGTH ? key.substring(0, MAX_KEY_LENGTH) : key;
    }

    private static Map<String, Bucket> lru(int max) {
        return new LinkedHashMap<>(1024, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Bucket> eldest) {
                return size() > max;
            }
        };
    }
}
