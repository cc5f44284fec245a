package org.bastionforest.api.auth;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Slows down password and token guessing: after {@code maxFailures} failed attempts within {@code
 * window} for one key (a login name, a client address), further attempts for that key are refused
 * without being checked until the oldest failure leaves the window. A success does not erase
 * failures (an attacker who knows one password must not reset the counter of another account).
 *
 * <pre>{@code
 * LoginThrottle throttle = new LoginThrottle(5, Duration.ofMinutes(5), Clock.systemUTC());
 * if (throttle.blockedFor("user:alice").isPresent()) { ... 429 ... }
 * throttle.failed("user:alice");
 * }</pre>
 *
 * <p>Thread-safe. Memory is bounded: at most {@value #MAX_KEYS} keys are tracked; when full, keys
 * whose failures are all outside the window are dropped, and then new keys are refused as blocked
 * (the safer answer while under a spray attack).
 */
public final class LoginThrottle {
    static final int MAX_KEYS = 100_000;

    private final int maxFailures;
    private final Duration window;
    private final Clock clock;
    private final Map<String, Deque<Instant>> failures = new ConcurrentHashMap<>();

    /**
     * @param maxFailures failures allowed per key within {@code window}, 1 to 1000
     * @param window the sliding window, 1 second to 1 day
     * @param clock the time
     */
    public LoginThrottle(int maxFailures, Duration window, Clock clock) {
        if (maxFailures < 1 || maxFailures > 1000) {
            throw new IllegalArgumentException("maxFailures must be between 1 and 1000");
        }
        if (window.compareTo(Duration.ofSeconds(1)) < 0
                || window.compareTo(Duration.ofDays(1)) > 0) {
            throw new IllegalArgumentException("window must be between 1 second and 1 day");
        }
        this.maxFailures = maxFailures;
        this.window = window;
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** How long {@code key} stays blocked, if it is blocked now. */
    public Optional<Duration> blockedFor(String key) {
        Deque<Instant> d = failures.get(key);
        if (d == null) {
            return failures.size() >= MAX_KEYS ? Optional.of(window) : Optional.empty();
        }
        Instant now = clock.instant();
        synchronized (d) {
            prune(d, now);
            if (d.size() < maxFailures) {
                return Optional.empty();
            }
            return Optional.of(Duration.between(now, d.peekFirst().plus(window)));
        }
    }

    /** Records a failed attempt for {@code key}. */
    public void failed(String key) {
        Instant now = clock.instant();
        if (failures.size() >= MAX_KEYS && !failures.containsKey(key)) {
            failures.entrySet()
                    .removeIf(
                            e -> {
                                synchronized (e.getValue()) {
                                    prune(e.getValue(), now);
                                    return e.getValue().isEmpty();
                                }
                            });
            if (failures.size() >= MAX_KEYS) {
                return;
            }
        }
        Deque<Instant> d = failures.computeIfAbsent(key, k -> new ArrayDeque<>());
        synchronized (d) {
            prune(d, now);
            d.addLast(now);
            while (d.size() > maxFailures) {
                d.removeFirst();
            }
        }
    }

    private void prune(Deque<Instant> d, Instant now) {
        Instant oldest = now.minus(window);
        while (!d.isEmpty() && !d.peekFirst().isAfter(oldest)) {
            d.removeFirst();
        }
    }
}
