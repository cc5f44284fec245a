package org.bastionforest.kerberos;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.bastionforest.kerberos.ReplayCache.Seen;
import org.junit.jupiter.api.Test;

class ReplayCacheTest {
    static final Instant NOW = Instant.parse("2026-11-23T12:00:00Z");
    static final Instant EXPIRES = NOW.plus(Duration.ofMinutes(10));

    @Test
    void anAuthenticatorSeenTwiceBeforeItExpires_isAReplay_anotherIsNot() {
        ReplayCache cache = new ReplayCache();
        assertThat(cache.firstSeen(1, 2, NOW, EXPIRES)).isEqualTo(Seen.FIRST);
        assertThat(cache.firstSeen(1, 2, NOW.plusSeconds(30), EXPIRES)).isEqualTo(Seen.REPLAY);
        assertThat(cache.firstSeen(1, 3, NOW, EXPIRES)).isEqualTo(Seen.FIRST);
        assertThat(cache.firstSeen(2, 2, NOW, EXPIRES)).isEqualTo(Seen.FIRST);
        assertThat(cache.firstSeen(0, 0, NOW, EXPIRES)).isEqualTo(Seen.FIRST);
        assertThat(cache.firstSeen(0, 0, NOW, EXPIRES)).isEqualTo(Seen.REPLAY);
        assertThat(cache.size()).isEqualTo(4);
    }

    @Test
    void onceExpired_theAuthenticatorIsForgotten_andItsBucketDropped() {
        ReplayCache cache = new ReplayCache();
        for (int i = 0; i < 1000; i++) {
            assertThat(cache.firstSeen(i, i, NOW, EXPIRES.plusSeconds(i % 3)))
                    .isEqualTo(Seen.FIRST);
        }
        assertThat(cache.size()).isEqualTo(1000);
        Instant later = EXPIRES.plusSeconds(3);
        cache.purge(later);
        assertThat(cache.size()).isZero();
        // past its expiry it could not pass the skew check anyway: not a replay
        assertThat(cache.firstSeen(5, 5, later, EXPIRES)).isEqualTo(Seen.FIRST);
        assertThat(cache.size()).isZero();
    }

    @Test
    void manyAuthenticators_inOneSecondAndAcrossSeconds_areAllRemembered() {
        ReplayCache cache = new ReplayCache();
        SplittableRandom r = new SplittableRandom(42);
        long[][] keys = new long[200_000][];
        for (int i = 0; i < keys.length; i++) {
            keys[i] = new long[] {r.nextLong(), r.nextLong(), r.nextInt(4)};
            assertThat(
                            cache.firstSeen(
                                    keys[i][0], keys[i][1], NOW, EXPIRES.plusSeconds(keys[i][2])))
                    .isEqualTo(Seen.FIRST);
        }
        for (long[] k : keys) {
            assertThat(cache.firstSeen(k[0], k[1], NOW, EXPIRES.plusSeconds(k[2])))
                    .isEqualTo(Seen.REPLAY);
        }
        assertThat(cache.size()).isEqualTo(keys.length);
    }

    @Test
    void whenFull_aNewAuthenticatorIsRefused_notForgottenOrAccepted_untilEntriesExpire() {
        ReplayCache cache = new ReplayCache(100);
        for (int i = 0; i < 100; i++) {
            assertThat(cache.firstSeen(7, i, NOW, EXPIRES)).isEqualTo(Seen.FIRST);
        }
        assertThat(cache.firstSeen(8, 0, NOW, EXPIRES)).isEqualTo(Seen.FULL);
        assertThat(cache.firstSeen(7, 50, NOW, EXPIRES)).as("still caught").isEqualTo(Seen.REPLAY);
        Instant later = EXPIRES.plusSeconds(1);
        assertThat(cache.firstSeen(8, 0, later, later.plusSeconds(600))).isEqualTo(Seen.FIRST);
        assertThat(cache.size()).isEqualTo(1);
    }

    @Test
    void concurrently_eachAuthenticatorIsFirstExactlyOnce() throws Exception {
        ReplayCache cache = new ReplayCache();
        AtomicInteger first = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                done.add(
                        pool.submit(
                                () -> {
                                    for (int i = 0; i < 20_000; i++) {
                                        if (cache.firstSeen(i, -i, NOW, EXPIRES.plusSeconds(i % 5))
                                                == Seen.FIRST) {
                                            first.incrementAndGet();
                                        }
                                    }
                                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(first.get()).isEqualTo(20_000);
        assertThat(cache.size()).isEqualTo(20_000);
    }

    @Test
    void purgesOverlappingInsertsAsTimeMoves_thenTheCountStaysExact() throws Exception {
        ReplayCache cache = new ReplayCache();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int thread = t;
                done.add(
                        pool.submit(
                                () -> {
                                    SplittableRandom r = new SplittableRandom(thread);
                                    for (int i = 0; i < 50_000; i++) {
                                        // each thread's clock lags or leads a little: purges of
                                        // several seconds overlap with inserts into them
                                        Instant now = NOW.plusSeconds(i / 500 + r.nextInt(3));
                                        cache.firstSeen(
                                                r.nextLong(),
                                                r.nextLong(),
                                                now,
                                                now.plusSeconds(r.nextInt(4)));
                                    }
                                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(cache.size()).isPositive();
        cache.purge(NOW.plusSeconds(3600));
        assertThat(cache.size()).as("every entry uncounted exactly once").isZero();
    }

    @Test
    void keysAreSaltedPerCache_soNoClientCanAimThemAtOneSlot() {
        ReplayCache a = new ReplayCache();
        ReplayCache b = new ReplayCache();
        byte[] same = "the same authenticator".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        java.security.MessageDigest da = a.keyDigest();
        java.security.MessageDigest db = b.keyDigest();
        da.update(same);
        db.update(same);
        assertThat(da.digest()).isNotEqualTo(db.digest());
        java.security.MessageDigest again = a.keyDigest();
        again.update(same);
        java.security.MessageDigest da2 = a.keyDigest();
        da2.update(same);
        assertThat(again.digest()).as("stable within one cache").isEqualTo(da2.digest());
    }
}
