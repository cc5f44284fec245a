package org.bastionforest.shadowgroups.request;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import org.bastionforest.shadowgroups.audit.AuditEvent;
import org.bastionforest.shadowgroups.audit.AuditLog;
import org.bastionforest.shadowgroups.directory.DirectoryFacts;
import org.bastionforest.shadowgroups.directory.DirectoryOutbox;
import org.bastionforest.shadowgroups.errors.AccessDeniedException;
import org.bastionforest.shadowgroups.errors.BastionException;
import org.bastionforest.shadowgroups.errors.ConflictException;
import org.bastionforest.shadowgroups.errors.DirectoryUnavailableException;
import org.bastionforest.shadowgroups.errors.InvalidInputException;
import org.bastionforest.shadowgroups.errors.NotFoundException;
import org.bastionforest.shadowgroups.errors.StorageException;
import org.bastionforest.shadowgroups.model.Sid;
import org.bastionforest.shadowgroups.policy.ActivationPolicy;
import org.bastionforest.shadowgroups.policy.Administrators;
import org.bastionforest.shadowgroups.policy.ShadowGroup;
import org.bastionforest.shadowgroups.policy.ShadowGroupId;
import org.bastionforest.shadowgroups.policy.ShadowGroupService;
import org.bastionforest.shadowgroups.policy.UserId;
import org.bastionforest.shadowgroups.storage.Database;
import org.bastionforest.shadowgroups.storage.SqlWork;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the lifecycle of requests and grants (DESIGN.md): {@code PENDING_APPROVAL -> APPROVED ->
 * ACTIVE -> EXPIRED | REVOKED | CLOSED}, {@code PENDING_APPROVAL -> DENIED | CANCELLED |
 * TIMED_OUT}.
 *
 * <ul>
 *   <li>{@link #submit}: only an eligible user (directly, or through a production group, nested
 *       groups included); the duration within the policy (over the maximum is refused, naming it);
 *       justification, ticket reference and availability window as the policy says. At most one
 *       open request (pending, approved or active) per user and group: a second one is a conflict
 *       that names the first; an active one is lengthened with {@link #extend}. Without approval
 *       and MFA a request starting now becomes ACTIVE at once.
 *   <li>{@link #approve} and {@link #deny}: only the group's approvers, never the requester; an
 *       approver counts once; the quorum (N of M) approves; a denial needs a reason.
 *   <li>{@link #activate}: the requester starts an approved grant (with an MFA code when required);
 *       {@link #startIfDue} does it for the scheduler when no MFA is needed. The grant's clock
 *       starts at activation.
 *   <li>{@link #extend}, {@link #close} (the requester), {@link #cancel} (the requester, while
 *       pending), {@link #revoke} (an administrator).
 *   <li>{@link #timeOut}, {@link #expire}, {@link #timeOutDue}, {@link #expireDue}: for the
 *       scheduler; idempotent, they re-check the database and do nothing when not due.
 * </ul>
 *
 * <p>Every change writes its audit events, and every grant change its bastion-directory operation
 * (outbox, applied by {@link org.bastionforest.shadowgroups.directory.MembershipDispatcher}), in
 * the same transaction. A refused operation changes nothing. Callers who may not learn that a
 * request exists (anyone but its requester, the group's approvers and administrators) get the same
 * {@link NotFoundException} for "not there" and "not yours".
 *
 * <pre>{@code
 * AccessRequest r = requests.submit(UserId.of("alice"),
 *         NewRequest.of(ShadowGroupId.of("sql-admins"), Duration.ofHours(2), "INC0012345 fix", null, null));
 * requests.approve(r.id(), UserId.of("carol"));           // ACTIVE when quorum 1 and no MFA
 * requests.close(r.id(), UserId.of("alice"), "done");    // CLOSED
 * }</pre>
 *
 * <p>Thread-safe; immutable. Concurrent calls on one request are serialized by a row lock.
 */
public final class RequestService {
    private static final Logger LOG = LoggerFactory.getLogger(RequestService.class);

    /** The longest time ahead a request may ask to start. */
    public static final Duration MAX_START_DELAY = Duration.ofDays(30);

    private final Database database;
    private final AuditLog audit;
    private final DirectoryFacts facts;
    private final MfaVerifier mfa;
    private final Administrators administrators;
    private final Clock clock;
    private final GrantWindowCache windows;
    private final ExpiryScheduler scheduler;

    /**
     * A service without a scheduler ({@link ExpiryScheduler#NONE}).
     *
     * @param database where requests and grants are kept
     * @param audit where every change is recorded
     * @param facts eligibility and approver-group membership
     * @param mfa checks MFA codes
     * @param administrators who may revoke any grant
     * @param clock the time
     */
    public RequestService(
            Database database,
            AuditLog audit,
            DirectoryFacts facts,
            MfaVerifier mfa,
            Administrators administrators,
            Clock clock) {
        this(database, audit, facts, mfa, administrators, clock, ExpiryScheduler.NONE);
    }

    /**
     * @param database where requests and grants are kept
     * @param audit where every change is recorded
     * @param facts eligibility and approver-group membership
     * @param mfa checks MFA codes
     * @param administrators who may revoke any grant
     * @param clock the time
     * @param scheduler told of every new or moved deadline after commit
     */
    public RequestService(
            Database database,
            AuditLog audit,
            DirectoryFacts facts,
            MfaVerifier mfa,
            Administrators administrators,
            Clock clock,
            ExpiryScheduler scheduler) {
        this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
        this.database = Objects.requireNonNull(database, "database");
        this.audit = Objects.requireNonNull(audit, "audit");
        this.facts = Objects.requireNonNull(facts, "facts");
        this.mfa = Objects.requireNonNull(mfa, "mfa");
        this.administrators = Objects.requireNonNull(administrators, "administrators");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.windows = GrantWindowCache.forDatabase(database);
    }

    /**
     * Asks for a shadow group.
     *
     * @return the new request: PENDING_APPROVAL, APPROVED (waiting for its start or MFA) or ACTIVE
     * @throws NotFoundException if there is no such group or {@code requester} is not eligible (the
     *     same answer)
     * @throws InvalidInputException if the request breaks the policy (duration, justification,
     *     ticket, start, availability window); the message names the rule
     * @throws ConflictException if the requester has an open request for the group
     * @throws DirectoryUnavailableException if eligibility cannot be resolved now
     * @throws StorageException if the database failed
     */
    public AccessRequest submit(UserId requester, NewRequest ask)
            throws NotFoundException,
                    InvalidInputException,
                    ConflictException,
                    DirectoryUnavailableException,
                    StorageException {
        Objects.requireNonNull(requester, "requester");
        Objects.requireNonNull(ask, "ask");
        Instant now = now();
        ShadowGroup group =
                database.inTransaction(c -> ShadowGroupService.find(c, ask.group(), false))
                        .orElseThrow(() -> groupNotFound(ask.group()));
        if (!isEligible(requester, group.policy())) {
            throw groupNotFound(ask.group());
        }
        ActivationPolicy policy = group.policy();
        Duration duration = checkRequest(group, ask, now);
        Optional<Instant> start = ask.start().map(s -> s.truncatedTo(ChronoUnit.MICROS));
        try {
            return announce(
                    tx(
                            c -> {
                                ShadowGroup current =
                                        ShadowGroupService.find(c, ask.group(), true)
                                                .orElseThrow(() -> groupNotFound(ask.group()));
                                if (!current.equals(group)) {
                                    throw new ConflictException(
                                            "shadow group " + group.id() + " changed; try again");
                                }
                                requireNoOpenRequest(c, requester, group.id());
                                RequestId id = RequestId.random();
                                RequestState state =
                                        policy.approvalRequired()
                                                ? RequestState.PENDING_APPROVAL
                                                : RequestState.APPROVED;
                                try (PreparedStatement ps =
                                        c.prepareStatement(
                                                "INSERT INTO access_requests (request_id, group_id,"
                                                        + " requester, state, duration_seconds,"
                                                        + " justification, ticket, requested_start,"
                                                        + " created_at, timeout_at, decided_at, open_key,"
                                                        + " revision) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
                                                        + " ?, ?, 1)")) {
                                    ps.setObject(1, id.uuid());
                                    ps.setString(2, group.id().value());
                                    ps.setString(3, requester.value());
                                    ps.setString(4, state.name());
                                    ps.setLong(5, duration.toSeconds());
                                    ps.setString(6, ask.justification());
                                    ps.setString(7, ask.ticket().orElse(null));
                                    ps.setObject(8, start.map(RequestService::utc).orElse(null));
                                    ps.setObject(9, utc(now));
                                    ps.setObject(
                                            10,
                                            utc(
                                                    policy.approvalRequired()
                                                            ? now.plus(policy.approvalTimeout())
                                                            : activationDeadline(
                                                                    start,
                                                                    policy.approvalTimeout(),
                                                                    now)));
                                    ps.setObject(11, policy.approvalRequired() ? null : utc(now));
                                    ps.setString(12, openKey(requester, group.id()));
                                    ps.executeUpdate();
                                }
                                AuditEvent submitted =
                                        event(
                                                        "request.submitted",
                                                        now,
                                                        requester,
                                                        requester,
                                                        group,
                                                        id)
                                                .withDetail("state", state)
                                                .withDetail("duration", duration)
                                                .withDetail("justification", ask.justification())
                                                .withDetail("ticket", ask.ticket().orElse(""))
                                                .withDetail(
                                                        "start",
                                                        start.map(Instant::toString).orElse(""));
                                audit.append(c, submitted);
                                if (state == RequestState.APPROVED) {
                                    audit.append(
                                            c,
                                            event(
                                                            "request.approved",
                                                            now,
                                                            null,
                                                            requester,
                                                            group,
                                                            id)
                                                    .withDetail(
                                                            "reason",
                                                            "policy requires no approval"));
                                    if (!policy.mfaRequired()
                                            && (start.isEmpty() || !start.get().isAfter(now))) {
                                        activate(
                                                c,
                                                load(c, id, true).orElseThrow(),
                                                group,
                                                requester,
                                                now);
                                    }
                                }
                                return load(c, id, false).orElseThrow();
                            }));
        } catch (StorageException e) {
            if (Database.isUniqueViolation(e)) {
                throw new ConflictException(
                        requester
                                + " already has an open request for shadow group "
                                + group.id()
                                + " (made at the same moment)",
                        e);
            }
            throw e;
        }
    }

    /**
     * Records {@code approver}'s approval; when the quorum is reached the request becomes APPROVED
     * (and ACTIVE at once when it needs no MFA and its start has come).
     *
     * @throws NotFoundException if there is no such request or {@code approver} may not decide it
     * @throws AccessDeniedException if {@code approver} is the requester
     * @throws ConflictException if the request is not pending or timed out, or {@code approver}
     *     approved it already
     * @throws DirectoryUnavailableException if approver groups cannot be resolved now
     * @throws StorageException if the database failed
     */
    public AccessRequest approve(RequestId id, UserId approver)
            throws NotFoundException,
                    AccessDeniedException,
                    ConflictException,
                    DirectoryUnavailableException,
                    StorageException {
        Instant now = now();
        return announce(
                txDecision(
                        c -> {
                            Locked l = lockForDecision(c, id, approver, now);
                            if (l.request.approvals().contains(approver)) {
                                throw new ConflictException(
                                        approver
                                                + " has approved request "
                                                + id
                                                + " already; an approver counts once");
                            }
                            try (PreparedStatement ps =
                                    c.prepareStatement(
                                            "INSERT INTO request_approvals (request_id, approver,"
                                                    + " approved_at) VALUES (?, ?, ?)")) {
                                ps.setObject(1, id.uuid());
                                ps.setString(2, approver.value());
                                ps.setObject(3, utc(now));
                                ps.executeUpdate();
                            }
                            int count = l.request.approvals().size() + 1;
                            int quorum = l.group.policy().quorum();
                            audit.append(
                                    c,
                                    event(
                                                    "request.approval",
                                                    now,
                                                    approver,
                                                    l.request.requester(),
                                                    l.group,
                                                    id)
                                            .withDetail("approvals", count)
                                            .withDetail("quorum", quorum));
                            if (count >= quorum) {
                                setState(c, id, RequestState.APPROVED, now, approver, null, false);
                                setActivationDeadline(
                                        c,
                                        id,
                                        activationDeadline(
                                                l.request.requestedStart(),
                                                l.group.policy().approvalTimeout(),
                                                now));
                                audit.append(
                                        c,
                                        event(
                                                        "request.approved",
                                                        now,
                                                        approver,
                                                        l.request.requester(),
                                                        l.group,
                                                        id)
                                                .withDetail("approvals", count)
                                                .withDetail("quorum", quorum));
                                if (startsNow(l.request, l.group, now)) {
                                    activate(
                                            c,
                                            load(c, id, false).orElseThrow(),
                                            l.group,
                                            approver,
                                            now);
                                }
                            }
                            return load(c, id, false).orElseThrow();
                        }));
    }

    /**
     * Denies a pending request, with a reason.
     *
     * @throws InvalidInputException if the reason is blank or too long
     * @throws NotFoundException if there is no such request or {@code approver} may not decide it
     * @throws AccessDeniedException if {@code approver} is the requester
     * @throws ConflictException if the request is not pending or timed out
     * @throws DirectoryUnavailableException if approver groups cannot be resolved now
     * @throws StorageException if the database failed
     */
    public AccessRequest deny(RequestId id, UserId approver, String reason)
            throws InvalidInputException,
                    NotFoundException,
                    AccessDeniedException,
                    ConflictException,
                    DirectoryUnavailableException,
                    StorageException {
        String why = requireReason(reason, "a denial");
        Instant now = now();
        return txDecision(
                c -> {
                    Locked l = lockForDecision(c, id, approver, now);
                    setState(c, id, RequestState.DENIED, now, approver, why, true);
                    audit.append(
                            c,
                            event(
                                            "request.denied",
                                            now,
                                            approver,
                                            l.request.requester(),
                                            l.group,
                                            id)
                                    .withDetail("reason", why));
                    return load(c, id, false).orElseThrow();
                });
    }

    /**
     * The requester withdraws a request that is pending approval, or approved but not active yet.
     *
     * @throws NotFoundException if there is no such request of {@code requester}
     * @throws ConflictException if it is no longer pending
     * @throws StorageException if the database failed
     */
    public AccessRequest cancel(RequestId id, UserId requester)
            throws NotFoundException, ConflictException, StorageException {
        Instant now = now();
        return txOwn(
                c -> {
                    AccessRequest r = lockOwn(c, id, requester);
                    if (r.state() != RequestState.APPROVED) {
                        requireState(r, RequestState.PENDING_APPROVAL);
                    }
                    setState(c, id, RequestState.CANCELLED, now, requester, null, true);
                    audit.append(c, event("request.cancelled", now, requester, r, id));
                    return load(c, id, false).orElseThrow();
                });
    }

    /**
     * The requester starts an approved grant: now, with an MFA code when the policy requires one.
     *
     * @param mfaCode the current TOTP code; needed only when the policy requires MFA
     * @throws NotFoundException if there is no such request of {@code requester}
     * @throws ConflictException if it is not approved, its start has not come, or it is outside the
     *     availability window
     * @throws AccessDeniedException if MFA is required and the code is missing or not accepted
     * @throws StorageException if the database failed
     */
    public AccessRequest activate(RequestId id, UserId requester, Optional<String> mfaCode)
            throws NotFoundException, ConflictException, AccessDeniedException, StorageException {
        Objects.requireNonNull(mfaCode, "mfaCode");
        ShadowGroup group =
                txOwn(
                        c -> {
                            AccessRequest r = lockOwn(c, id, requester);
                            ShadowGroup g = requireGroup(c, r.group());
                            checkActivation(r, g, now());
                            return g;
                        });
        if (group.policy().mfaRequired()) {
            if (mfaCode.isEmpty() || mfaCode.get().isBlank()) {
                throw new AccessDeniedException(
                        "shadow group " + group.id() + " requires an MFA code to activate");
            }
            if (!mfa.verify(requester, mfaCode.get())) {
                throw new AccessDeniedException("the MFA code was not accepted");
            }
        }
        Instant now = now();
        return announce(
                txOwn(
                        c -> {
                            AccessRequest r = lockOwn(c, id, requester);
                            ShadowGroup g = requireGroup(c, r.group());
                            checkActivation(r, g, now);
                            activate(c, r, g, requester, now);
                            return load(c, id, false).orElseThrow();
                        }));
    }

    /**
     * For the scheduler: starts an approved grant whose start has come, when its policy needs no
     * MFA (those wait for the requester's {@link #activate}) and the availability window is open.
     *
     * @return true if the grant was started now; false if there was nothing to do
     * @throws StorageException if the database failed
     */
    public boolean startIfDue(RequestId id) throws StorageException {
        Instant now = now();
        boolean started =
                database.inTransaction(
                        c -> {
                            Optional<AccessRequest> r = load(c, id, true);
                            if (r.isEmpty() || r.get().state() != RequestState.APPROVED) {
                                return false;
                            }
                            Optional<ShadowGroup> g =
                                    ShadowGroupService.find(c, r.get().group(), false);
                            if (g.isEmpty() || !startsNow(r.get(), g.get(), now)) {
                                return false;
                            }
                            activate(c, r.get(), g.get(), null, now);
                            return true;
                        });
        if (started) {
            database.inTransaction(c -> load(c, id, false)).ifPresent(this::announce);
        }
        return started;
    }

    /**
     * The requester lengthens an active grant by {@code more}, within the policy: the grant's whole
     * length (from activation) stays within the maximum duration, and the number of extensions
     * within the maximum.
     *
     * @throws InvalidInputException if {@code more} is not positive whole seconds or the total
     *     would exceed the maximum duration (named)
     * @throws NotFoundException if there is no such request of {@code requester}
     * @throws ConflictException if it is not active, has reached its end, or used all extensions
     * @throws StorageException if the database failed
     */
    public AccessRequest extend(RequestId id, UserId requester, Duration more)
            throws InvalidInputException, NotFoundException, ConflictException, StorageException {
        if (more == null || more.isNegative() || more.isZero() || more.getNano() != 0) {
            throw new InvalidInputException("extension must be a positive number of seconds");
        }
        Instant now = now();
        return announce(
                txExtend(
                        c -> {
                            AccessRequest r = lockOwn(c, id, requester);
                            requireState(r, RequestState.ACTIVE);
                            ShadowGroup g = requireGroup(c, r.group());
                            Grant grant = r.grant().orElseThrow();
                            if (!grant.endsAt().isAfter(now)) {
                                throw new ConflictException(
                                        "the grant of request " + id + " has ended");
                            }
                            ActivationPolicy p = g.policy();
                            if (grant.extensionsUsed() >= p.maximumExtensions()) {
                                throw new ConflictException(
                                        "request "
                                                + id
                                                + " has used its "
                                                + p.maximumExtensions()
                                                + " extensions (maximumExtensions of shadow group "
                                                + g.id()
                                                + ")");
                            }
                            Instant newEnd = grant.endsAt().plus(more);
                            Duration total = Duration.between(grant.startedAt(), newEnd);
                            if (total.compareTo(p.maximumDuration()) > 0) {
                                throw new InvalidInputException(
                                        "extension by "
                                                + more
                                                + " would make the grant last "
                                                + total
                                                + ", more than the maximumDuration "
                                                + p.maximumDuration()
                                                + " of shadow group "
                                                + g.id());
                            }
                            GrantWindowCache.changing(database);
                            try (PreparedStatement ps =
                                    c.prepareStatement(
                                            "UPDATE grants SET ends_at = ?, extensions_used ="
                                                    + " extensions_used + 1 WHERE grant_id = ?")) {
                                ps.setObject(1, utc(newEnd));
                                ps.setObject(2, grant.id());
                                ps.executeUpdate();
                            }
                            try (PreparedStatement ps =
                                    c.prepareStatement(
                                            "INSERT INTO grant_extensions (extension_id, grant_id,"
                                                    + " requested_by, extended_at, added_seconds,"
                                                    + " previous_ends_at, new_ends_at) VALUES (?, ?, ?, ?,"
                                                    + " ?, ?, ?)")) {
                                ps.setObject(1, UUID.randomUUID());
                                ps.setObject(2, grant.id());
                                ps.setString(3, requester.value());
                                ps.setObject(4, utc(now));
                                ps.setLong(5, more.toSeconds());
                                ps.setObject(6, utc(grant.endsAt()));
                                ps.setObject(7, utc(newEnd));
                                ps.executeUpdate();
                            }
                            DirectoryOutbox.enqueueAdd(
                                    c, grant.id(), requester, grant.principalSid(), newEnd, now);
                            audit.append(
                                    c,
                                    event("grant.extended", now, requester, r, id)
                                            .withDetail("by", more)
                                            .withDetail("previousEndsAt", grant.endsAt())
                                            .withDetail("endsAt", newEnd)
                                            .withDetail(
                                                    "extensionsUsed", grant.extensionsUsed() + 1));
                            return load(c, id, false).orElseThrow();
                        }));
    }

    /**
     * The requester ends their active grant early.
     *
     * @param reason why (may be empty)
     * @throws NotFoundException if there is no such request of {@code requester}
     * @throws ConflictException if it is not active
     * @throws StorageException if the database failed
     */
    public AccessRequest close(RequestId id, UserId requester, String reason)
            throws NotFoundException, ConflictException, StorageException {
        Instant now = now();
        String why = reason == null ? "" : truncate(reason.strip());
        return directoryChanged(
                txOwn(
                        c -> {
                            AccessRequest r = lockOwn(c, id, requester);
                            requireState(r, RequestState.ACTIVE);
                            endGrant(c, r, RequestState.CLOSED, requester, why, now);
                            return load(c, id, false).orElseThrow();
                        }));
    }

    /**
     * An administrator ends an active grant, with a reason.
     *
     * @throws InvalidInputException if the reason is blank or too long
     * @throws NotFoundException if there is no such request or {@code admin} is no administrator
     *     (the same answer)
     * @throws ConflictException if it is not active
     * @throws DirectoryUnavailableException if administrator groups cannot be resolved now
     * @throws StorageException if the database failed
     */
    public AccessRequest revoke(RequestId id, UserId admin, String reason)
            throws InvalidInputException,
                    NotFoundException,
                    ConflictException,
                    DirectoryUnavailableException,
                    StorageException {
        String why = requireReason(reason, "a revocation");
        if (!administrators.includes(admin, facts)) {
            throw requestNotFound(id);
        }
        Instant now = now();
        return directoryChanged(
                txOwn(
                        c -> {
                            AccessRequest r =
                                    load(c, id, true).orElseThrow(() -> requestNotFound(id));
                            requireState(r, RequestState.ACTIVE);
                            endGrant(c, r, RequestState.REVOKED, admin, why, now);
                            return load(c, id, false).orElseThrow();
                        }));
    }

    /**
     * The production account of {@code user} is gone or disabled (the sync says so): revokes every
     * active grant and cancels every pending or approved request of the user, as the system actor,
     * each audited ({@code grant.revoked}, {@code request.cancelled}) with the reason, in one
     * transaction. Implements {@link
     * org.bastionforest.shadowgroups.directory.AccountLifecycle#retire}.
     *
     * @param reason why (e.g. "disabled in the production directory"); blank becomes a default
     * @return how many requests and grants were ended (0 when there was nothing to end)
     * @throws StorageException if the database failed; nothing was changed
     */
    public int retireAccount(UserId user, String reason) throws StorageException {
        Objects.requireNonNull(user, "user");
        String why =
                truncate(
                        reason == null || reason.isBlank()
                                ? "the production account is gone or disabled"
                                : reason.strip());
        Instant now = now();
        int retired =
                database.inTransaction(
                        c -> {
                            int ended = 0;
                            for (RequestId id :
                                    ids(
                                            c,
                                            "SELECT request_id FROM access_requests WHERE requester = ?"
                                                    + " AND state IN ('PENDING_APPROVAL', 'APPROVED',"
                                                    + " 'ACTIVE') ORDER BY created_at",
                                            user.value())) {
                                Optional<AccessRequest> r = load(c, id, true);
                                if (r.isEmpty()) {
                                    continue;
                                }
                                switch (r.get().state()) {
                                    case ACTIVE ->
                                            endGrant(
                                                    c,
                                                    r.get(),
                                                    RequestState.REVOKED,
                                                    null,
                                                    why,
                                                    now);
                                    case PENDING_APPROVAL, APPROVED -> {
                                        setState(
                                                c,
                                                id,
                                                RequestState.CANCELLED,
                                                now,
                                                null,
                                                why,
                                                true);
                                        audit.append(
                                                c,
                                                event("request.cancelled", now, null, r.get(), id)
                                                        .withDetail("reason", why));
                                    }
                                    default -> {
                                        continue; // ended meanwhile
                                    }
                                }
                                ended++;
                            }
                            if (ended > 0) {
                                LOG.info(
                                        "request.retired-account: {} ({} ended)",
                                        user.value(),
                                        ended);
                            }
                            return ended;
                        });
        return retired > 0 ? directoryChanged(retired) : retired;
    }

    /**
     * For the scheduler: times out a request still pending approval after its time-out, or an
     * approved one that was not activated within the approval time-out after its approval (or its
     * requested start, if later).
     *
     * @return true if it timed out now; false if there was nothing to do (unknown, decided, or not
     *     due yet)
     * @throws StorageException if the database failed
     */
    public boolean timeOut(RequestId id) throws StorageException {
        Instant now = now();
        return database.inTransaction(
                c -> {
                    Optional<AccessRequest> r = load(c, id, true);
                    if (r.isEmpty()
                            || (r.get().state() != RequestState.PENDING_APPROVAL
                                    && r.get().state() != RequestState.APPROVED)
                            || r.get().timeoutAt().isEmpty()
                            || r.get().timeoutAt().get().isAfter(now)) {
                        return false;
                    }
                    setState(c, id, RequestState.TIMED_OUT, now, null, null, true);
                    audit.append(
                            c,
                            event("request.timed-out", now, null, r.get(), id)
                                    .withDetail("state", r.get().state().name())
                                    .withDetail("timeoutAt", r.get().timeoutAt().orElseThrow())
                                    .withDetail("approvals", r.get().approvals().size()));
                    return true;
                });
    }

    /**
     * For the scheduler: ends an active grant that reached its end.
     *
     * @return true if it expired now; false if there was nothing to do (unknown, not active, or
     *     extended past now)
     * @throws StorageException if the database failed
     */
    public boolean expire(RequestId id) throws StorageException {
        Instant now = now();
        return database.inTransaction(
                c -> {
                    Optional<AccessRequest> r = load(c, id, true);
                    if (r.isEmpty()
                            || r.get().state() != RequestState.ACTIVE
                            || r.get().grant().orElseThrow().endsAt().isAfter(now)) {
                        return false;
                    }
                    endGrant(c, r.get(), RequestState.EXPIRED, null, "", now);
                    return true;
                });
    }

    /**
     * For the scheduler (and after a restart): times out every request that is due.
     *
     * @return how many timed out
     * @throws StorageException if the database failed
     */
    public int timeOutDue() throws StorageException {
        int n = 0;
        for (RequestId id :
                due(
                        "SELECT request_id FROM access_requests WHERE state IN"
                                + " ('PENDING_APPROVAL', 'APPROVED') AND timeout_at <= ? ORDER BY"
                                + " timeout_at")) {
            if (timeOut(id)) {
                n++;
            }
        }
        return n;
    }

    /**
     * For the scheduler (and after a restart): expires every grant that reached its end.
     *
     * @return how many expired
     * @throws StorageException if the database failed
     */
    public int expireDue() throws StorageException {
        int n = 0;
        int batch;
        do {
            batch = expireDue(EXPIRY_BATCH);
            n += batch;
        } while (batch == EXPIRY_BATCH);
        return n;
    }

    /** The most grants {@link #expireDue(int)} ends in one transaction by default. */
    public static final int EXPIRY_BATCH = 50;

    /**
     * For the scheduler: ends up to {@code limit} grants that reached their end, the earliest
     * first, in one transaction (one commit for many grants when many end at once). Each is
     * re-checked under its lock, as {@link #expire} does.
     *
     * @return how many expired
     * @throws StorageException if the database failed
     */
    public int expireDue(int limit) throws StorageException {
        if (limit < 1 || limit > 10_000) {
            throw new IllegalArgumentException("limit must be between 1 and 10000");
        }
        Instant now = now();
        return database.inTransaction(
                c -> {
                    List<RequestId> ids = new ArrayList<>();
                    try (PreparedStatement ps =
                            c.prepareStatement(
                                    "SELECT request_id FROM grants WHERE ended_at IS NULL AND"
                                            + " ends_at <= ? ORDER BY ends_at FETCH FIRST "
                                            + limit
                                            + " ROWS ONLY")) {
                        ps.setObject(1, utc(now));
                        try (ResultSet rs = ps.executeQuery()) {
                            while (rs.next()) {
                                ids.add(new RequestId(rs.getObject(1, UUID.class)));
                            }
                        }
                    }
                    int n = 0;
                    for (RequestId id : ids) {
                        Optional<AccessRequest> r = load(c, id, true);
                        if (r.isPresent()
                                && r.get().state() == RequestState.ACTIVE
                                && !r.get().grant().orElseThrow().endsAt().isAfter(now)) {
                            endGrant(c, r.get(), RequestState.EXPIRED, null, "", now);
                            n++;
                        }
                    }
                    return n;
                });
    }

    /**
     * For the scheduler: records a {@code grant.ending-soon} event (which the notification relay
     * turns into a notice to the holder) for every active grant that ends within {@code lead}, once
     * per end time: a grant extended after its notice gets another one for its new end.
     *
     * @param lead how long before its end a grant is announced, 1 second to 1 day
     * @param limit the most grants announced in one call (the earliest ends first), 1 to 10000
     * @return how many grants were announced
     * @throws StorageException if the database failed
     */
    public int announceEndingSoon(Duration lead, int limit) throws StorageException {
        if (lead == null
                || lead.compareTo(Duration.ofSeconds(1)) < 0
                || lead.compareTo(Duration.ofDays(1)) > 0) {
            throw new IllegalArgumentException("lead must be between 1 second and 1 day");
        }
        if (limit < 1 || limit > 10_000) {
            throw new IllegalArgumentException("limit must be between 1 and 10000");
        }
        record Due(UUID grant, UUID request, String user, String group, Instant endsAt) {}
        Instant now = now();
        return database.inTransaction(
                c -> {
                    List<Due> due = new ArrayList<>();
                    try (PreparedStatement ps =
                            c.prepareStatement(
                                    "SELECT grant_id, request_id, user_id, group_id, ends_at FROM"
                                            + " grants WHERE ended_at IS NULL AND ends_at > ? AND"
                                            + " ends_at <= ? AND (ending_soon_for IS NULL OR"
                                            + " ending_soon_for <> ends_at) ORDER BY ends_at"
                                            + " FETCH FIRST "
                                            + limit
                                            + " ROWS ONLY FOR UPDATE")) {
                        ps.setObject(1, utc(now));
                        ps.setObject(2, utc(now.plus(lead)));
                        try (ResultSet rs = ps.executeQuery()) {
                            while (rs.next()) {
                                due.add(
                                        new Due(
                                                rs.getObject(1, UUID.class),
                                                rs.getObject(2, UUID.class),
                                                rs.getString(3),
                                                rs.getString(4),
                                                instant(rs, 5)));
                            }
                        }
                    }
                    for (Due g : due) {
                        try (PreparedStatement ps =
                                c.prepareStatement(
                                        "UPDATE grants SET ending_soon_for = ? WHERE grant_id ="
                                                + " ?")) {
                            ps.setObject(1, utc(g.endsAt()));
                            ps.setObject(2, g.grant());
                            ps.executeUpdate();
                        }
                        audit.append(
                                c,
                                AuditEvent.of("grant.ending-soon", now, AuditEvent.SYSTEM)
                                        .withUser(g.user())
                                        .withGroup(g.group())
                                        .withRequest(g.request())
                                        .withDetail("endsAt", g.endsAt().toString()));
                    }
                    return due.size();
                });
    }

    /**
     * For the scheduler: the next instants at which something is due, up to {@code limit} of each
     * kind: approval time-outs, grant ends, and approved requests' starts.
     *
     * @throws StorageException if the database failed
     */
    public List<Deadline> deadlines(int limit) throws StorageException {
        if (limit < 1 || limit > 10_000) {
            throw new IllegalArgumentException("limit must be between 1 and 10000");
        }
        return database.inTransaction(
                c -> {
                    List<Deadline> out = new ArrayList<>();
                    deadlines(
                            c,
                            "SELECT request_id, timeout_at FROM access_requests WHERE state IN"
                                    + " ('PENDING_APPROVAL', 'APPROVED') AND timeout_at IS NOT NULL"
                                    + " ORDER BY timeout_at",
                            Deadline.Kind.TIME_OUT,
                            limit,
                            out);
                    deadlines(
                            c,
                            "SELECT request_id, ends_at FROM grants WHERE ended_at IS NULL ORDER"
                                    + " BY ends_at",
                            Deadline.Kind.EXPIRY,
                            limit,
                            out);
                    deadlines(
                            c,
                            "SELECT request_id, requested_start FROM access_requests WHERE state ="
                                    + " 'APPROVED' AND requested_start IS NOT NULL ORDER BY"
                                    + " requested_start",
                            Deadline.Kind.START,
                            limit,
                            out);
                    out.sort((a, b) -> a.at().compareTo(b.at()));
                    return out;
                });
    }

    /**
     * Something the scheduler must do at an instant.
     *
     * @param kind what: {@link RequestService#timeOut}, {@link RequestService#expire} or {@link
     *     RequestService#startIfDue}
     * @param request the request
     * @param at when
     */
    public record Deadline(Kind kind, RequestId request, Instant at) {
        /** What is due. */
        public enum Kind {
            /** {@link RequestService#timeOut}. */
            TIME_OUT,
            /** {@link RequestService#expire}. */
            EXPIRY,
            /** {@link RequestService#startIfDue}. */
            START
        }
    }

    /**
     * A request as {@code caller} may see it: its requester, the group's approvers and
     * administrators.
     *
     * @throws NotFoundException if there is no such request or {@code caller} may not see it
     * @throws DirectoryUnavailableException if approver or administrator groups cannot be resolved
     *     now
     * @throws StorageException if the database failed
     */
    public AccessRequest get(RequestId id, UserId caller)
            throws NotFoundException, DirectoryUnavailableException, StorageException {
        Optional<AccessRequest> r = database.inTransaction(c -> load(c, id, false));
        if (r.isEmpty()) {
            throw requestNotFound(id);
        }
        if (r.get().requester().equals(caller) || administrators.includes(caller, facts)) {
            return r.get();
        }
        Optional<ShadowGroup> g = database.inTransaction(c -> loadGroupAny(c, r.get().group()));
        if (g.isPresent() && isApprover(caller, g.get().policy())) {
            return r.get();
        }
        throw requestNotFound(id);
    }

    /**
     * The requests {@code requester} made, newest first, at most {@code limit}.
     *
     * @throws StorageException if the database failed
     */
    public List<AccessRequest> requestsOf(UserId requester, int limit) throws StorageException {
        return database.inTransaction(
                c -> {
                    List<AccessRequest> out = new ArrayList<>();
                    for (RequestId id :
                            ids(
                                    c,
                                    "SELECT request_id FROM access_requests WHERE requester = ?"
                                            + " ORDER BY created_at DESC FETCH FIRST "
                                            + Math.max(1, Math.min(limit, 1000))
                                            + " ROWS ONLY",
                                    requester.value())) {
                        out.add(load(c, id, false).orElseThrow());
                    }
                    return out;
                });
    }

    /**
     * Lists requests: the caller's own, or (administrators only) everybody's, filtered, ordered and
     * paged as {@code query} says.
     *
     * @throws AccessDeniedException if {@code query} asks for everybody's requests and {@code
     *     caller} is not an administrator
     * @throws DirectoryUnavailableException if administrator groups cannot be resolved now
     * @throws StorageException if the database failed
     */
    public RequestPage search(UserId caller, RequestQuery query)
            throws AccessDeniedException, DirectoryUnavailableException, StorageException {
        Objects.requireNonNull(caller, "caller");
        Objects.requireNonNull(query, "query");
        if (query.scope() == RequestQuery.Scope.ALL && !administrators.includes(caller, facts)) {
            throw new AccessDeniedException("only administrators list everybody's requests");
        }
        StringBuilder sql = new StringBuilder("SELECT request_id FROM access_requests WHERE 1 = 1");
        List<Object> params = new ArrayList<>();
        Optional<UserId> who =
                query.scope() == RequestQuery.Scope.MINE ? Optional.of(caller) : query.requester();
        if (who.isPresent()) {
            sql.append(" AND requester = ?");
            params.add(who.get().value());
        }
        if (!query.states().isEmpty()) {
            sql.append(" AND state IN (");
            sql.append(
                    String.join(", ", java.util.Collections.nCopies(query.states().size(), "?")));
            sql.append(")");
            query.states().stream().map(Enum::name).sorted().forEach(params::add);
        }
        if (query.group().isPresent()) {
            sql.append(" AND group_id = ?");
            params.add(query.group().get().value());
        }
        String cmp = query.newestFirst() ? "<" : ">";
        if (query.after().isPresent()) {
            RequestQuery.Cursor cursor = query.after().get();
            sql.append(" AND (created_at ")
                    .append(cmp)
                    .append(" ? OR (created_at = ? AND request_id ")
                    .append(cmp)
                    .append(" ?))");
            params.add(utc(cursor.createdAt()));
            params.add(utc(cursor.createdAt()));
            params.add(cursor.id().uuid());
        }
        String dir = query.newestFirst() ? " DESC" : " ASC";
        sql.append(" ORDER BY created_at").append(dir).append(", request_id").append(dir);
        sql.append(" FETCH FIRST ").append(query.limit() + 1).append(" ROWS ONLY");
        return database.inTransaction(
                c -> {
                    List<RequestId> ids = new ArrayList<>();
                    try (PreparedStatement ps = c.prepareStatement(sql.toString())) {
                        for (int i = 0; i < params.size(); i++) {
                            ps.setObject(i + 1, params.get(i));
                        }
                        try (ResultSet rs = ps.executeQuery()) {
                            while (rs.next()) {
                                ids.add(new RequestId(rs.getObject(1, UUID.class)));
                            }
                        }
                    }
                    boolean more = ids.size() > query.limit();
                    List<AccessRequest> items = new ArrayList<>();
                    for (RequestId id : more ? ids.subList(0, query.limit()) : ids) {
                        items.add(load(c, id, false).orElseThrow());
                    }
                    Optional<RequestQuery.Cursor> next =
                            more
                                    ? Optional.of(
                                            new RequestQuery.Cursor(
                                                    items.get(items.size() - 1).createdAt(),
                                                    items.get(items.size() - 1).id()))
                                    : Optional.empty();
                    return new RequestPage(items, next);
                });
    }

    /**
     * A shadow group as one caller sees it.
     *
     * @param group the group and its policy
     * @param eligible whether the caller may request it
     * @param approver whether the caller may approve its requests
     */
    public record GroupView(ShadowGroup group, boolean eligible, boolean approver) {}

    /**
     * The shadow groups {@code caller} may see: every group for an administrator, otherwise those
     * the caller may request or approve, by id.
     *
     * @throws DirectoryUnavailableException if group memberships cannot be resolved now
     * @throws StorageException if the database failed
     */
    public List<GroupView> visibleGroups(UserId caller)
            throws DirectoryUnavailableException, StorageException {
        boolean admin = administrators.includes(caller, facts);
        List<GroupView> out = new ArrayList<>();
        for (ShadowGroup g : database.inTransaction(ShadowGroupService::listAll)) {
            boolean eligible = isEligible(caller, g.policy());
            boolean approver = isApprover(caller, g.policy());
            if (admin || eligible || approver) {
                out.add(new GroupView(g, eligible, approver));
            }
        }
        return out;
    }

    /**
     * The pending requests {@code approver} may decide (never their own), oldest first.
     *
     * @throws DirectoryUnavailableException if approver groups cannot be resolved now
     * @throws StorageException if the database failed
     */
    public List<AccessRequest> pendingFor(UserId approver)
            throws DirectoryUnavailableException, StorageException {
        List<AccessRequest> pending =
                database.inTransaction(
                        c -> {
                            List<AccessRequest> out = new ArrayList<>();
                            for (RequestId id :
                                    ids(
                                            c,
                                            "SELECT request_id FROM access_requests WHERE state ="
                                                    + " 'PENDING_APPROVAL' AND requester <> ?"
                                                    + " ORDER BY created_at",
                                            approver.value())) {
                                out.add(load(c, id, false).orElseThrow());
                            }
                            return out;
                        });
        Map<ShadowGroupId, Boolean> mayDecide = new HashMap<>();
        List<AccessRequest> out = new ArrayList<>();
        for (AccessRequest r : pending) {
            Boolean may = mayDecide.get(r.group());
            if (may == null) {
                Optional<ShadowGroup> g = find(r.group());
                may = g.isPresent() && isApprover(approver, g.get().policy());
                mayDecide.put(r.group(), may);
            }
            if (may && !r.approvals().contains(approver)) {
                out.add(r);
            }
        }
        return out;
    }

    /**
     * What {@code user} holds now: the SIDs of their active grants and the earliest end. A grant
     * past its end counts as ended even before {@link #expire} has run. With an in-process database
     * the answer comes from a cache that every grant change invalidates when its transaction ends
     * ({@link GrantWindowCache}): a change whose call has returned is always seen.
     *
     * @throws StorageException if the database failed
     */
    public EffectiveWindow effectiveWindow(UserId user) throws StorageException {
        Instant now = clock.instant();
        Optional<EffectiveWindow> cached = windows.get(user, now);
        if (cached.isPresent()) {
            return cached.get();
        }
        long stamp = windows.stamp();
        List<GrantWindowCache.Row> rows =
                database.inTransaction(
                        c -> {
                            List<GrantWindowCache.Row> open = new ArrayList<>();
                            // grants that start later are read too: they count once started
                            try (PreparedStatement ps =
                                    c.prepareStatement(
                                            "SELECT principal_sid, started_at, ends_at FROM grants"
                                                    + " WHERE user_id = ? AND ended_at IS NULL"
                                                    + " AND ends_at > ?")) {
                                ps.setString(1, user.value());
                                ps.setObject(2, utc(now));
                                try (ResultSet rs = ps.executeQuery()) {
                                    while (rs.next()) {
                                        open.add(
                                                new GrantWindowCache.Row(
                                                        Sid.parse(rs.getString(1)),
                                                        instant(rs, 2),
                                                        instant(rs, 3)));
                                    }
                                }
                            }
                            return open;
                        });
        windows.put(user, stamp, now, rows);
        return GrantWindowCache.window(user, now, rows);
    }

    /**
     * Tells the scheduler that committed changes queued directory operations; returns {@code
     * value}.
     */
    private <T> T directoryChanged(T value) {
        try {
            scheduler.directoryChanged();
        } catch (RuntimeException e) {
            // committed; the periodic dispatch applies the queued operations
            LOG.warn("request.dispatch-hint-failed: {}", e.getClass().getSimpleName());
        }
        return value;
    }

    /** Tells the scheduler of {@code r}'s next deadline, if it has one; returns {@code r}. */
    private AccessRequest announce(AccessRequest r) {
        Optional<Deadline> next =
                switch (r.state()) {
                    case PENDING_APPROVAL ->
                            r.timeoutAt().map(t -> new Deadline(Deadline.Kind.TIME_OUT, r.id(), t));
                    case APPROVED ->
                            r.requestedStart()
                                    .filter(t -> t.isAfter(now()))
                                    .map(t -> new Deadline(Deadline.Kind.START, r.id(), t))
                                    .or(
                                            () ->
                                                    r.timeoutAt()
                                                            .map(
                                                                    t ->
                                                                            new Deadline(
                                                                                    Deadline.Kind
                                                                                            .TIME_OUT,
                                                                                    r.id(),
                                                                                    t)));
                    case ACTIVE ->
                            r.grant()
                                    .map(
                                            g ->
                                                    new Deadline(
                                                            Deadline.Kind.EXPIRY,
                                                            r.id(),
                                                            g.endsAt()));
                    default -> Optional.empty();
                };
        if (r.state() == RequestState.ACTIVE) {
            directoryChanged(r); // a grant started or was extended: its add is queued
        }
        if (next.isPresent()) {
            try {
                scheduler.schedule(next.get());
            } catch (RuntimeException e) {
                // the change is committed; the scheduler recovers deadlines from the database
                LOG.warn(
                        "request.schedule-failed: could not schedule {} ({}); it runs from the"
                                + " next deadlines() scan",
                        next.get(),
                        e.getClass().getSimpleName());
            }
        }
        return r;
    }

    // ------------------------------------------------------------------ rules

    private Duration checkRequest(ShadowGroup group, NewRequest ask, Instant now)
            throws InvalidInputException {
        ActivationPolicy p = group.policy();
        Duration duration = ask.duration().orElse(p.defaultDuration());
        if (duration.compareTo(ActivationPolicy.MIN_DURATION) < 0) {
            throw new InvalidInputException(
                    "duration " + duration + " is shorter than " + ActivationPolicy.MIN_DURATION);
        }
        if (duration.compareTo(p.maximumDuration()) > 0) {
            throw new InvalidInputException(
                    "duration "
                            + duration
                            + " exceeds the maximumDuration "
                            + p.maximumDuration()
                            + " of shadow group "
                            + group.id());
        }
        if (p.justificationRequired() && ask.justification().isBlank()) {
            throw new InvalidInputException(
                    "justification is required by shadow group " + group.id());
        }
        if (p.ticketRequired()) {
            if (ask.ticket().isEmpty()) {
                throw new InvalidInputException(
                        "ticket reference is required by shadow group " + group.id());
            }
            if (p.compiledTicketPattern().isPresent()
                    && !p.compiledTicketPattern().get().matcher(ask.ticket().get()).matches()) {
                throw new InvalidInputException(
                        "ticket reference does not match the ticketPattern "
                                + p.ticketPattern().get()
                                + " of shadow group "
                                + group.id());
            }
        }
        Instant start = now;
        if (ask.start().isPresent()) {
            start = ask.start().get();
            if (start.isBefore(now)) {
                throw new InvalidInputException("start must not be in the past");
            }
            if (start.isAfter(now.plus(MAX_START_DELAY))) {
                throw new InvalidInputException(
                        "start must be within " + MAX_START_DELAY + " from now");
            }
        }
        if (p.availability().isPresent() && !p.availability().get().contains(start)) {
            throw new InvalidInputException(
                    "shadow group "
                            + group.id()
                            + " can only be activated within its availability window "
                            + p.availability().get());
        }
        return duration;
    }

    private boolean isEligible(UserId user, ActivationPolicy p)
            throws DirectoryUnavailableException {
        if (p.eligibleUsers().contains(user)) {
            return true;
        }
        for (Sid group : p.eligibleGroups()) {
            if (facts.isMemberOf(user, group)) {
                return true;
            }
        }
        return false;
    }

    private boolean isApprover(UserId user, ActivationPolicy p)
            throws DirectoryUnavailableException {
        if (!p.approvalRequired()) {
            return false;
        }
        if (p.approverUsers().contains(user)) {
            return true;
        }
        for (Sid group : p.approverGroups()) {
            if (facts.isMemberOf(user, group)) {
                return true;
            }
        }
        return false;
    }

    private static boolean startsNow(AccessRequest r, ShadowGroup g, Instant now) {
        ActivationPolicy p = g.policy();
        return !p.mfaRequired()
                && (r.requestedStart().isEmpty() || !r.requestedStart().get().isAfter(now))
                && (p.availability().isEmpty() || p.availability().get().contains(now));
    }

    private static void checkActivation(AccessRequest r, ShadowGroup g, Instant now)
            throws ConflictException {
        requireState(r, RequestState.APPROVED);
        if (r.requestedStart().isPresent() && r.requestedStart().get().isAfter(now)) {
            throw new ConflictException(
                    "request " + r.id() + " starts at " + r.requestedStart().get());
        }
        if (g.policy().availability().isPresent()
                && !g.policy().availability().get().contains(now)) {
            throw new ConflictException(
                    "shadow group "
                            + g.id()
                            + " is outside its availability window "
                            + g.policy().availability().get());
        }
    }

    private static void requireState(AccessRequest r, RequestState expected)
            throws ConflictException {
        if (r.state() != expected) {
            throw new ConflictException(
                    "request " + r.id() + " is " + r.state() + ", not " + expected);
        }
    }

    private static String requireReason(String reason, String what) throws InvalidInputException {
        if (reason == null || reason.isBlank()) {
            throw new InvalidInputException("a reason is required for " + what);
        }
        if (reason.length() > NewRequest.MAX_JUSTIFICATION_LENGTH) {
            throw new InvalidInputException(
                    "reason must be at most "
                            + NewRequest.MAX_JUSTIFICATION_LENGTH
                            + " characters");
        }
        return reason.strip();
    }

    private static String truncate(String s) {
        return s.length() > NewRequest.MAX_JUSTIFICATION_LENGTH
                ? s.substring(0, NewRequest.MAX_JUSTIFICATION_LENGTH)
                : s;
    }

    // ------------------------------------------------------------ transitions

    private record Locked(AccessRequest request, ShadowGroup group) {}

    /** Locks a request that {@code approver} wants to decide and checks that they may. */
    private Locked lockForDecision(Connection c, RequestId id, UserId approver, Instant now)
            throws SQLException,
                    NotFoundException,
                    AccessDeniedException,
                    ConflictException,
                    DirectoryUnavailableException {
        AccessRequest r = load(c, id, true).orElseThrow(() -> requestNotFound(id));
        if (r.requester().equals(approver)) {
            throw new AccessDeniedException("nobody may approve or deny their own request");
        }
        ShadowGroup g = loadGroupAny(c, r.group()).orElseThrow(() -> requestNotFound(id));
        if (!isApprover(approver, g.policy())) {
            throw requestNotFound(id);
        }
        requireState(r, RequestState.PENDING_APPROVAL);
        if (!r.timeoutAt().orElseThrow().isAfter(now)) {
            throw new ConflictException(
                    "request " + id + " timed out at " + r.timeoutAt().orElseThrow());
        }
        return new Locked(r, g);
    }

    /** Locks a request of {@code requester}; anyone else gets "not found". */
    private static AccessRequest lockOwn(Connection c, RequestId id, UserId requester)
            throws SQLException, NotFoundException {
        AccessRequest r = load(c, id, true).orElseThrow(() -> requestNotFound(id));
        if (!r.requester().equals(requester)) {
            throw requestNotFound(id);
        }
        return r;
    }

    private static ShadowGroup requireGroup(Connection c, ShadowGroupId id)
            throws SQLException, ConflictException {
        return ShadowGroupService.find(c, id, false)
                .orElseThrow(() -> new ConflictException("shadow group " + id + " was deleted"));
    }

    /** Starts the grant; {@code actor} caused it (the requester, the last approver, or null). */
    private void activate(Connection c, AccessRequest r, ShadowGroup g, UserId actor, Instant now)
            throws SQLException {
        UUID grantId = UUID.randomUUID();
        Instant endsAt = now.plus(r.duration());
        GrantWindowCache.changing(database);
        try (PreparedStatement ps =
                c.prepareStatement(
                        "INSERT INTO grants (grant_id, request_id, user_id, group_id,"
                                + " principal_sid, started_at, ends_at, extensions_used)"
                                + " VALUES (?, ?, ?, ?, ?, ?, ?, 0)")) {
            ps.setObject(1, grantId);
            ps.setObject(2, r.id().uuid());
            ps.setString(3, r.requester().value());
            ps.setString(4, g.id().value());
            ps.setString(5, g.productionGroupSid().toString());
            ps.setObject(6, utc(now));
            ps.setObject(7, utc(endsAt));
            ps.executeUpdate();
        }
        try (PreparedStatement ps =
                c.prepareStatement(
                        "UPDATE access_requests SET state = 'ACTIVE', revision = revision + 1"
                                + " WHERE request_id = ?")) {
            ps.setObject(1, r.id().uuid());
            ps.executeUpdate();
        }
        DirectoryOutbox.enqueueAdd(c, grantId, r.requester(), g.productionGroupSid(), endsAt, now);
        audit.append(
                c,
                event("grant.started", now, actor, r.requester(), g, r.id())
                        .withDetail("grantId", grantId)
                        .withDetail("principalSid", g.productionGroupSid())
                        .withDetail("endsAt", endsAt)
                        .withDetail("mfa", g.policy().mfaRequired()));
    }

    private void endGrant(
            Connection c,
            AccessRequest r,
            RequestState end,
            UserId actor,
            String reason,
            Instant now)
            throws SQLException {
        Grant grant = r.grant().orElseThrow();
        GrantWindowCache.changing(database);
        try (PreparedStatement ps =
                c.prepareStatement(
                        "UPDATE grants SET ended_at = ?, end_reason = ?, ended_by = ?,"
                                + " end_comment = ? WHERE grant_id = ?")) {
            ps.setObject(1, utc(now));
            ps.setString(2, end.name());
            ps.setString(3, actor == null ? AuditEvent.SYSTEM : actor.value());
            ps.setString(4, reason);
            ps.setObject(5, grant.id());
            ps.executeUpdate();
        }
        try (PreparedStatement ps =
                c.prepareStatement(
                        "UPDATE access_requests SET state = ?, open_key = NULL,"
                                + " revision = revision + 1 WHERE request_id = ?")) {
            ps.setString(1, end.name());
            ps.setObject(2, r.id().uuid());
            ps.executeUpdate();
        }
        DirectoryOutbox.enqueueRemove(c, grant.id(), r.requester(), grant.principalSid(), now);
        String type =
                switch (end) {
                    case EXPIRED -> "grant.expired";
                    case REVOKED -> "grant.revoked";
                    case CLOSED -> "grant.closed";
                    default -> throw new IllegalArgumentException("not an end: " + end);
                };
        audit.append(
                c,
                event(type, now, actor, r, r.id())
                        .withDetail("grantId", grant.id())
                        .withDetail("principalSid", grant.principalSid())
                        .withDetail("startedAt", grant.startedAt())
                        .withDetail("endsAt", grant.endsAt())
                        .withDetail("reason", reason));
    }

    /**
     * When an approved request that was not activated times out: the approval time-out after the
     * later of now and its requested start.
     */
    private static Instant activationDeadline(
            Optional<Instant> requestedStart, Duration timeout, Instant now) {
        Instant from = requestedStart.filter(start -> start.isAfter(now)).orElse(now);
        return from.plus(timeout);
    }

    private static void setActivationDeadline(Connection c, RequestId id, Instant at)
            throws SQLException {
        try (PreparedStatement ps =
                c.prepareStatement(
                        "UPDATE access_requests SET timeout_at = ? WHERE request_id = ?")) {
            ps.setObject(1, utc(at));
            ps.setObject(2, id.uuid());
            ps.executeUpdate();
        }
    }

    private static void setState(
            Connection c,
            RequestId id,
            RequestState state,
            Instant now,
            UserId by,
            String reason,
            boolean closes)
            throws SQLException {
        try (PreparedStatement ps =
                c.prepareStatement(
                        "UPDATE access_requests SET state = ?, decided_at = ?, decided_by = ?,"
                                + " decision_reason = ?, revision = revision + 1"
                                + (closes ? ", open_key = NULL" : "")
                                + " WHERE request_id = ?")) {
            ps.setString(1, state.name());
            ps.setObject(2, utc(now));
            ps.setString(3, by == null ? AuditEvent.SYSTEM : by.value());
            ps.setString(4, reason);
            ps.setObject(5, id.uuid());
            ps.executeUpdate();
        }
    }

    private static void requireNoOpenRequest(Connection c, UserId user, ShadowGroupId group)
            throws SQLException, ConflictException {
        try (PreparedStatement ps =
                c.prepareStatement(
                        "SELECT request_id, state FROM access_requests WHERE open_key = ?")) {
            ps.setString(1, openKey(user, group));
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    RequestState state = RequestState.valueOf(rs.getString(2));
                    throw new ConflictException(
                            user
                                    + (state == RequestState.ACTIVE
                                            ? " holds shadow group " + group + " already"
                                            : " has a "
                                                    + state
                                                    + " request for shadow group "
                                                    + group)
                                    + " (request "
                                    + rs.getObject(1, UUID.class)
                                    + ")"
                                    + (state == RequestState.ACTIVE
                                            ? "; extend that grant instead"
                                            : ""));
                }
            }
        }
    }

    // ------------------------------------------------------------- storage

    private static Optional<AccessRequest> load(Connection c, RequestId id, boolean lock)
            throws SQLException {
        if (lock) {
            try (PreparedStatement ps =
                    c.prepareStatement(
                            "UPDATE access_requests SET revision = revision"
                                    + " WHERE request_id = ?")) {
                ps.setObject(1, id.uuid());
                ps.executeUpdate();
            }
        }
        AccessRequest partial;
        try (PreparedStatement ps =
                c.prepareStatement(
                        "SELECT group_id, requester, state, duration_seconds, justification,"
                                + " ticket, requested_start, created_at, timeout_at, decided_at,"
                                + " decided_by, decision_reason FROM access_requests"
                                + " WHERE request_id = ?")) {
            ps.setObject(1, id.uuid());
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                partial =
                        new AccessRequest(
                                id,
                                ShadowGroupId.of(rs.getString(1)),
                                UserId.of(rs.getString(2)),
                                RequestState.valueOf(rs.getString(3)),
                                Duration.ofSeconds(rs.getLong(4)),
                                rs.getString(5),
                                Optional.ofNullable(rs.getString(6)),
                                Optional.ofNullable(instant(rs, 7)),
                                instant(rs, 8),
                                Optional.ofNullable(instant(rs, 9)),
                                Set.of(),
                                Optional.ofNullable(instant(rs, 10)),
                                Optional.ofNullable(rs.getString(11)).map(UserId::of),
                                Optional.ofNullable(rs.getString(12)),
                                Optional.empty());
            }
        }
        Set<UserId> approvals = new TreeSet<>();
        try (PreparedStatement ps =
                c.prepareStatement("SELECT approver FROM request_approvals WHERE request_id = ?")) {
            ps.setObject(1, id.uuid());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    approvals.add(UserId.of(rs.getString(1)));
                }
            }
        }
        Optional<Grant> grant = Optional.empty();
        try (PreparedStatement ps =
                c.prepareStatement(
                        "SELECT grant_id, principal_sid, started_at, ends_at, ended_at,"
                                + " end_reason, extensions_used FROM grants WHERE request_id = ?")) {
            ps.setObject(1, id.uuid());
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    grant =
                            Optional.of(
                                    new Grant(
                                            rs.getObject(1, UUID.class),
                                            Sid.parse(rs.getString(2)),
                                            instant(rs, 3),
                                            instant(rs, 4),
                                            Optional.ofNullable(instant(rs, 5)),
                                            Optional.ofNullable(rs.getString(6))
                                                    .map(RequestState::valueOf),
                                            rs.getInt(7)));
                }
            }
        }
        return Optional.of(
                new AccessRequest(
                        partial.id(),
                        partial.group(),
                        partial.requester(),
                        partial.state(),
                        partial.duration(),
                        partial.justification(),
                        partial.ticket(),
                        partial.requestedStart(),
                        partial.createdAt(),
                        partial.timeoutAt(),
                        approvals,
                        partial.decidedAt(),
                        partial.decidedBy(),
                        partial.decisionReason(),
                        grant));
    }

    /** The live group (a group with open requests cannot be deleted). */
    private static Optional<ShadowGroup> loadGroupAny(Connection c, ShadowGroupId id)
            throws SQLException {
        return ShadowGroupService.find(c, id, false);
    }

    private Optional<ShadowGroup> find(ShadowGroupId id) throws StorageException {
        return database.inTransaction(c -> ShadowGroupService.find(c, id, false));
    }

    private List<RequestId> due(String sql) throws StorageException {
        Instant now = now();
        return database.inTransaction(
                c -> {
                    List<RequestId> ids = new ArrayList<>();
                    try (PreparedStatement ps = c.prepareStatement(sql)) {
                        ps.setObject(1, utc(now));
                        try (ResultSet rs = ps.executeQuery()) {
                            while (rs.next()) {
                                ids.add(new RequestId(rs.getObject(1, UUID.class)));
                            }
                        }
                    }
                    return ids;
                });
    }

    private static List<RequestId> ids(Connection c, String sql, String param) throws SQLException {
        List<RequestId> ids = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, param);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    ids.add(new RequestId(rs.getObject(1, UUID.class)));
                }
            }
        }
        return ids;
    }

    private static void deadlines(
            Connection c, String sql, Deadline.Kind kind, int limit, List<Deadline> out)
            throws SQLException {
        try (PreparedStatement ps =
                c.prepareStatement(sql + " FETCH FIRST " + limit + " ROWS ONLY")) {
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(
                            new Deadline(
                                    kind,
                                    new RequestId(rs.getObject(1, UUID.class)),
                                    instant(rs, 2)));
                }
            }
        }
    }

    private static Instant instant(ResultSet rs, int column) throws SQLException {
        OffsetDateTime t = rs.getObject(column, OffsetDateTime.class);
        return t == null ? null : t.toInstant();
    }

    private static OffsetDateTime utc(Instant instant) {
        return instant.atOffset(ZoneOffset.UTC);
    }

    private static String openKey(UserId user, ShadowGroupId group) {
        return group.value() + "|" + user.value();
    }

    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MICROS);
    }

    private static AuditEvent event(
            String type, Instant now, UserId actor, UserId subject, ShadowGroup g, RequestId id) {
        return AuditEvent.of(type, now, actor == null ? AuditEvent.SYSTEM : actor.value())
                .withUser(subject.value())
                .withGroup(g.id().value())
                .withRequest(id.uuid());
    }

    private static AuditEvent event(
            String type, Instant now, UserId actor, AccessRequest r, RequestId id) {
        return AuditEvent.of(type, now, actor == null ? AuditEvent.SYSTEM : actor.value())
                .withUser(r.requester().value())
                .withGroup(r.group().value())
                .withRequest(id.uuid());
    }

    private static NotFoundException requestNotFound(RequestId id) {
        return new NotFoundException("request " + id + " not found");
    }

    private static NotFoundException groupNotFound(ShadowGroupId id) {
        return new NotFoundException("no shadow group " + id + " that you may request");
    }

    // ------------------------------------------------- typed transactions

    private <T> T tx(SqlWork<T, BastionException> work)
            throws NotFoundException, ConflictException, StorageException {
        try {
            return database.inTransaction(work);
        } catch (NotFoundException | ConflictException | StorageException e) {
            throw e;
        } catch (BastionException e) {
            throw unexpected(e);
        }
    }

    private <T> T txOwn(SqlWork<T, BastionException> work)
            throws NotFoundException, ConflictException, StorageException {
        return tx(work);
    }

    private <T> T txExtend(SqlWork<T, BastionException> work)
            throws InvalidInputException, NotFoundException, ConflictException, StorageException {
        try {
            return database.inTransaction(work);
        } catch (InvalidInputException
                | NotFoundException
                | ConflictException
                | StorageException e) {
            throw e;
        } catch (BastionException e) {
            throw unexpected(e);
        }
    }

    private <T> T txDecision(SqlWork<T, BastionException> work)
            throws NotFoundException,
                    AccessDeniedException,
                    ConflictException,
                    DirectoryUnavailableException,
                    StorageException {
        try {
            return database.inTransaction(work);
        } catch (NotFoundException
                | AccessDeniedException
                | ConflictException
                | DirectoryUnavailableException
                | StorageException e) {
            throw e;
        } catch (BastionException e) {
            throw unexpected(e);
        }
    }

    private static IllegalStateException unexpected(BastionException e) {
        return new IllegalStateException("unexpected refusal " + e.errorId(), e);
    }
}
