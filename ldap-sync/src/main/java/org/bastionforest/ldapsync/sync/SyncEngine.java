package org.bastionforest.ldapsync.sync;

import com.unboundid.ldap.sdk.DN;
import com.unboundid.ldap.sdk.Filter;
import com.unboundid.ldap.sdk.LDAPException;
import com.unboundid.ldap.sdk.LDAPInterface;
import com.unboundid.ldap.sdk.ResultCode;
import com.unboundid.ldap.sdk.SearchResultEntry;
import com.unboundid.ldap.sdk.SearchScope;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.locks.ReentrantLock;
import org.bastionforest.ldapsync.sync.SourceChange.Gone;
import org.bastionforest.ldapsync.sync.SourceChange.Unreadable;
import org.bastionforest.ldapsync.sync.SourceChange.Upsert;
import org.bastionforest.ldapsync.sync.ad.DirSyncSource;
import org.bastionforest.ldapsync.sync.ad.UsnSource;
import org.bastionforest.ldapsync.sync.generic.GenericSource;
import org.bastionforest.shadowgroups.audit.AuditEvent;
import org.bastionforest.shadowgroups.audit.AuditLog;
import org.bastionforest.shadowgroups.directory.AccountLifecycle;
import org.bastionforest.shadowgroups.errors.ConflictException;
import org.bastionforest.shadowgroups.errors.DirectoryUnavailableException;
import org.bastionforest.shadowgroups.errors.StorageException;
import org.bastionforest.shadowgroups.model.ObjectGuid;
import org.bastionforest.shadowgroups.model.Sid;
import org.bastionforest.shadowgroups.policy.UserId;
import org.bastionforest.shadowgroups.storage.Database;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Copies production users into the bastion directory as bastion accounts, and the managed
 * production groups as shadow principals; never writes the production directory. Production
 * memberships are not copied: in the bastion they exist only as grants.
 *
 * <p>A run reads the changes since the last checkpoint (the first run, or a run after the
 * configuration changed, reads everything), applies them in batches, and commits the checkpoint
 * after each batch. Deletions (tombstones, objects leaving the scope, or, after a full read,
 * bastion accounts no production user stands for) are kept in the database and applied at the end,
 * unless they exceed {@link SyncOptions#massDeleteShare()} of the bastion accounts or shadow
 * principals: then nothing is deleted and the run ends {@link SyncResult.Outcome#GUARD_TRIPPED}
 * ({@link #run(boolean)} with {@code true} lets them through once). A user that is deleted or
 * disabled in production loses its grants and open requests through {@link AccountLifecycle}.
 *
 * <p>Each run is recorded in {@code sync_runs} and as one audit event ({@code sync.completed},
 * {@code sync.failed} or {@code sync.guard-tripped}).
 *
 * <pre>{@code
 * SyncEngine sync = new SyncEngine(
 *         SyncOptions.activeDirectory(SourceKind.AD_DIRSYNC, new DN("DC=corp,DC=example")),
 *         production.pool(),
 *         new BastionTarget(bastion.pool(), bastion.usersContainer(), bastion.shadowPrincipalContainer(),
 *                 BastionTarget.EMBEDDED_PAGE_SIZE),
 *         database, audit, ManagedGroups.of(shadowGroups), requests::retireAccount, Clock.systemUTC());
 * SyncPlan plan = sync.dryRun();   // nothing written
 * SyncResult result = sync.run();
 * }</pre>
 *
 * <p>Thread-safe: runs (and dry runs) are serialized across the whole JVM; a call while another one
 * is under way fails at once with {@link ConflictException}.
 */
public final class SyncEngine {
    private static final Logger LOG = LoggerFactory.getLogger(SyncEngine.class);

    /** One run at a time in this JVM, whatever the engine instance. */
    private static final ReentrantLock RUNNING = new ReentrantLock();

    private final SyncOptions options;
    private final LDAPInterface production;
    private final BastionWriter bastion;
    private final Database database;
    private final AuditLog audit;
    private final ManagedGroups managedGroups;
    private final AccountLifecycle lifecycle;
    private final Clock clock;
    private final SyncStateStore state;
    private final ChangeSource source;
    private final ProductionMapper mapper;
    private final String sourceKey;

    /**
     * Values per {@code member;range=} request; 0 (the default): as the server likes. Tests set it
     * low, before the first run, to exercise ranged retrieval on small groups.
     */
    int rangeStep;

    /**
     * @param options what to read and how
     * @param production the production directory (only read)
     * @param bastion where bastion accounts and shadow principals are written
     * @param database where checkpoints and runs are kept
     * @param audit where each run is recorded
     * @param managedGroups the production groups that get shadow principals
     * @param lifecycle told when a user is deleted or disabled
     * @param clock the time
     */
    public SyncEngine(
            SyncOptions options,
            LDAPInterface production,
            BastionTarget bastion,
            Database database,
            AuditLog audit,
            ManagedGroups managedGroups,
            AccountLifecycle lifecycle,
            Clock clock) {
        this.options = Objects.requireNonNull(options, "options");
        this.production = Objects.requireNonNull(production, "production");
        this.bastion = new BastionWriter(Objects.requireNonNull(bastion, "bastion"));
        this.database = Objects.requireNonNull(database, "database");
        this.audit = Objects.requireNonNull(audit, "audit");
        this.managedGroups = Objects.requireNonNull(managedGroups, "managedGroups");
        this.lifecycle = Objects.requireNonNull(lifecycle, "lifecycle");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.state = new SyncStateStore(database);
        this.mapper = new ProductionMapper(options.mapping());
        this.source =
                switch (options.source()) {
                    case AD_DIRSYNC -> new DirSyncSource(options);
                    case AD_USN -> new UsnSource(options);
                    case GENERIC -> new GenericSource(options, options.contentSync());
                };
        this.sourceKey = sourceKey(options);
    }

    /**
     * The key of this configuration's checkpoint: the source kind and a digest of the user bases,
     * filter and anchor. Another configuration starts with a full read.
     */
    public String sourceKey() {
        return sourceKey;
    }

    /** Where the digest of the scope groups' members is kept. */
    private String scopeKey() {
        return sourceKey + "#scope";
    }

    /** Runs once; the mass-delete guard applies. */
    public SyncResult run() throws ConflictException, StorageException {
        return run(false);
    }

    /**
     * Runs once.
     *
     * @param allowMassDelete true to apply deletions above the guard's share (an operator who
     *     checked the plan); false normally
     * @return what happened, also recorded; a production or bastion failure is an outcome {@link
     *     SyncResult.Outcome#FAILED}, not an exception
     * @throws ConflictException if another run is under way in this JVM
     * @throws StorageException if the database failed (checkpoints already committed stay)
     */
    public SyncResult run(boolean allowMassDelete) throws ConflictException, StorageException {
        lock();
        try {
            Instant started = now();
            RunContext run = new RunContext(true);
            Execution done;
            try {
                done = execute(run, allowMassDelete);
            } catch (LDAPException e) {
                done = Execution.failed(describe(e));
            } catch (DirectoryUnavailableException e) {
                done = Execution.failed(e.getMessage());
            }
            return record(run, done, started);
        } finally {
            RUNNING.unlock();
        }
    }

    /**
     * Computes what {@link #run()} would do now, writing nothing (not the bastion directory, not
     * the checkpoint, not the lifecycle).
     *
     * @throws ConflictException if a run is under way in this JVM
     * @throws DirectoryUnavailableException if a directory failed
     * @throws StorageException if the database failed
     */
    public SyncPlan dryRun()
            throws ConflictException, DirectoryUnavailableException, StorageException {
        lock();
        try {
            RunContext run = new RunContext(false);
            Execution done;
            try {
                done = execute(run, false);
            } catch (LDAPException e) {
                throw new DirectoryUnavailableException("dry run: " + describe(e), e);
            }
            return new SyncPlan(
                    done.full, run.listed, run.counts(), done.guardTripped, done.message);
        } finally {
            RUNNING.unlock();
        }
    }

    /** The last {@code limit} runs (1 to 1000), newest first. */
    public List<SyncResult> recentRuns(int limit) throws StorageException {
        if (limit < 1 || limit > 1000) {
            throw new IllegalArgumentException("limit must be 1 to 1000");
        }
        return state.recent(limit);
    }

    /** Forgets the checkpoint: the next run reads everything (and finds deletions by diff). */
    public void resetCheckpoint() throws ConflictException, StorageException {
        lock();
        try {
            state.clear(sourceKey);
        } finally {
            RUNNING.unlock();
        }
    }

    private static void lock() throws ConflictException {
        if (!RUNNING.tryLock()) {
            throw new ConflictException("a sync is running already; try again when it is done");
        }
    }

    // ------------------------------------------------------------ the run

    private record Execution(
            boolean full,
            boolean guardTripped,
            boolean failed,
            int pending,
            Optional<String> checkpoint,
            String message) {
        static Execution failed(String message) {
            return new Execution(false, false, true, 0, Optional.empty(), message);
        }
    }

    private Execution execute(RunContext run, boolean allowMassDelete)
            throws LDAPException, DirectoryUnavailableException, StorageException {
        Set<Sid> managed = new HashSet<>(managedGroups.sids());
        managed.addAll(options.managedGroups());
        Optional<String> stored = state.checkpoint(sourceKey);
        if (stored.isPresent()) {
            Optional<Instant> lastFull = state.lastFullRun(sourceKey);
            if (lastFull.isEmpty()
                    || !lastFull.get().plus(options.fullSyncInterval()).isAfter(now())) {
                stored = Optional.empty(); // time for a full read
            }
        }
        Reading reading = new Reading(stored);
        Optional<String> scopeDigest = state.checkpoint(scopeKey());
        BastionWriter.withConnection(
                production,
                c -> {
                    if (!options.scopeGroups().isEmpty()) {
                        GroupExpansion.Members members =
                                new GroupExpansion(c, options, rangeStep)
                                        .expand(options.scopeGroups());
                        reading.scope = members.dns();
                        reading.scopeDigest = members.digest();
                        if (!scopeDigest.equals(Optional.of(members.digest()))) {
                            reading.checkpoint = Optional.empty(); // members changed: read all
                        }
                    }
                    read(c, run, reading);
                });

        // deletions of accounts: pending ones, and the diff when the whole scope was read
        Map<ObjectGuid, BastionWriter.Account> doomed = new LinkedHashMap<>();
        List<ObjectGuid> pending = new ArrayList<>(state.pending(sourceKey));
        pending.addAll(reading.dryGone);
        for (ObjectGuid anchor : pending) {
            Optional<BastionWriter.Account> account = bastion.findAccount(anchor);
            if (account.isPresent()) {
                doomed.put(anchor, account.get());
            } else if (run.write) {
                state.removePending(sourceKey, anchor); // gone already
            }
        }
        int[] total = {0};
        Set<ObjectGuid> inScope = reading.failed ? null : reading.inScope;
        // Every account is read when there is a diff to make, or deletions whose share of the
        // whole the guard must weigh; an incremental run with neither (the usual case) skips it,
        // which keeps it proportional to the changes rather than to the directory
        if (inScope != null || !doomed.isEmpty() || reading.full) {
            bastion.forEachAccount(
                    account -> {
                        total[0]++;
                        if (inScope != null && !inScope.contains(account.anchor())) {
                            doomed.putIfAbsent(account.anchor(), account);
                        }
                    });
        }

        // shadow principals: one per managed group found in production
        List<BastionWriter.Principal> principals = bastion.principals();
        Map<Sid, BastionWriter.Principal> bySid = new HashMap<>();
        principals.forEach(p -> bySid.putIfAbsent(p.sid(), p));
        Set<Sid> found = new HashSet<>();
        for (Sid sid : managed) {
            Optional<String> name = groupName(sid);
            if (name.isEmpty()) {
                LOG.warn("sync.group-missing: managed group {} not found in production", sid);
                continue;
            }
            found.add(sid);
            BastionWriter.Principal existing = bySid.get(sid);
            try {
                if (existing == null) {
                    bastion.addPrincipal(name.get(), sid, run);
                } else if (!existing.name().equals(name.get())) {
                    bastion.renamePrincipal(existing, name.get(), run);
                } else {
                    run.unchanged++;
                }
            } catch (LDAPException e) {
                run.failed("shadow principal " + sid + ": " + describe(e));
            }
        }
        List<BastionWriter.Principal> doomedPrincipals =
                principals.stream().filter(p -> !found.contains(p.sid())).toList();

        // the guard
        String guard = null;
        if (reading.full && reading.usersSeen == 0 && total[0] > 0) {
            guard = "production returned no user in scope, the bastion has " + total[0];
        } else if (doomed.size() > options.massDeleteShare() * total[0]) {
            guard =
                    doomed.size()
                            + " of "
                            + total[0]
                            + " bastion accounts would be deleted, more than "
                            + percent(options.massDeleteShare());
        } else if (doomedPrincipals.size() > options.massDeleteShare() * principals.size()) {
            guard =
                    doomedPrincipals.size()
                            + " of "
                            + principals.size()
                            + " shadow principals would be deleted, more than "
                            + percent(options.massDeleteShare());
        }
        boolean tripped = guard != null && !allowMassDelete;
        int pendingCount = doomed.size() + doomedPrincipals.size();
        boolean failed = reading.failed || run.failed > 0;
        // a dry run lists the deletions even when the guard would stop them, for review
        if ((!tripped || !run.write) && !reading.failed) {
            for (BastionWriter.Account account : doomed.values()) {
                try {
                    bastion.deleteAccount(account, run);
                    pendingCount--;
                    if (run.write) {
                        retire(
                                account.login(),
                                "deleted in production or left the sync scope",
                                run);
                        state.removePending(sourceKey, account.anchor());
                    }
                } catch (LDAPException e) {
                    run.failed("deleting " + account.dn() + ": " + describe(e));
                }
            }
            for (BastionWriter.Principal p : doomedPrincipals) {
                try {
                    bastion.deletePrincipal(p, run);
                    pendingCount--;
                } catch (LDAPException e) {
                    run.failed("deleting " + p.dn() + ": " + describe(e));
                }
            }
            failed = failed || run.failed > 0;
        }
        // the member set is settled only once its additions and deletions are all applied
        if (run.write && !failed && !tripped && reading.scopeDigest != null) {
            String digest = reading.scopeDigest;
            Instant now = now();
            database.inTransaction(
                    c -> {
                        SyncStateStore.saveCheckpoint(c, scopeKey(), digest, now);
                        return null;
                    });
        }
        String message;
        if (failed) {
            message =
                    (reading.failed ? "stopped at a failed batch (deletions postponed): " : "")
                            + Objects.requireNonNullElse(run.firstFailure, "objects failed");
        } else if (tripped) {
            message = "mass-delete guard: " + guard + "; nothing was deleted";
        } else {
            message = (reading.full ? "full" : "incremental") + " sync: " + summary(run);
        }
        return new Execution(
                reading.full,
                guard != null,
                failed,
                Math.max(0, pendingCount),
                reading.checkpoint,
                message);
    }

    /** What reading the production side found. Confined to the running thread. */
    private static final class Reading {
        boolean full;
        boolean failed;
        int usersSeen;
        Optional<String> checkpoint;
        Set<ObjectGuid> inScope;
        Set<String> scope; // normalized DNs of the scope groups' members, or null: everyone
        String scopeDigest;
        final List<ObjectGuid> dryGone = new ArrayList<>();

        Reading(Optional<String> stored) {
            this.checkpoint = stored;
        }
    }

    private void read(LDAPInterface connection, RunContext run, Reading reading)
            throws LDAPException {
        ChangeSource.Session session;
        try {
            session = source.open(connection, reading.checkpoint);
        } catch (DirectoryUnavailableException e) {
            throw new LDAPException(ResultCode.UNWILLING_TO_PERFORM, e.getMessage(), e);
        }
        reading.full = session.full();
        Set<ObjectGuid> seen = reading.full ? new HashSet<>() : null;
        for (Optional<ChangeSource.Batch> batch; (batch = session.next()).isPresent(); ) {
            List<SourceChange> changes = batch.get().changes();
            for (int from = 0; from < changes.size() || from == 0; from += options.batchSize()) {
                List<SourceChange> chunk =
                        changes.subList(from, Math.min(changes.size(), from + options.batchSize()));
                boolean last = from + options.batchSize() >= changes.size();
                if (!apply(
                        chunk,
                        last ? batch.get().checkpoint() : Optional.empty(),
                        run,
                        reading,
                        seen)) {
                    reading.failed = true;
                    return;
                }
            }
        }
        if (seen != null) {
            reading.inScope = seen;
        } else {
            reading.inScope = session.scopeAnchors().orElse(null);
        }
    }

    /** Applies one batch and commits its checkpoint; false if an object failed. */
    private boolean apply(
            List<SourceChange> changes,
            Optional<String> checkpoint,
            RunContext run,
            Reading reading,
            Set<ObjectGuid> seen)
            throws LDAPException {
        int failedBefore = run.failed;
        List<ObjectGuid> gone = new ArrayList<>();
        for (SourceChange reported : changes) {
            SourceChange change = scoped(reported, reading);
            if (change instanceof Upsert upsert) {
                ProductionUser user = upsert.user();
                reading.usersSeen++;
                if (seen != null) {
                    seen.add(user.anchor());
                }
                try {
                    BastionWriter.Upserted done = bastion.upsert(user, run);
                    if (run.write && done.before().isPresent()) {
                        BastionWriter.Account before = done.before().get();
                        if (before.enabled() && !user.enabled()) {
                            retire(user.login(), "disabled in the production directory", run);
                        }
                        if (!before.login().isEmpty()
                                && !before.login().equalsIgnoreCase(user.login())) {
                            retire(
                                    before.login(),
                                    "renamed in the production directory to " + user.login(),
                                    run);
                        }
                    }
                } catch (LDAPException e) {
                    run.failed(user.dn() + ": " + describe(e));
                } catch (StorageException e) {
                    run.failed(user.login() + ": revoking grants failed: " + e.getMessage());
                }
            } else if (change instanceof Gone g) {
                if (bastion.findAccount(g.anchor()).isPresent()) {
                    gone.add(g.anchor());
                }
            } else if (change instanceof Unreadable u) {
                run.failed(u.dn() + ": " + u.why());
            }
        }
        if (run.failed > failedBefore) {
            return false;
        }
        if (!run.write) {
            reading.dryGone.addAll(gone);
            checkpoint.ifPresent(cp -> reading.checkpoint = Optional.of(cp));
            return true;
        }
        if (gone.isEmpty() && checkpoint.isEmpty()) {
            return true;
        }
        Instant now = now();
        try {
            database.inTransaction(
                    c -> {
                        for (ObjectGuid anchor : gone) {
                            SyncStateStore.addPending(c, sourceKey, anchor, now);
                        }
                        if (checkpoint.isPresent()) {
                            SyncStateStore.saveCheckpoint(c, sourceKey, checkpoint.get(), now);
                        }
                        return null;
                    });
        } catch (StorageException e) {
            run.failed("committing the checkpoint: " + e.getMessage());
            return false;
        }
        checkpoint.ifPresent(cp -> reading.checkpoint = Optional.of(cp));
        return true;
    }

    /** A user outside the scope groups' members is gone from the sync's point of view. */
    private static SourceChange scoped(SourceChange change, Reading reading) {
        if (change instanceof Upsert upsert
                && reading.scope != null
                && !reading.scope.contains(upsert.user().dn().toNormalizedString())) {
            return new Gone(upsert.user().anchor(), "not a member of sync.scopeGroups");
        }
        return change;
    }

    private void retire(String login, String why, RunContext run) throws StorageException {
        if (login.isBlank()) {
            return;
        }
        run.revoked += lifecycle.retire(UserId.of(login), why);
    }

    /** The production group's name for a managed SID, if it exists in a group base. */
    private Optional<String> groupName(Sid sid) throws LDAPException {
        AttributeMapping m = options.mapping();
        Filter bySid =
                m.binaryGroupSid()
                        ? Filter.createEqualityFilter(m.groupSid(), sid.toBytes())
                        : Filter.createEqualityFilter(m.groupSid(), sid.toString());
        for (DN base : options.groupBases()) {
            SearchResultEntry e =
                    production.searchForEntry(
                            base.toString(),
                            SearchScope.SUB,
                            Filter.createANDFilter(options.groupFilter(), bySid),
                            m.groupName());
            if (e != null && e.getAttributeValue(m.groupName()) != null) {
                return Optional.of(e.getAttributeValue(m.groupName()));
            }
        }
        return Optional.empty();
    }

    // ------------------------------------------------------------ recording

    private SyncResult record(RunContext run, Execution done, Instant started)
            throws StorageException {
        Instant finished = now();
        SyncResult.Outcome outcome =
                done.failed
                        ? SyncResult.Outcome.FAILED
                        : done.guardTripped && run.deleted == 0
                                ? SyncResult.Outcome.GUARD_TRIPPED
                                : SyncResult.Outcome.COMPLETED;
        SyncResult result =
                new SyncResult(
                        UUID.randomUUID(),
                        outcome,
                        done.full,
                        started,
                        Duration.between(started, finished),
                        run.counts(),
                        done.pending,
                        done.checkpoint,
                        done.message);
        String type =
                switch (outcome) {
                    case COMPLETED -> "sync.completed";
                    case FAILED -> "sync.failed";
                    case GUARD_TRIPPED -> "sync.guard-tripped";
                };
        SyncResult.Counts n = result.counts();
        AuditEvent event =
                AuditEvent.of(type, finished, AuditEvent.SYSTEM)
                        .withDetail("runId", result.runId())
                        .withDetail("source", sourceKey)
                        .withDetail("full", result.full())
                        .withDetail("added", n.added())
                        .withDetail("updated", n.updated())
                        .withDetail("renamed", n.renamed())
                        .withDetail("deleted", n.deleted())
                        .withDetail("failed", n.failed())
                        .withDetail("revoked", n.revoked())
                        .withDetail("pendingDeletions", result.pendingDeletions())
                        .withDetail("durationMillis", result.duration().toMillis())
                        .withDetail("message", result.message());
        database.inTransaction(
                c -> {
                    SyncStateStore.recordRun(c, sourceKey, result);
                    audit.append(c, event);
                    return null;
                });
        if (outcome == SyncResult.Outcome.COMPLETED) {
            LOG.info("{}: {} in {} ms", type, result.message(), result.duration().toMillis());
        } else {
            LOG.warn("{}: {} in {} ms", type, result.message(), result.duration().toMillis());
        }
        return result;
    }

    private static String summary(RunContext run) {
        return run.added
                + " added, "
                + run.updated
                + " updated, "
                + run.renamed
                + " renamed, "
                + run.deleted
                + " deleted, "
                + run.unchanged
                + " unchanged, "
                + run.revoked
                + " requests or grants ended";
    }

    private static String percent(double share) {
        return Math.round(share * 1000) / 10.0 + " %";
    }

    /** A short, secret-free description of an LDAP failure. */
    static String describe(LDAPException e) {
        ResultCode rc = e.getResultCode();
        if (rc == ResultCode.CONNECT_ERROR || rc == ResultCode.SERVER_DOWN) {
            return "the directory could not be reached";
        }
        if (rc == ResultCode.INVALID_CREDENTIALS) {
            return "the bind was refused: invalid credentials";
        }
        if (e.getCause() instanceof DirectoryUnavailableException unsupported) {
            return unsupported.getMessage(); // e.g. no DirSync: what to configure instead
        }
        String diagnostic = e.getDiagnosticMessage();
        return "LDAP error "
                + rc.getName()
                + (diagnostic == null || diagnostic.isBlank() ? "" : " (" + diagnostic + ")");
    }

    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MICROS);
    }

    private static String sourceKey(SyncOptions options) {
        StringBuilder key = new StringBuilder();
        options.userBases().forEach(b -> key.append(b.toNormalizedString()).append(';'));
        key.append(options.userFilter().toNormalizedString()).append(';');
        key.append(options.mapping().anchor().toLowerCase(java.util.Locale.ROOT));
        try {
            byte[] digest =
                    MessageDigest.getInstance("SHA-256")
                            .digest(key.toString().getBytes(StandardCharsets.UTF_8));
            return options.source().name().toLowerCase(java.util.Locale.ROOT)
                    + ":"
                    + HexFormat.of().formatHex(digest, 0, 12);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
