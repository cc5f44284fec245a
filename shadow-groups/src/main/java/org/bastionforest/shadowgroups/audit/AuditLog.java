package org.bastionforest.shadowgroups.audit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import org.bastionforest.shadowgroups.audit.ChainVerification.Kind;
import org.bastionforest.shadowgroups.audit.ChainVerification.Problem;
import org.bastionforest.shadowgroups.errors.StorageException;
import org.bastionforest.shadowgroups.storage.Database;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The audit log: an append-only, hash-chained list of {@link AuditEvent}s in the database.
 *
 * <p><b>Append</b> inside the transaction that makes the change ({@link #append(Connection,
 * AuditEvent)}), so that the change and its event commit or roll back together. Each appended event
 * gets the next position ({@code seq}) and stores the hash of the event before it; its own hash is
 * the SHA-256 of its canonical form (a JSON array of every stored field, the previous hash
 * included). Appends are serialized by updating the one chain-head row first (a row lock held until
 * the transaction ends), so concurrent writers, on one node or many, never fork the chain.
 *
 * <p><b>Verify</b> ({@link #verify()}) recomputes every hash (an edited event), follows the chain
 * from its start by the stored previous hashes (a missing event, a reordered event) and compares
 * the end with the chain head (events removed at the end). Someone who can write the database can
 * rewrite the whole chain from an edited event on; anchoring the head elsewhere (export it, sign
 * it) is what catches that.
 *
 * <pre>{@code
 * db.inTransaction(c -> {
 *     // ... change state ...
 *     audit.append(c, AuditEvent.of("grant.closed", clock.instant(), "alice").withGroup("sql-admins"));
 *     return null;
 * });
 * ChainVerification v = audit.verify(); // v.intact()
 * }</pre>
 *
 * <p><b>Events that record no other change</b> ({@link #append(AuditEvent)}: issued Kerberos
 * tickets, failed sign-ins) are group-committed: callers that arrive while a commit runs wait, and
 * the next commit writes all of their events in one transaction. Each call still returns only once
 * its event is durable.
 *
 * <p>Thread-safe.
 */
public final class AuditLog {
    /** The previous hash of the first event. */
    public static final String GENESIS = "0".repeat(64);

    private static final Logger LOG = LoggerFactory.getLogger(AuditLog.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TypeReference<TreeMap<String, String>> DETAILS = new TypeReference<>() {};
    private static final String COLUMNS =
            "seq, event_id, occurred_at, event_type, actor, subject_user, group_id, request_id,"
                    + " details, prev_hash, hash";

    /** The most events one group commit writes. */
    static final int MAX_GROUP = 64;

    private final Database database;
    private final GroupWriter writer;
    private final ConcurrentLinkedQueue<Pending> pending = new ConcurrentLinkedQueue<>();
    private final ReentrantLock commits = new ReentrantLock();

    /** Most events {@link #appendBuffered} holds before it refuses more. */
    public static final int BUFFER_LIMIT = 10_000;

    /** How long a buffered event waits at most before its flush starts. */
    public static final Duration FLUSH_INTERVAL = Duration.ofMillis(100);

    /** The most buffered events one flush transaction writes. */
    static final int MAX_FLUSH = 1_000;

    /** Waiting events; with the batch being written, at most {@link #BUFFER_LIMIT}. */
    private final LinkedBlockingQueue<AuditEvent> buffered =
            new LinkedBlockingQueue<>(BUFFER_LIMIT - MAX_FLUSH);

    /** Taken from {@link #buffered} but not yet written (a failed flush keeps them here). */
    private final List<AuditEvent> flushing = new ArrayList<>();

    /** Events accepted by {@link #appendBuffered} and not yet written or dropped (lock-free). */
    private final AtomicInteger unwritten = new AtomicInteger();

    private final Object flushLock = new Object();
    private Thread flusher;
    private volatile boolean closed;

    /**
     * @param database where the log is kept
     */
    public AuditLog(Database database) {
        this.database = Objects.requireNonNull(database, "database");
        this.writer = events -> this.database.inTransaction(c -> appendAll(c, events));
    }

    /** Tests: group commits write through {@code writer} (to make one fail unexpectedly). */
    AuditLog(Database database, GroupWriter writer) {
        this.database = Objects.requireNonNull(database, "database");
        this.writer = Objects.requireNonNull(writer, "writer");
    }

    /** Writes one group of events in one transaction. */
    interface GroupWriter {
        List<AuditRecord> write(List<AuditEvent> events) throws StorageException;
    }

    /**
     * Appends {@code event} in the caller's transaction on {@code c}. Call it after the statements
     * that change state: it locks the chain head until the transaction ends.
     *
     * @return the stored record
     * @throws SQLException if the database failed (the caller's transaction then rolls back)
     */
    public AuditRecord append(Connection c, AuditEvent event) throws SQLException {
        Objects.requireNonNull(event, "event");
        return appendAll(c, List.of(event)).get(0);
    }

    /**
     * Appends {@code events}, in order, to the log within the caller's transaction: one chain-head
     * lock and update and one batched insert for all of them.
     *
     * @return the stored records, in the same order
     * @throws SQLException if the database failed (the caller's transaction then rolls back)
     */
    public List<AuditRecord> appendAll(Connection c, List<AuditEvent> events) throws SQLException {
        if (events.isEmpty()) {
            return List.of();
        }
        events.forEach(e -> Objects.requireNonNull(e, "event"));
        try (PreparedStatement lock =
                c.prepareStatement(
                        "UPDATE audit_chain_head SET last_seq = last_seq + ? WHERE singleton = 1")) {
            lock.setInt(1, events.size());
            if (lock.executeUpdate() != 1) {
                throw new SQLException("audit chain head row is missing");
            }
        }
        ChainHead head = readHead(c);
        long seq = head.seq() - events.size() + 1;
        String prevHash = head.hash();
        List<AuditRecord> records = new ArrayList<>(events.size());
        try (PreparedStatement ps =
                c.prepareStatement(
                        "INSERT INTO audit_events ("
                                + COLUMNS
                                + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            for (AuditEvent event : events) {
                UUID eventId = UUID.randomUUID();
                String details = json(event.details());
                String hash = hash(eventId, event, details, prevHash);
                ps.setLong(1, seq);
                ps.setObject(2, eventId);
                ps.setObject(3, event.occurredAt().atOffset(ZoneOffset.UTC));
                ps.setString(4, event.type());
                ps.setString(5, event.actor());
                ps.setString(6, event.subjectUser().orElse(null));
                ps.setString(7, event.groupId().orElse(null));
                ps.setObject(8, event.requestId().orElse(null));
                ps.setString(9, details);
                ps.setString(10, prevHash);
                ps.setString(11, hash);
                if (events.size() == 1) {
                    ps.executeUpdate();
                } else {
                    ps.addBatch();
                }
                records.add(new AuditRecord(seq, eventId, event, prevHash, hash));
                seq++;
                prevHash = hash;
            }
            if (events.size() > 1) {
                ps.executeBatch();
            }
        }
        try (PreparedStatement ps =
                c.prepareStatement(
                        "UPDATE audit_chain_head SET last_hash = ? WHERE singleton = 1")) {
            ps.setString(1, prevHash);
            ps.executeUpdate();
        }
        return records;
    }

    /**
     * Appends {@code event} in a transaction of its own (for events that record no other change,
     * such as a failed MFA attempt).
     *
     * @throws StorageException if the database failed
     */
    public AuditRecord append(AuditEvent event) throws StorageException {
        Objects.requireNonNull(event, "event");
        Pending p = new Pending(event);
        pending.add(p);
        commits.lock();
        try {
            while (p.record == null && p.failure == null) {
                commitPending();
            }
        } finally {
            commits.unlock();
        }
        if (p.failure instanceof StorageException storage) {
            throw new StorageException(storage.getMessage(), storage);
        }
        if (p.failure != null) {
            throw new IllegalStateException("the audit group commit failed", p.failure);
        }
        return p.record;
    }

    /**
     * Queues {@code event} and returns at once; a background thread writes queued events within
     * {@link #FLUSH_INTERVAL}, up to a thousand per transaction, in order. For events of a high
     * rate that change no state and that an operator chose not to wait for (issued Kerberos tickets
     * with {@code kdc.ticket-audit: buffered}): the events of the last interval before a crash are
     * lost. A flush that fails because the database is down keeps its events and is retried; an
     * event the database refuses as data is logged and dropped.
     *
     * @throws StorageException if {@link #BUFFER_LIMIT} events are already waiting (the database is
     *     down or too slow) or the log is closed: the caller must not act as if audited
     */
    public void appendBuffered(AuditEvent event) throws StorageException {
        Objects.requireNonNull(event, "event");
        if (closed) {
            throw new StorageException("the audit log is closed");
        }
        startFlusher();
        if (!buffered.offer(event)) {
            throw new StorageException(
                    "audit buffer full ("
                            + BUFFER_LIMIT
                            + " events waiting): the database is down or too slow");
        }
        unwritten.incrementAndGet();
        if (closed && !flush()) {
            // close() wrote the buffer just before this event arrived, and it cannot be written
            throw new StorageException("the audit log is closed");
        }
    }

    /** Events queued by {@link #appendBuffered} and not yet written. Never blocks. */
    public int bufferedEvents() {
        return unwritten.get();
    }

    /**
     * Writes what {@link #appendBuffered} queued, now, on the caller's thread.
     *
     * @return whether nothing is left unwritten
     */
    public boolean flush() {
        while (true) {
            int written = flushOnce();
            if (written < 0) {
                return false;
            }
            if (written == 0) {
                return true;
            }
        }
    }

    /**
     * Writes one batch: what a failed flush kept, topped up from the queue to {@link #MAX_FLUSH}.
     *
     * @return how many events were written or dropped, -1 if the database failed (they are kept)
     */
    private int flushOnce() {
        synchronized (flushLock) {
            buffered.drainTo(flushing, MAX_FLUSH - flushing.size());
            if (flushing.isEmpty()) {
                return 0;
            }
            int before = flushing.size();
            boolean ok = writeFlushing();
            int done = before - flushing.size();
            unwritten.addAndGet(-done);
            return ok ? done : -1;
        }
    }

    /**
     * Stops the background flush and writes the buffered events; later {@link #appendBuffered}
     * calls are refused. Events that cannot be written (the database is down) are counted in the
     * log and lost.
     */
    public void close() {
        closed = true;
        Thread t;
        synchronized (this) {
            t = flusher;
        }
        if (t != null) {
            // not interrupted: an interrupt could break the database's file channel mid-write;
            // the thread sees the flag within one flush interval (or one retry pause)
            try {
                t.join(TimeUnit.SECONDS.toMillis(15));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (!flush()) {
            LOG.error(
                    "audit.buffer-lost: {} buffered events not written at close", bufferedEvents());
        }
    }

    private synchronized void startFlusher() {
        if (flusher != null || closed) {
            return;
        }
        flusher = new Thread(this::flushContinuously, "bastion-audit-flush");
        flusher.setDaemon(true);
        flusher.start();
    }

    /**
     * The background flush: a batch every {@link #FLUSH_INTERVAL}, at once again while batches come
     * out full, pausing longer after a failure. Ends only when the log is closed.
     */
    private void flushContinuously() {
        long pause = FLUSH_INTERVAL.toMillis();
        while (!closed) {
            try {
                Thread.sleep(pause);
                int written = 0;
                while (!closed && (written = flushOnce()) >= MAX_FLUSH) {
                    // a full batch: more may be waiting
                }
                pause =
                        written < 0
                                ? Math.min(5_000, Math.max(pause, 100) * 2)
                                : FLUSH_INTERVAL.toMillis();
            } catch (InterruptedException e) {
                // only close() ends this thread; an interrupt from elsewhere is not a reason
                Thread.interrupted();
            } catch (RuntimeException | Error e) {
                LOG.error("audit.flush-failed: {}", e.getClass().getName(), e);
                pause = 1_000;
            }
        }
    }

    /** Writes {@link #flushing} in one transaction; under {@link #flushLock}. */
    private boolean writeFlushing() {
        try {
            writer.write(List.copyOf(flushing));
            flushing.clear();
            return true;
        } catch (StorageException e) {
            if (!causedByData(e)) {
                LOG.warn(
                        "audit.flush-failed: {} buffered events kept ({})",
                        flushing.size(),
                        e.getMessage());
                return false;
            }
        }
        // the database refused an event as data: write them one by one, drop what it refuses
        for (AuditEvent event : List.copyOf(flushing)) {
            try {
                writer.write(List.of(event));
            } catch (StorageException e) {
                if (!causedByData(e)) {
                    LOG.warn("audit.flush-failed: buffered events kept ({})", e.getMessage());
                    return false;
                }
                LOG.error(
                        "audit.buffered-event-rejected: a {} event by {} ({})",
                        event.type(),
                        event.actor(),
                        e.getMessage());
            }
            flushing.remove(0);
        }
        return true;
    }

    /** Whether an SQL data exception (class 22) or constraint violation (class 23) caused it. */
    private static boolean causedByData(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql && sql.getSQLState() != null) {
                String state = sql.getSQLState();
                if (state.startsWith("22") || state.startsWith("23")) {
                    return true;
                }
            }
        }
        return false;
    }

    /** The lock a group commit holds (tests hold it to gather a group). */
    ReentrantLock groupCommitLock() {
        return commits;
    }

    /** Events waiting for a group commit. */
    int waitingForGroupCommit() {
        return pending.size();
    }

    /** An event waiting for its group commit; written and read under {@link #commits}. */
    private static final class Pending {
        final AuditEvent event;
        AuditRecord record;

        /** A StorageException, or whatever else ended its group commit unexpectedly. */
        Throwable failure;

        Pending(AuditEvent event) {
            this.event = event;
        }
    }

    /**
     * Commits up to {@link #MAX_GROUP} waiting events in one transaction. If that fails because of
     * the data (SQLState class 22 or 23) and there was more than one, each is tried alone, so that
     * one bad event fails only its own caller; any other failure (the database is down, a time-out)
     * fails them all at once rather than once per event. Every event taken from the queue ends with
     * a record or a failure, whatever is thrown: its caller waits for exactly that.
     */
    private void commitPending() {
        List<Pending> group = new ArrayList<>();
        for (Pending p; group.size() < MAX_GROUP && (p = pending.poll()) != null; ) {
            group.add(p);
        }
        if (group.isEmpty()) {
            return;
        }
        List<AuditEvent> events = group.stream().map(p -> p.event).toList();
        try {
            List<AuditRecord> records = writer.write(events);
            for (int i = 0; i < group.size(); i++) {
                group.get(i).record = records.get(i);
            }
        } catch (StorageException e) {
            if (group.size() == 1 || !causedByData(e)) {
                group.forEach(p -> p.failure = e);
                return;
            }
            for (Pending p : group) {
                try {
                    p.record = writer.write(List.of(p.event)).get(0);
                } catch (StorageException | RuntimeException alone) {
                    p.failure = alone;
                }
            }
        } catch (RuntimeException | Error unexpected) {
            // not rethrown: this caller's own event may not be in the group, and must not be
            // left in the queue without a waiting caller
            group.stream().filter(p -> p.record == null).forEach(p -> p.failure = unexpected);
        }
    }

    /**
     * Checks the whole chain. Reads every event into memory (about 1 KB each).
     *
     * @throws StorageException if the database failed
     */
    public ChainVerification verify() throws StorageException {
        return database.inTransaction(AuditLog::verify);
    }

    /** The chain head: the last event's sequence number and hash. */
    private record ChainHead(long seq, String hash) {}

    private static ChainHead readHead(Connection c) throws SQLException {
        try (PreparedStatement ps =
                        c.prepareStatement(
                                "SELECT last_seq, last_hash FROM audit_chain_head"
                                        + " WHERE singleton = 1");
                ResultSet rs = ps.executeQuery()) {
            if (!rs.next()) {
                throw new SQLException("audit chain head row is missing");
            }
            return new ChainHead(rs.getLong(1), rs.getString(2));
        }
    }

    private static ChainVerification verify(Connection c) throws SQLException {
        ChainHead head = readHead(c);
        long headSeq = head.seq();
        String headHash = head.hash();
        List<Stored> rows = new ArrayList<>();
        try (PreparedStatement ps =
                c.prepareStatement(
                        "SELECT " + COLUMNS + " FROM audit_events WHERE seq <= ? ORDER BY seq")) {
            ps.setLong(1, headSeq);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    rows.add(read(rs));
                }
            }
        }
        List<Problem> problems = new ArrayList<>();
        // 1. every event's own hash
        for (Stored row : rows) {
            String recomputed =
                    hash(
                            row.record.eventId(),
                            row.record.event(),
                            row.details,
                            row.record.prevHash());
            if (!recomputed.equals(row.record.hash())) {
                problems.add(
                        new Problem(
                                Kind.EDITED,
                                row.record.seq(),
                                Optional.of(row.record.eventId()),
                                "event at seq "
                                        + row.record.seq()
                                        + " was changed: its fields no longer match its hash"));
            }
        }
        // 2. follow the chain by the stored previous hashes
        Map<String, List<Stored>> successors = new HashMap<>();
        Set<String> hashes = new HashSet<>();
        for (Stored row : rows) {
            successors.computeIfAbsent(row.record.prevHash(), k -> new ArrayList<>()).add(row);
            hashes.add(row.record.hash());
        }
        List<Stored> chain = new ArrayList<>();
        Set<Long> visited = new HashSet<>();
        String current = GENESIS;
        while (chain.size() < rows.size()) {
            Stored next = firstUnvisited(successors.get(current), visited);
            if (next == null) {
                // the chain breaks: resume at the earliest event whose predecessor is not stored
                next = resumePoint(rows, visited, hashes);
                Stored before = chain.isEmpty() ? null : chain.get(chain.size() - 1);
                problems.add(
                        new Problem(
                                Kind.REMOVED,
                                next.record.seq(),
                                Optional.of(next.record.eventId()),
                                "event(s) missing before the event at seq "
                                        + next.record.seq()
                                        + (before == null
                                                ? " (the first event does not start the chain)"
                                                : " (after the event at seq "
                                                        + before.record.seq()
                                                        + ")")));
            }
            visited.add(next.record.seq());
            chain.add(next);
            current = next.record.hash();
        }
        // 3. the stored order must be the chain order
        for (int i = 0; i < rows.size(); i++) {
            Stored stored = rows.get(i);
            Stored expected = chain.get(i);
            if (stored != expected) {
                problems.add(
                        new Problem(
                                Kind.REORDERED,
                                stored.record.seq(),
                                Optional.of(stored.record.eventId()),
                                "event at seq "
                                        + stored.record.seq()
                                        + " is out of order: the chain puts the event at seq "
                                        + expected.record.seq()
                                        + " in its place"));
            }
        }
        // 4. the end of the chain must be the head
        String lastHash = chain.isEmpty() ? GENESIS : chain.get(chain.size() - 1).record.hash();
        if (!lastHash.equals(headHash)) {
            long lastSeq = rows.isEmpty() ? 0 : rows.get(rows.size() - 1).record.seq();
            problems.add(
                    new Problem(
                            Kind.REMOVED,
                            lastSeq + 1,
                            Optional.empty(),
                            "event(s) missing at the end: the chain head records "
                                    + headSeq
                                    + " events and a last hash that no stored event has"));
        }
        problems.sort(
                (a, b) ->
                        a.seq() != b.seq()
                                ? Long.compare(a.seq(), b.seq())
                                : a.kind().compareTo(b.kind()));
        return new ChainVerification(rows.size(), problems);
    }

    private static Stored firstUnvisited(List<Stored> candidates, Set<Long> visited) {
        if (candidates == null) {
            return null;
        }
        for (Stored s : candidates) {
            if (!visited.contains(s.record.seq())) {
                return s;
            }
        }
        return null;
    }

    private static Stored resumePoint(List<Stored> rows, Set<Long> visited, Set<String> hashes) {
        Stored fallback = null;
        for (Stored row : rows) {
            if (visited.contains(row.record.seq())) {
                continue;
            }
            if (fallback == null) {
                fallback = row;
            }
            if (!hashes.contains(row.record.prevHash())) {
                return row;
            }
        }
        return fallback;
    }

    /**
     * One page of events matching {@code query}, oldest first.
     *
     * @throws StorageException if the database failed
     */
    public AuditPage query(AuditQuery query) throws StorageException {
        Objects.requireNonNull(query, "query");
        return database.inTransaction(
                c -> {
                    List<Object> params = new ArrayList<>();
                    StringBuilder sql =
                            new StringBuilder("SELECT ")
                                    .append(COLUMNS)
                                    .append(" FROM audit_events WHERE seq > ?");
                    params.add(query.afterSeq());
                    if (query.user().isPresent()) {
                        sql.append(" AND (actor = ? OR subject_user = ?)");
                        params.add(query.user().get());
                        params.add(query.user().get());
                    }
                    if (query.groupId().isPresent()) {
                        sql.append(" AND group_id = ?");
                        params.add(query.groupId().get());
                    }
                    if (query.type().isPresent()) {
                        sql.append(" AND event_type = ?");
                        params.add(query.type().get());
                    }
                    if (query.from().isPresent()) {
                        sql.append(" AND occurred_at >= ?");
                        params.add(query.from().get().atOffset(ZoneOffset.UTC));
                    }
                    if (query.to().isPresent()) {
                        sql.append(" AND occurred_at < ?");
                        params.add(query.to().get().atOffset(ZoneOffset.UTC));
                    }
                    sql.append(" ORDER BY seq FETCH FIRST ").append(query.limit() + 1);
                    sql.append(" ROWS ONLY");
                    List<AuditRecord> records = new ArrayList<>();
                    try (PreparedStatement ps = c.prepareStatement(sql.toString())) {
                        for (int i = 0; i < params.size(); i++) {
                            ps.setObject(i + 1, params.get(i));
                        }
                        try (ResultSet rs = ps.executeQuery()) {
                            while (rs.next()) {
                                records.add(read(rs).record);
                            }
                        }
                    }
                    boolean more = records.size() > query.limit();
                    return new AuditPage(more ? records.subList(0, query.limit()) : records, more);
                });
    }

    /**
     * Writes every event matching {@code query} (from {@link AuditQuery#afterSeq()} on, ignoring
     * its limit) as JSON lines: one object per line with every stored field.
     *
     * @return how many events were written
     * @throws StorageException if the database failed
     * @throws IOException if writing failed
     */
    public long exportJsonLines(AuditQuery query, Writer out) throws StorageException, IOException {
        return export(
                query,
                record -> {
                    out.write(jsonLine(record));
                    out.write('\n');
                });
    }

    /**
     * One record as a JSON object on one line (no line break): every stored field, as exported and
     * as the audit journal stores it.
     */
    static String jsonLine(AuditRecord record) {
        AuditEvent e = record.event();
        int size = 400 + e.actor().length();
        for (Map.Entry<String, String> d : e.details().entrySet()) {
            size += d.getKey().length() + d.getValue().length() + 8;
        }
        StringBuilder o = new StringBuilder(size);
        o.append("{\"seq\":").append(record.seq());
        o.append(",\"eventId\":");
        quote(o, record.eventId().toString());
        o.append(",\"occurredAt\":");
        quote(o, e.occurredAt().toString());
        o.append(",\"type\":");
        quote(o, e.type());
        o.append(",\"actor\":");
        quote(o, e.actor());
        o.append(",\"user\":");
        quoteOrNull(o, e.subjectUser().orElse(null));
        o.append(",\"group\":");
        quoteOrNull(o, e.groupId().orElse(null));
        o.append(",\"request\":");
        quoteOrNull(o, e.requestId().map(UUID::toString).orElse(null));
        o.append(",\"details\":");
        object(o, e.details());
        o.append(",\"prevHash\":");
        quote(o, record.prevHash());
        o.append(",\"hash\":");
        quote(o, record.hash());
        return o.append('}').toString();
    }

    /**
     * Reads what {@link #jsonLine} wrote.
     *
     * @throws IllegalArgumentException if {@code line} is not such a record
     */
    static AuditRecord parseJsonLine(String line) {
        try {
            JsonNode o = JSON.readTree(line);
            if (o == null || !o.isObject()) {
                throw new IllegalArgumentException("not a JSON object");
            }
            TreeMap<String, String> details = new TreeMap<>();
            JsonNode d = o.get("details");
            if (d == null || !d.isObject()) {
                throw new IllegalArgumentException("no details object");
            }
            d.fields().forEachRemaining(f -> details.put(f.getKey(), f.getValue().asText()));
            AuditEvent event =
                    new AuditEvent(
                            text(o, "type"),
                            Instant.parse(text(o, "occurredAt")),
                            text(o, "actor"),
                            Optional.ofNullable(optionalText(o, "user")),
                            Optional.ofNullable(optionalText(o, "group")),
                            Optional.ofNullable(optionalText(o, "request")).map(UUID::fromString),
                            details);
            JsonNode seq = o.get("seq");
            if (seq == null || !seq.canConvertToLong()) {
                throw new IllegalArgumentException("no seq");
            }
            return new AuditRecord(
                    seq.asLong(),
                    UUID.fromString(text(o, "eventId")),
                    event,
                    text(o, "prevHash"),
                    text(o, "hash"));
        } catch (JsonProcessingException | DateTimeException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    private static String text(JsonNode o, String field) {
        JsonNode v = o.get(field);
        if (v == null || !v.isTextual()) {
            throw new IllegalArgumentException("no " + field);
        }
        return v.asText();
    }

    private static String optionalText(JsonNode o, String field) {
        JsonNode v = o.get(field);
        return v == null || v.isNull() ? null : text(o, field);
    }

    /**
     * Writes every event matching {@code query} as CSV (RFC 4180, a header line, details as one
     * JSON cell). A cell starting with {@code = + - @}, a tab or a carriage return is prefixed with
     * {@code '} so that spreadsheets do not run it as a formula.
     *
     * @return how many events were written
     * @throws StorageException if the database failed
     * @throws IOException if writing failed
     */
    public long exportCsv(AuditQuery query, Writer out) throws StorageException, IOException {
        out.write("seq,eventId,occurredAt,type,actor,user,group,request,details,prevHash,hash\r\n");
        return export(
                query,
                record -> {
                    AuditEvent e = record.event();
                    String[] cells = {
                        Long.toString(record.seq()),
                        record.eventId().toString(),
                        e.occurredAt().toString(),
                        e.type(),
                        e.actor(),
                        e.subjectUser().orElse(""),
                        e.groupId().orElse(""),
                        e.requestId().map(UUID::toString).orElse(""),
                        json(e.details()),
                        record.prevHash(),
                        record.hash()
                    };
                    for (int i = 0; i < cells.length; i++) {
                        if (i > 0) {
                            out.write(',');
                        }
                        out.write(csvCell(cells[i]));
                    }
                    out.write("\r\n");
                });
    }

    /** One CSV cell: neutralized against formula injection, quoted when needed. */
    static String csvCell(String value) {
        String v = value;
        boolean neutralized = !v.isEmpty() && "=+-@\t\r".indexOf(v.charAt(0)) >= 0;
        if (neutralized) {
            v = "'" + v;
        }
        if (neutralized
                || v.indexOf(',') >= 0
                || v.indexOf('"') >= 0
                || v.indexOf('\n') >= 0
                || v.indexOf('\r') >= 0) {
            v = '"' + v.replace("\"", "\"\"") + '"';
        }
        return v;
    }

    @FunctionalInterface
    private interface RecordSink {
        void write(AuditRecord record) throws IOException;
    }

    private long export(AuditQuery query, RecordSink sink) throws StorageException, IOException {
        AuditQuery page = query.limit(AuditQuery.MAX_LIMIT);
        long written = 0;
        while (true) {
            AuditPage result = query(page);
            for (AuditRecord r : result.records()) {
                sink.write(r);
                written++;
            }
            if (!result.hasMore()) {
                return written;
            }
            page = page.after(result.lastSeq());
        }
    }

    /** A stored row: the record and the details exactly as stored (hashed as stored). */
    private record Stored(AuditRecord record, String details) {}

    private static Stored read(ResultSet rs) throws SQLException {
        String details = rs.getString(9);
        TreeMap<String, String> map;
        try {
            map = JSON.readValue(details, DETAILS);
        } catch (JsonProcessingException e) {
            // an edited row may hold anything; keep it visible, the hash check reports it
            map = new TreeMap<>(Map.of("unreadable", details));
        }
        AuditEvent event =
                new AuditEvent(
                        rs.getString(4),
                        rs.getObject(3, OffsetDateTime.class).toInstant(),
                        rs.getString(5),
                        Optional.ofNullable(rs.getString(6)),
                        Optional.ofNullable(rs.getString(7)),
                        Optional.ofNullable(rs.getObject(8, UUID.class)),
                        map);
        return new Stored(
                new AuditRecord(
                        rs.getLong(1),
                        rs.getObject(2, UUID.class),
                        event,
                        rs.getString(10),
                        rs.getString(11)),
                details);
    }

    /**
     * The canonical form's hash: hex SHA-256 of a JSON array of every stored field. The JSON is
     * written as Jackson's default generator writes it (AuditJsonTest holds the two equal): the
     * hashes of rows written before the hand-written form must still verify.
     */
    static String hash(UUID eventId, AuditEvent event, String details, String prevHash) {
        return hash(eventId, event, prevHash, c -> quote(c, details), details.length() * 2);
    }

    /**
     * {@link #hash(UUID, AuditEvent, String, String)} of the event's own details, without building
     * their JSON first: the details are written escaped twice at once (the journal hashes every
     * ticket's event, on the KDC's path).
     */
    static String hash(UUID eventId, AuditEvent event, String prevHash) {
        Map<String, String> details = event.details();
        int size = 16;
        for (Map.Entry<String, String> d : details.entrySet()) {
            size += d.getKey().length() + d.getValue().length() + 12;
        }
        return hash(
                eventId,
                event,
                prevHash,
                c ->
                        quotedObject(
                                c,
                                details instanceof java.util.SortedMap<String, String>
                                        ? details
                                        : new TreeMap<>(details)),
                size);
    }

    private static String hash(
            UUID eventId,
            AuditEvent event,
            String prevHash,
            java.util.function.Consumer<StringBuilder> details,
            int detailsSize) {
        StringBuilder canonical = new StringBuilder(192 + detailsSize);
        canonical.append("[1,");
        quote(canonical, eventId.toString());
        canonical.append(',');
        quote(canonical, event.occurredAt().toString());
        canonical.append(',');
        quote(canonical, event.type());
        canonical.append(',');
        quote(canonical, event.actor());
        canonical.append(',');
        quoteOrNull(canonical, event.subjectUser().orElse(null));
        canonical.append(',');
        quoteOrNull(canonical, event.groupId().orElse(null));
        canonical.append(',');
        quoteOrNull(canonical, event.requestId().map(UUID::toString).orElse(null));
        canonical.append(',');
        details.accept(canonical);
        canonical.append(',');
        quoteOrNull(canonical, prevHash);
        canonical.append(']');
        try {
            byte[] digest =
                    MessageDigest.getInstance("SHA-256")
                            .digest(canonical.toString().getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }

    /** The details as stored and hashed: a JSON object sorted by key. */
    static String json(Map<String, String> details) {
        int size = 16;
        for (Map.Entry<String, String> d : details.entrySet()) {
            size += d.getKey().length() + d.getValue().length() + 8;
        }
        StringBuilder o = new StringBuilder(size);
        object(
                o,
                details instanceof java.util.SortedMap<String, String>
                        ? details
                        : new TreeMap<>(details));
        return o.toString();
    }

    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    /** {@code map} as a JSON object of strings, in its own order. */
    private static void object(StringBuilder out, Map<String, String> map) {
        out.append('{');
        boolean first = true;
        for (Map.Entry<String, String> e : map.entrySet()) {
            if (!first) {
                out.append(',');
            }
            first = false;
            quote(out, e.getKey());
            out.append(':');
            quoteOrNull(out, e.getValue());
        }
        out.append('}');
    }

    /** What {@code quote(out, json(map))} writes, for a map in key order. */
    private static void quotedObject(StringBuilder out, Map<String, String> map) {
        out.append("\"{");
        boolean first = true;
        for (Map.Entry<String, String> e : map.entrySet()) {
            if (!first) {
                out.append(',');
            }
            first = false;
            quotedString(out, e.getKey());
            out.append(':');
            if (e.getValue() == null) {
                out.append("null");
            } else {
                quotedString(out, e.getValue());
            }
        }
        out.append("}\"");
    }

    /** {@code s} quoted as a JSON string, and that quoted again without its outer quotes. */
    private static void quotedString(StringBuilder out, String s) {
        boolean plain = true;
        for (int i = 0; i < s.length() && plain; i++) {
            char c = s.charAt(i);
            plain = c >= 0x20 && c != '"' && c != '\\';
        }
        if (plain) {
            out.append("\\\"").append(s).append("\\\"");
            return;
        }
        StringBuilder once = new StringBuilder(s.length() + 16);
        quote(once, s);
        StringBuilder twice = new StringBuilder(once.length() * 2);
        quote(twice, once.toString());
        out.append(twice, 1, twice.length() - 1);
    }

    private static void quoteOrNull(StringBuilder out, String s) {
        if (s == null) {
            out.append("null");
        } else {
            quote(out, s);
        }
    }

    /**
     * {@code s} as a JSON string, escaped as Jackson's default generator escapes it: quote,
     * backslash and the control characters below U+0020 (backslash b, t, n, f, r; the others as a
     * backslash-u escape with upper-case hex digits); everything else as it is.
     */
    static void quote(StringBuilder out, String s) {
        out.append('"');
        int n = s.length();
        int first = 0;
        while (first < n) {
            char c = s.charAt(first);
            if (c < 0x20 || c == '"' || c == '\\') {
                break;
            }
            first++;
        }
        if (first == n) {
            out.append(s).append('"'); // nothing to escape (most values): one bulk copy
            return;
        }
        int from = 0;
        for (int i = first; i < n; i++) {
            char c = s.charAt(i);
            if (c >= 0x20 && c != '"' && c != '\\') {
                continue;
            }
            out.append(s, from, i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\b' -> out.append("\\b");
                case '\t' -> out.append("\\t");
                case '\n' -> out.append("\\n");
                case '\f' -> out.append("\\f");
                case '\r' -> out.append("\\r");
                default -> out.append("\\u00").append(HEX[c >> 4]).append(HEX[c & 0xF]);
            }
            from = i + 1;
        }
        out.append(s, from, n).append('"');
    }
}
