package org.bastionforest.shadowgroups.directory;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.bastionforest.shadowgroups.audit.AuditEvent;
import org.bastionforest.shadowgroups.audit.AuditLog;
import org.bastionforest.shadowgroups.errors.DirectoryUnavailableException;
import org.bastionforest.shadowgroups.errors.StorageException;
import org.bastionforest.shadowgroups.model.Sid;
import org.bastionforest.shadowgroups.policy.UserId;
import org.bastionforest.shadowgroups.storage.Database;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies the outbox of intended membership changes to the {@link BastionDirectory}: the database
 * is the source of truth and the directory follows it.
 *
 * <p>{@link #dispatchDue()} takes pending operations in the order they were recorded; per (user,
 * shadow principal) only the oldest pending one is tried, so an add and the later remove of the
 * same membership are never applied out of order (a later one follows in the same call once the
 * earlier one was applied). Each operation is applied in a transaction that first locks its outbox
 * row (another node dispatching at the same time waits and then skips it), calls the directory, and
 * marks it done with an audit event only when the directory call returned. A failure ({@link
 * DirectoryUnavailableException}, or any unchecked exception the port lets escape) leaves it
 * pending with the attempt counted and the next attempt set after an exponential back-off ({@link
 * Options#initialBackoff()} doubled per attempt, at most {@link Options#maximumBackoff()}).
 *
 * <pre>{@code
 * MembershipDispatcher dispatcher = new MembershipDispatcher(db, directory, audit, clock,
 *         MembershipDispatcher.Options.defaults());
 * DispatchResult r = dispatcher.dispatchDue(); // after each grant change, and every second
 * }</pre>
 *
 * <p>Thread-safe; immutable.
 */
public final class MembershipDispatcher {
    private static final Logger LOG = LoggerFactory.getLogger(MembershipDispatcher.class);

    private final Database database;
    private final BastionDirectory directory;
    private final AuditLog audit;
    private final Clock clock;
    private final Options options;

    /**
     * How the dispatcher retries.
     *
     * @param initialBackoff the delay after the first failure, from 10 ms to 1 hour
     * @param maximumBackoff the longest delay, at least {@code initialBackoff}, at most 1 day
     * @param batchSize how many pending operations one {@link #dispatchDue()} reads, 1 to 10000
     */
    public record Options(Duration initialBackoff, Duration maximumBackoff, int batchSize) {
        /**
         * Validates the options.
         *
         * @throws IllegalArgumentException naming the bad field
         */
        public Options {
            if (initialBackoff == null
                    || initialBackoff.compareTo(Duration.ofMillis(10)) < 0
                    || initialBackoff.compareTo(Duration.ofHours(1)) > 0) {
                throw new IllegalArgumentException(
                        "initialBackoff must be between 10 ms and 1 hour");
            }
            if (maximumBackoff == null
                    || maximumBackoff.compareTo(initialBackoff) < 0
                    || maximumBackoff.compareTo(Duration.ofDays(1)) > 0) {
                throw new IllegalArgumentException(
                        "maximumBackoff must be between initialBackoff and 1 day");
            }
            if (batchSize < 1 || batchSize > 10_000) {
                throw new IllegalArgumentException("batchSize must be between 1 and 10000");
            }
        }

        /** 1 second, doubling up to 5 minutes, 500 per batch. */
        public static Options defaults() {
            return new Options(Duration.ofSeconds(1), Duration.ofMinutes(5), 500);
        }
    }

    /**
     * What one {@link #dispatchDue()} did.
     *
     * @param applied operations the directory accepted (now done)
     * @param failed operations that failed (still pending, retried later)
     * @param pending operations still pending afterwards
     * @param nextAttemptAt when the earliest pending operation is due, if any
     */
    public record DispatchResult(
            int applied, int failed, int pending, Optional<Instant> nextAttemptAt) {}

    /**
     * @param database the database holding the outbox
     * @param directory the bastion directory to apply operations to
     * @param audit where applied operations are recorded
     * @param clock the time
     * @param options how to retry
     */
    public MembershipDispatcher(
            Database database,
            BastionDirectory directory,
            AuditLog audit,
            Clock clock,
            Options options) {
        this.database = Objects.requireNonNull(database, "database");
        this.directory = Objects.requireNonNull(directory, "directory");
        this.audit = Objects.requireNonNull(audit, "audit");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.options = Objects.requireNonNull(options, "options");
    }

    /**
     * Applies every pending operation that is due, in order.
     *
     * @throws StorageException if the database failed
     */
    public DispatchResult dispatchDue() throws StorageException {
        Instant now = clock.instant();
        List<Op> pending = database.inTransaction(c -> pending(c, options.batchSize()));
        Set<String> stopped = new HashSet<>();
        int applied = 0;
        int failed = 0;
        List<Op> due = new ArrayList<>();
        for (Op op : pending) {
            String key = op.user.value() + "|" + op.principal;
            if (stopped.contains(key)) {
                continue; // an older operation on the same membership is still pending
            }
            if (op.nextAttemptAt.isAfter(now)) {
                stopped.add(key);
                continue;
            }
            due.add(op);
        }
        // one transaction (one commit) per chunk of operations: many grants ending together cost
        // a few commits, not one each; a chunk is short so that its first removal is not held back
        for (int from = 0; from < due.size(); from += COMMIT_CHUNK) {
            List<Op> chunk = due.subList(from, Math.min(due.size(), from + COMMIT_CHUNK));
            List<Outcome> outcomes = applyAll(chunk, stopped);
            for (int i = 0; i < chunk.size(); i++) {
                Outcome outcome = outcomes.get(i);
                if (outcome == Outcome.APPLIED) {
                    applied++;
                } else {
                    stopped.add(chunk.get(i).user.value() + "|" + chunk.get(i).principal);
                    if (outcome == Outcome.FAILED) {
                        failed++;
                    }
                }
            }
        }
        int appliedCount = applied;
        int failedCount = failed;
        return database.inTransaction(
                c -> {
                    int left;
                    Optional<Instant> next;
                    try (PreparedStatement ps =
                                    c.prepareStatement(
                                            "SELECT COUNT(*), MIN(next_attempt_at) FROM"
                                                    + " directory_outbox WHERE status ="
                                                    + " 'PENDING'");
                            ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        left = rs.getInt(1);
                        OffsetDateTime min = rs.getObject(2, OffsetDateTime.class);
                        next = Optional.ofNullable(min).map(OffsetDateTime::toInstant);
                    }
                    return new DispatchResult(appliedCount, failedCount, left, next);
                });
    }

    private enum Outcome {
        APPLIED,
        FAILED,
        SKIPPED
    }

    /** How many operations share one commit. */
    static final int COMMIT_CHUNK = 50;

    private List<Outcome> applyAll(List<Op> ops, Set<String> stopped) throws StorageException {
        return database.inTransaction(
                c -> {
                    List<Outcome> outcomes = new ArrayList<>();
                    // audit events are appended after the directory calls: the audit chain's head
                    // is one row that every audited transaction locks, so it is locked only for
                    // the few statements at the end, never across network calls
                    List<AuditEvent> deferred = new ArrayList<>();
                    Set<String> skippedHere = new HashSet<>();
                    boolean failedHere = false;
                    for (Op op : ops) {
                        String key = op.user.value() + "|" + op.principal;
                        // after a failure the rest of the chunk waits for the next pass: a
                        // directory that is down costs one time-out per pass, not one per operation
                        if (failedHere || stopped.contains(key) || skippedHere.contains(key)) {
                            outcomes.add(Outcome.SKIPPED);
                            continue;
                        }
                        Outcome o = apply(c, op, deferred);
                        if (o == Outcome.FAILED) {
                            failedHere = true;
                        } else if (o == Outcome.SKIPPED) {
                            skippedHere.add(key);
                        }
                        outcomes.add(o);
                    }
                    for (AuditEvent event : deferred) {
                        audit.append(c, event);
                    }
                    return outcomes;
                });
    }

    private Outcome apply(Connection c, Op op, List<AuditEvent> deferred) throws SQLException {
        try (PreparedStatement lock =
                c.prepareStatement(
                        "UPDATE directory_outbox SET attempts = attempts"
                                + " WHERE op_seq = ? AND status = 'PENDING'")) {
            lock.setLong(1, op.seq);
            if (lock.executeUpdate() != 1) {
                return Outcome.SKIPPED; // another dispatcher applied it meanwhile
            }
        }
        Instant now = clock.instant();
        try {
            if (op.operation == DirectoryOutbox.Operation.ADD) {
                directory.addMember(op.user, op.principal, op.until);
            } else {
                directory.removeMember(op.user, op.principal);
            }
        } catch (DirectoryUnavailableException | RuntimeException e) {
            // a port that throws unchecked must not stop the dispatcher either: the
            // operation stays pending, with back-off, and is never marked done
            recordFailure(c, op, now, e);
            return Outcome.FAILED;
        }
        try (PreparedStatement ps =
                c.prepareStatement(
                        "UPDATE directory_outbox SET status = 'DONE', done_at = ?,"
                                + " attempts = attempts + 1, last_error = NULL"
                                + " WHERE op_seq = ?")) {
            ps.setObject(1, now.atOffset(ZoneOffset.UTC));
            ps.setLong(2, op.seq);
            ps.executeUpdate();
        }
        AuditEvent event =
                AuditEvent.of(
                                op.operation == DirectoryOutbox.Operation.ADD
                                        ? "directory.member-added"
                                        : "directory.member-removed",
                                now,
                                AuditEvent.SYSTEM)
                        .withUser(op.user.value())
                        .withDetail("principalSid", op.principal)
                        .withDetail("grantId", op.grantId)
                        .withDetail("attempt", op.attempts + 1);
        if (op.until != null) {
            event = event.withDetail("until", op.until);
        }
        deferred.add(event);
        return Outcome.APPLIED;
    }

    private void recordFailure(Connection c, Op op, Instant now, Exception e) throws SQLException {
        int attempts = op.attempts + 1;
        Duration delay = backoff(attempts);
        String error =
                e instanceof DirectoryUnavailableException
                        ? e.getMessage()
                        : e.getClass().getSimpleName();
        if (error.length() > 500) {
            error = error.substring(0, 500);
        }
        try (PreparedStatement ps =
                c.prepareStatement(
                        "UPDATE directory_outbox SET attempts = ?, next_attempt_at = ?,"
                                + " last_error = ? WHERE op_seq = ?")) {
            ps.setInt(1, attempts);
            ps.setObject(2, now.plus(delay).atOffset(ZoneOffset.UTC));
            ps.setString(3, error);
            ps.setLong(4, op.seq);
            ps.executeUpdate();
        }
        LOG.warn(
                "directory.apply-failed: {} of {} to {} failed (attempt {}), retrying in {}: {}",
                op.operation,
                op.user,
                op.principal,
                attempts,
                delay,
                error);
    }

    /** The delay after {@code attempts} failures: initial * 2^(attempts-1), capped. */
    Duration backoff(int attempts) {
        Duration d = options.initialBackoff();
        for (int i = 1; i < attempts && d.compareTo(options.maximumBackoff()) < 0; i++) {
            d = d.multipliedBy(2);
        }
        return d.compareTo(options.maximumBackoff()) > 0 ? options.maximumBackoff() : d;
    }

    private record Op(
            long seq,
            DirectoryOutbox.Operation operation,
            UserId user,
            Sid principal,
            Instant until,
            UUID grantId,
            int attempts,
            Instant nextAttemptAt) {}

    private static List<Op> pending(Connection c, int limit) throws SQLException {
        List<Op> ops = new ArrayList<>();
        try (PreparedStatement ps =
                c.prepareStatement(
                        "SELECT op_seq, operation, user_id, principal_sid, member_until, grant_id,"
                                + " attempts, next_attempt_at FROM directory_outbox"
                                + " WHERE status = 'PENDING' ORDER BY op_seq FETCH FIRST "
                                + limit
                                + " ROWS ONLY")) {
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    OffsetDateTime until = rs.getObject(5, OffsetDateTime.class);
                    ops.add(
                            new Op(
                                    rs.getLong(1),
                                    DirectoryOutbox.Operation.valueOf(rs.getString(2)),
                                    UserId.of(rs.getString(3)),
                                    Sid.parse(rs.getString(4)),
                                    until == null ? null : until.toInstant(),
                                    rs.getObject(6, UUID.class),
                                    rs.getInt(7),
                                    rs.getObject(8, OffsetDateTime.class).toInstant()));
                }
            }
        }
        return ops;
    }
}
