package org.bastionforest.shadowgroups.request;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.bastionforest.shadowgroups.model.Sid;
import org.bastionforest.shadowgroups.policy.UserId;
import org.bastionforest.shadowgroups.storage.Database;
import org.bastionforest.shadowgroups.storage.Vendor;

/**
 * The open grants of users as last read, for {@link RequestService#effectiveWindow} (which the KDC
 * asks on every AS and TGS request), valid until the next change of any grant.
 *
 * <p>Exact, not eventually consistent: every statement that changes the {@code grants} table calls
 * {@link #changing} inside its transaction first. That bumps a generation and counts the writer in
 * flight; when the transaction has ended (after commit or roll-back) the generation is bumped again
 * and the writer leaves. A read is cached with the generation seen before its query and served only
 * while no writer is in flight and the generation is unchanged, so a revocation whose call has
 * returned is seen by every later request, as without the cache. The counters are shared by the
 * whole JVM, because an in-process HSQLDB database may be opened by several services in one JVM.
 * Only an in-process database (HSQLDB) is cached: there every writer is in this JVM. With
 * PostgreSQL, other nodes change grants, and every read goes to the database. Entries also expire
 * after {@link #TIME_TO_LIVE}, a bound for anything unforeseen.
 *
 * <p>Thread-safe.
 */
final class GrantWindowCache {
    /** The longest an entry is served, whatever happens. */
    static final Duration TIME_TO_LIVE = Duration.ofSeconds(60);

    /** Cached users at most; the cache is emptied when it is full. */
    static final int LIMIT = 100_000;

    private static final AtomicLong GENERATION = new AtomicLong();
    private static final AtomicLong IN_FLIGHT = new AtomicLong();

    /** An open grant as read: the SID it carries, when it starts and when it ends. */
    record Row(Sid sid, Instant startedAt, Instant endsAt) {}

    private record Entry(long generation, Instant readAt, List<Row> rows) {}

    private final boolean enabled;
    private final ConcurrentHashMap<UserId, Entry> entries = new ConcurrentHashMap<>();

    GrantWindowCache(boolean enabled) {
        this.enabled = enabled;
    }

    /** Cache for an in-process database only. */
    static GrantWindowCache forDatabase(Database database) {
        return new GrantWindowCache(database.vendor() == Vendor.HSQLDB);
    }

    boolean enabled() {
        return enabled;
    }

    /** Call inside a transaction of {@code database} before it changes the {@code grants} table. */
    static void changing(Database database) {
        IN_FLIGHT.incrementAndGet();
        GENERATION.incrementAndGet();
        try {
            database.afterTransaction(GrantWindowCache::changed);
        } catch (RuntimeException e) {
            changed();
            throw e;
        }
    }

    private static void changed() {
        // the generation moves before the writer leaves: a reader that sees no writer in flight
        // then sees the new generation
        GENERATION.incrementAndGet();
        IN_FLIGHT.decrementAndGet();
    }

    /**
     * The stamp to read under: the current generation, or -1 when a writer is in flight (the read
     * is then not cached). Take it before the query.
     */
    long stamp() {
        if (!enabled || IN_FLIGHT.get() != 0) {
            return -1;
        }
        return GENERATION.get();
    }

    /** What {@code user} holds at {@code now}, if a valid entry was read. */
    Optional<EffectiveWindow> get(UserId user, Instant now) {
        long stamp = stamp();
        if (stamp < 0) {
            return Optional.empty();
        }
        Entry e = entries.get(user);
        if (e == null
                || e.generation() != stamp
                || now.isBefore(e.readAt())
                || !now.isBefore(e.readAt().plus(TIME_TO_LIVE))) {
            return Optional.empty();
        }
        return Optional.of(window(user, now, e.rows()));
    }

    /** Keeps what was read under {@code stamp} (nothing when the stamp was -1). */
    void put(UserId user, long stamp, Instant readAt, List<Row> rows) {
        if (stamp < 0) {
            return;
        }
        if (entries.size() >= LIMIT) {
            entries.clear();
        }
        entries.put(user, new Entry(stamp, readAt, List.copyOf(rows)));
    }

    /** The grants among {@code rows} that have started and not ended at {@code now}. */
    static EffectiveWindow window(UserId user, Instant now, List<Row> rows) {
        Map<Sid, Instant> held = new HashMap<>();
        for (Row r : rows) {
            if (!r.startedAt().isAfter(now) && r.endsAt().isAfter(now)) {
                held.merge(r.sid(), r.endsAt(), (a, b) -> a.isBefore(b) ? a : b);
            }
        }
        return new EffectiveWindow(user, now, held);
    }
}
