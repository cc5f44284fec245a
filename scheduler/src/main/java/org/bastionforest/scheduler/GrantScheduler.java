package org.bastionforest.scheduler;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Pattern;
import org.bastionforest.shadowgroups.directory.MembershipDispatcher;
import org.bastionforest.shadowgroups.directory.MembershipDispatcher.DispatchResult;
import org.bastionforest.shadowgroups.directory.MembershipReconciler;
import org.bastionforest.shadowgroups.errors.StorageException;
import org.bastionforest.shadowgroups.notification.NotificationRelay;
import org.bastionforest.shadowgroups.request.ExpiryScheduler;
import org.bastionforest.shadowgroups.request.RequestId;
import org.bastionforest.shadowgroups.request.RequestService;
import org.bastionforest.shadowgroups.request.RequestService.Deadline;
import org.bastionforest.shadowgroups.storage.Database;
import org.bastionforest.shadowgroups.storage.Health;
import org.bastionforest.shadowgroups.storage.Vendor;
import org.quartz.JobDetail;
import org.quartz.JobKey;
import org.quartz.ObjectAlreadyExistsException;
import org.quartz.Scheduler;
import org.quartz.SchedulerConfigException;
import org.quartz.SchedulerException;
import org.quartz.SimpleScheduleBuilder;
import org.quartz.Trigger;
import org.quartz.TriggerBuilder;
import org.quartz.TriggerKey;
import org.quartz.core.QuartzScheduler;
import org.quartz.core.QuartzSchedulerResources;
import org.quartz.impl.DefaultThreadExecutor;
import org.quartz.impl.StdJobRunShellFactory;
import org.quartz.impl.StdScheduler;
import org.quartz.impl.jdbcjobstore.InvalidConfigurationException;
import org.quartz.impl.jdbcjobstore.JobStoreTX;
import org.quartz.impl.jdbcjobstore.PostgreSQLDelegate;
import org.quartz.impl.jdbcjobstore.StdJDBCDelegate;
import org.quartz.simpl.CascadingClassLoadHelper;
import org.quartz.simpl.SimpleThreadPool;
import org.quartz.spi.ClassLoadHelper;
import org.quartz.utils.DBConnectionManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes the deadlines of requests and grants happen on time (issue 5), on Quartz with its JDBC
 * JobStore ({@code JobStoreTX}) in the service's own database (tables {@code qrtz_*}, created by
 * migration 4.1). The database stays the source of truth: Quartz only decides <em>when</em> to call
 * the core's idempotent operations, which re-check the database.
 *
 * <ul>
 *   <li><b>Deadlines</b>: {@link #schedule(Deadline)} (the core's {@link ExpiryScheduler} port)
 *       stores one one-shot trigger per request and kind, keyed by the request id (group {@code
 *       deadline.EXPIRY}, {@code deadline.TIME_OUT} or {@code deadline.START}); announcing it again
 *       replaces it. Misfire policy "fire now". The job calls {@link RequestService#expire}, {@link
 *       RequestService#timeOut} or {@link RequestService#startIfDue} and then has the dispatcher
 *       apply the membership change at once.
 *   <li><b>Periodic jobs</b>: dispatch ({@link MembershipDispatcher#dispatchDue()}, retries with
 *       back-off live there), sweep ({@link RequestService#expireDue()}, {@link
 *       RequestService#timeOutDue()}, due starts: the safety net for a lost trigger), reconcile
 *       ({@link MembershipReconciler#reconcile()}) and sync ({@link SyncRunner}; nothing when
 *       {@link SyncRunner#NONE}). In a cluster each runs on one node at a time.
 *   <li><b>Start</b>: {@link #start()} ends every grant whose end is past and times out every due
 *       request, starts due grants, dispatches, reconciles once, schedules every future deadline
 *       from {@link RequestService#deadlines(int)} (whatever Quartz's tables hold), and only then
 *       starts Quartz, which fires what misfired while the service was down.
 * </ul>
 *
 * <pre>{@code
 * GrantScheduler scheduler = new GrantScheduler(db, requests, dispatcher, reconciler,
 *         SyncRunner.NONE, Clock.systemUTC(), GrantScheduler.Options.defaults());
 * // RequestService is built with the scheduler as its ExpiryScheduler:
 * //   new RequestService(db, audit, facts, mfa, admins, clock, scheduler)
 * scheduler.start();   // sweep, then Quartz
 * ...
 * scheduler.close();   // waits for running jobs
 * }</pre>
 *
 * <p>Since the core needs the scheduler to build {@link RequestService} and the scheduler needs the
 * service, construct the scheduler with {@link #GrantScheduler(Database, MembershipDispatcher,
 * MembershipReconciler, SyncRunner, Clock, Options)} and give it the service with {@link
 * #bind(RequestService)} before {@link #start()}.
 *
 * <p>Thread-safe. Mutable: it is bound, started and closed once.
 */
public final class GrantScheduler implements ExpiryScheduler, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(GrantScheduler.class);

    /** Quartz's scheduler name: the same on every node of a cluster ({@code sched_name}). */
    public static final String SCHEDULER_NAME = "bastion-forest";

    /** The most deadlines of each kind {@link #start()} reads and schedules. */
    public static final int STARTUP_DEADLINES = 10_000;

    /** How many start deadlines the periodic sweep reads (the earliest first). */
    static final int SWEEP_STARTS = 1_000;

    /** How long Quartz's scheduler thread sleeps when nothing is due soon. */
    static final Duration IDLE_WAIT = Duration.ofSeconds(2);

    static final String GROUP = "bastion";
    static final String DEADLINE_GROUP_PREFIX = "deadline.";
    static final String SLOT_GROUP = "expiry-slot";

    /** The length of an expiry slot: a grant ends at most this much after its end. */
    static final long SLOT_MILLIS = 250;

    static final JobKey DEADLINE_JOB = JobKey.jobKey("deadline", GROUP);
    static final JobKey DISPATCH_JOB = JobKey.jobKey("dispatch", GROUP);
    static final JobKey SWEEP_JOB = JobKey.jobKey("sweep", GROUP);
    static final JobKey RECONCILE_JOB = JobKey.jobKey("reconcile", GROUP);
    static final JobKey SYNC_JOB = JobKey.jobKey("sync", GROUP);
    static final JobKey NOTIFY_JOB = JobKey.jobKey("notify", GROUP);

    /** The most ending-soon notices one notification job records. */
    static final int ENDING_SOON_BATCH = 1_000;

    private final Database database;
    private final MembershipDispatcher dispatcher;
    private final MembershipReconciler reconciler;
    private final SyncRunner sync;
    private final Clock clock;
    private final Options options;
    private final Scheduler quartz;
    private final ExecutorService dispatchThread;
    private final AtomicBoolean dispatchQueued = new AtomicBoolean();
    private final AtomicReference<DispatchResult> lastDispatch = new AtomicReference<>();
    private final AtomicReference<RequestService> requests = new AtomicReference<>();
    private final AtomicBoolean started = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final AtomicBoolean expiryBatch = new AtomicBoolean();
    private final java.util.concurrent.ConcurrentMap<Long, Boolean> knownSlots =
            new java.util.concurrent.ConcurrentHashMap<>();
    private final AtomicReference<Notifications> notifications = new AtomicReference<>();

    /** What the notification job does: see {@link #notifyWith}. */
    private record Notifications(
            NotificationRelay relay, Optional<Duration> endingSoon, Duration every) {}

    /**
     * What the scheduler runs and how. Validated when constructed; a bad value fails at startup
     * with a message naming it.
     *
     * @param threadCount Quartz worker threads, 1 to 100: how many deadline jobs run at once
     * @param misfireThreshold how late a trigger may fire before Quartz treats it as misfired
     *     (deadlines are then fired at once), 1 s to 10 min
     * @param clustered whether several nodes share the database (PostgreSQL only)
     * @param checkinInterval how often a clustered node checks in; a node silent for about this
     *     long plus 2 s ({@link BastionJobStore#FAILOVER_GRACE}; Quartz's own is 7.5 s) is taken
     *     over. 1 s to 10 min
     * @param instanceId this node's id, unique in the cluster: 1 to 200 characters of letters,
     *     digits, {@code .}, {@code _} and {@code -}
     * @param dispatchInterval how often pending directory changes are applied, 100 ms to 1 h
     * @param sweepInterval how often due deadlines are swept up (lost triggers), 1 s to 1 h
     * @param reconcileInterval how often the directory is reconciled, 1 s to 1 day
     * @param syncInterval how often sync runs, 1 s to 1 day
     */
    public record Options(
            int threadCount,
            Duration misfireThreshold,
            boolean clustered,
            Duration checkinInterval,
            String instanceId,
            Duration dispatchInterval,
            Duration sweepInterval,
            Duration reconcileInterval,
            Duration syncInterval) {

        private static final Pattern INSTANCE_ID = Pattern.compile("[A-Za-z0-9._-]{1,200}");

        /**
         * Validates every field.
         *
         * @throws IllegalArgumentException naming the first invalid field
         */
        public Options {
            if (threadCount < 1 || threadCount > 100) {
                throw new IllegalArgumentException(
                        "threadCount must be between 1 and 100, was " + threadCount);
            }
            check(
                    "misfireThreshold",
                    misfireThreshold,
                    Duration.ofSeconds(1),
                    Duration.ofMinutes(10));
            check(
                    "checkinInterval",
                    checkinInterval,
                    Duration.ofSeconds(1),
                    Duration.ofMinutes(10));
            if (instanceId == null || !INSTANCE_ID.matcher(instanceId).matches()) {
                throw new IllegalArgumentException(
                        "instanceId must be 1 to 200 letters, digits, '.', '_' or '-', was "
                                + instanceId);
            }
            check(
                    "dispatchInterval",
                    dispatchInterval,
                    Duration.ofMillis(100),
                    Duration.ofHours(1));
            check("sweepInterval", sweepInterval, Duration.ofSeconds(1), Duration.ofHours(1));
            check(
                    "reconcileInterval",
                    reconcileInterval,
                    Duration.ofSeconds(1),
                    Duration.ofDays(1));
            check("syncInterval", syncInterval, Duration.ofSeconds(1), Duration.ofDays(1));
        }

        /**
         * 10 threads, misfire threshold 5 s, not clustered (check-in 5 s when it is), instance id
         * from the host name and process id, dispatch every second, sweep every 30 s, reconcile
         * every 10 minutes, sync every 15 minutes.
         */
        public static Options defaults() {
            return new Options(
                    10,
                    Duration.ofSeconds(5),
                    false,
                    Duration.ofSeconds(5),
                    defaultInstanceId(),
                    Duration.ofSeconds(1),
                    Duration.ofSeconds(30),
                    Duration.ofMinutes(10),
                    Duration.ofMinutes(15));
        }

        /** These options in cluster mode, with {@code instanceId} and {@code checkinInterval}. */
        public Options clustered(String instanceId, Duration checkinInterval) {
            return new Options(
                    threadCount,
                    misfireThreshold,
                    true,
                    checkinInterval,
                    instanceId,
                    dispatchInterval,
                    sweepInterval,
                    reconcileInterval,
                    syncInterval);
        }

        /** These options with other periodic intervals. */
        public Options withIntervals(
                Duration dispatchInterval,
                Duration sweepInterval,
                Duration reconcileInterval,
                Duration syncInterval) {
            return new Options(
                    threadCount,
                    misfireThreshold,
                    clustered,
                    checkinInterval,
                    instanceId,
                    dispatchInterval,
                    sweepInterval,
                    reconcileInterval,
                    syncInterval);
        }

        /** {@code <host>-<pid>}, cleaned to the allowed characters. */
        public static String defaultInstanceId() {
            String host;
            try {
                host = InetAddress.getLocalHost().getHostName();
            } catch (UnknownHostException e) {
                host = "node";
            }
            String id =
                    (host + "-" + ProcessHandle.current().pid()).replaceAll("[^A-Za-z0-9._-]", "_");
            return id.length() > 200 ? id.substring(id.length() - 200) : id;
        }

        static void check(String name, Duration value, Duration min, Duration max) {
            if (value == null || value.compareTo(min) < 0 || value.compareTo(max) > 0) {
                throw new IllegalArgumentException(
                        name + " must be between " + min + " and " + max + ", was " + value);
            }
        }
    }

    /**
     * What health checks show.
     *
     * @param running whether Quartz is started and not shut down
     * @param clustered whether this node runs in cluster mode
     * @param instanceId this node's id
     * @param directoryBacklog directory changes still pending after the last dispatch on this node
     *     (e.g. while the bastion directory is down); empty before the first dispatch
     * @param nextDirectoryAttempt when the earliest pending change is retried, if any
     */
    public record Status(
            boolean running,
            boolean clustered,
            String instanceId,
            Optional<Integer> directoryBacklog,
            Optional<Instant> nextDirectoryAttempt) {
        /** UP when running; the detail names the backlog. Never holds secrets. */
        public Health health() {
            String backlog = directoryBacklog.map(n -> n + " directory changes pending").orElse("");
            return running
                    ? Health.up("scheduler running" + (backlog.isEmpty() ? "" : ", " + backlog))
                    : Health.down("scheduler not running");
        }
    }

    /**
     * A scheduler for {@code requests}.
     *
     * @param database the service's database: Quartz's tables and connections
     * @param requests the lifecycle operations the deadline jobs call
     * @param dispatcher applies directory changes
     * @param reconciler finds standing privilege
     * @param sync the periodic sync, or {@link SyncRunner#NONE}
     * @param clock the time (the sweep; Quartz itself runs on the system clock)
     * @param options how to run
     * @throws IllegalArgumentException if cluster mode is asked on HSQLDB
     * @throws StorageException if Quartz cannot be set up
     */
    public GrantScheduler(
            Database database,
            RequestService requests,
            MembershipDispatcher dispatcher,
            MembershipReconciler reconciler,
            SyncRunner sync,
            Clock clock,
            Options options)
            throws StorageException {
        this(database, dispatcher, reconciler, sync, clock, options);
        bind(requests);
    }

    /**
     * A scheduler whose {@link RequestService} is given later with {@link #bind}, for a service
     * that is built with this scheduler as its {@link ExpiryScheduler}. Deadlines announced before
     * {@link #start()} are stored in Quartz's tables and run once started.
     *
     * @throws IllegalArgumentException if cluster mode is asked on HSQLDB
     * @throws StorageException if Quartz cannot be set up
     */
    public GrantScheduler(
            Database database,
            MembershipDispatcher dispatcher,
            MembershipReconciler reconciler,
            SyncRunner sync,
            Clock clock,
            Options options)
            throws StorageException {
        this.database = Objects.requireNonNull(database, "database");
        this.dispatcher = Objects.requireNonNull(dispatcher, "dispatcher");
        this.reconciler = Objects.requireNonNull(reconciler, "reconciler");
        this.sync = Objects.requireNonNull(sync, "sync");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.options = Objects.requireNonNull(options, "options");
        if (options.clustered() && database.vendor() != Vendor.POSTGRESQL) {
            throw new IllegalArgumentException(
                    "clustered: cluster mode needs a PostgreSQL database, not "
                            + database.vendor());
        }
        this.dispatchThread =
                Executors.newSingleThreadExecutor(
                        r -> {
                            Thread t = new Thread(r, "bastion-scheduler-dispatch");
                            t.setDaemon(true);
                            return t;
                        });
        Scheduler created = null;
        try {
            created = createQuartz();
            // stored now, so that deadlines announced before start() have their job
            created.addJob(BastionJobs.deadlineJob(DEADLINE_JOB), true);
        } catch (SchedulerException e) {
            dispatchThread.shutdownNow();
            if (created != null) {
                try {
                    created.shutdown(false);
                } catch (SchedulerException ignored) {
                    // the original failure is reported
                }
            }
            throw translate("setting up Quartz", e);
        }
        this.quartz = created;
    }

    /**
     * Gives the scheduler the service its deadline jobs call. Once only.
     *
     * @throws IllegalStateException if a service was bound already
     */
    public void bind(RequestService service) {
        Objects.requireNonNull(service, "service");
        if (!requests.compareAndSet(null, service)) {
            throw new IllegalStateException("a RequestService is bound already");
        }
    }

    /**
     * Has the scheduler send notifications: every {@code every}, on one node of the cluster, it
     * records "ending soon" events for grants that end within {@code endingSoon} (if given) and
     * then relays new audit events through {@code relay}. Call before {@link #start()}; once only.
     *
     * @throws IllegalStateException if called twice or after start
     * @throws IllegalArgumentException if {@code endingSoon} is outside 1 second to 1 day or {@code
     *     every} outside 100 ms to 1 hour
     */
    public void notifyWith(NotificationRelay relay, Optional<Duration> endingSoon, Duration every) {
        Objects.requireNonNull(relay, "relay");
        Objects.requireNonNull(endingSoon, "endingSoon");
        Options.check("every", every, Duration.ofMillis(100), Duration.ofHours(1));
        endingSoon.ifPresent(
                lead -> {
                    if (lead.compareTo(Duration.ofSeconds(1)) < 0
                            || lead.compareTo(Duration.ofDays(1)) > 0) {
                        throw new IllegalArgumentException(
                                "endingSoon must be between 1 second and 1 day, was " + lead);
                    }
                });
        if (started.get()) {
            throw new IllegalStateException("notifyWith must be called before start()");
        }
        if (!notifications.compareAndSet(null, new Notifications(relay, endingSoon, every))) {
            throw new IllegalStateException("notifications are set already");
        }
    }

    /**
     * Sweeps and starts: ends every grant whose end has passed, times out every due request, starts
     * due grants, applies the directory changes, reconciles once, schedules every future deadline,
     * and starts Quartz (which then fires triggers that misfired while the service was down). When
     * it returns, nothing overdue is left in the database.
     *
     * @throws IllegalStateException if no {@link RequestService} is bound, or started or closed
     *     before
     * @throws StorageException if the database failed; Quartz is not started then, and {@code
     *     start()} may be called again
     */
    public void start() throws StorageException {
        RequestService service = requests.get();
        if (service == null) {
            throw new IllegalStateException("bind a RequestService before start()");
        }
        if (closed.get() || !started.compareAndSet(false, true)) {
            throw new IllegalStateException("a GrantScheduler starts once");
        }
        try {
            storeJobs();
            Sweep swept = sweep(service, STARTUP_DEADLINES);
            dispatchNow();
            int standing = reconcileNow();
            dispatchNow();
            int scheduled = scheduleFuture(service);
            quartz.start();
            LOG.info(
                    "scheduler.started: instance {} ({}), startup sweep expired {}, timed out {},"
                            + " started {}; reconcile found {} standing memberships; {} deadlines"
                            + " scheduled",
                    options.instanceId(),
                    options.clustered() ? "clustered" : "single node",
                    swept.expired(),
                    swept.timedOut(),
                    swept.started(),
                    standing,
                    scheduled);
        } catch (SchedulerException e) {
            started.set(false);
            throw translate("starting Quartz", e);
        } catch (StorageException | RuntimeException e) {
            started.set(false);
            throw e;
        }
    }

    /** Queued directory operations are applied on this node's dispatch thread at once. */
    @Override
    public void directoryChanged() {
        requestDispatch();
    }

    /**
     * Schedules (or moves) {@code deadline}: one trigger per request and kind, replaced when
     * announced again. Never throws: a failure is logged and the sweep catches the deadline.
     */
    @Override
    public void schedule(Deadline deadline) {
        Objects.requireNonNull(deadline, "deadline");
        if (deadline.kind() == Deadline.Kind.EXPIRY) {
            scheduleSlot(deadline);
            return;
        }
        try {
            Trigger trigger = deadlineTrigger(deadline);
            if (quartz.rescheduleJob(trigger.getKey(), trigger) == null) {
                try {
                    quartz.scheduleJob(trigger);
                } catch (ObjectAlreadyExistsException raced) {
                    quartz.rescheduleJob(trigger.getKey(), trigger);
                }
            }
            LOG.debug(
                    "scheduler.scheduled: {} {} at {}",
                    deadline.kind(),
                    deadline.request(),
                    deadline.at());
        } catch (SchedulerException | RuntimeException e) {
            LOG.warn(
                    "scheduler.schedule-failed: {} of request {} at {} not scheduled ({}); the"
                            + " sweep ends it",
                    deadline.kind(),
                    deadline.request(),
                    deadline.at(),
                    e.getClass().getSimpleName());
        }
    }

    /**
     * Grant ends are grouped into {@value #SLOT_MILLIS} ms slots: one durable trigger per slot that
     * holds an end (not one per grant), fired at the slot's end, whose job ends every grant due in
     * one transaction. 10,000 grants ending within a minute are then 240 triggers, not 10,000, and
     * a grant ends at most one slot after its end. Extensions and early ends need no trigger
     * change: the job re-checks the database.
     */
    private void scheduleSlot(Deadline deadline) {
        long slot = slotOf(deadline.at());
        if (knownSlots.putIfAbsent(slot, Boolean.TRUE) != null) {
            return; // this node created it already
        }
        if (knownSlots.size() > 100_000) {
            long now = clock.millis();
            knownSlots.keySet().removeIf(t -> t < now - 60_000);
        }
        try {
            quartz.scheduleJob(slotTrigger(slot));
            LOG.debug("scheduler.scheduled: expiry slot {}", Instant.ofEpochMilli(slot));
        } catch (ObjectAlreadyExistsException exists) {
            // another node, or a restart, made it: one per slot is enough
        } catch (SchedulerException | RuntimeException e) {
            knownSlots.remove(slot);
            LOG.warn(
                    "scheduler.schedule-failed: expiry of request {} at {} not scheduled ({}); the"
                            + " sweep ends it",
                    deadline.request(),
                    deadline.at(),
                    e.getClass().getSimpleName());
        }
    }

    /** The end of the slot holding {@code t}: the next multiple of the slot length. */
    static long slotOf(Instant t) {
        long millis = ceilMillis(t);
        return ((millis + SLOT_MILLIS - 1) / SLOT_MILLIS) * SLOT_MILLIS;
    }

    static Trigger slotTrigger(long slot) {
        return TriggerBuilder.newTrigger()
                .withIdentity(slotKey(slot))
                .forJob(DEADLINE_JOB)
                .startAt(new Date(slot))
                .withSchedule(
                        SimpleScheduleBuilder.simpleSchedule()
                                .withMisfireHandlingInstructionFireNow())
                .build();
    }

    /** The trigger of the expiry slot ending at {@code slot} (epoch milliseconds). */
    static TriggerKey slotKey(long slot) {
        return TriggerKey.triggerKey(Long.toString(slot), SLOT_GROUP);
    }

    /**
     * The slot job: every grant due now, in transactions of {@link RequestService#EXPIRY_BATCH}.
     */
    void runExpirySlot() throws StorageException {
        RequestService service = boundService();
        int ended = 0;
        for (int attempt = 1; ; attempt++) {
            try {
                int batch;
                do {
                    batch = service.expireDue(RequestService.EXPIRY_BATCH);
                    ended += batch;
                    if (batch > 0) {
                        requestDispatch(); // the first removals go while the next batch ends
                    }
                } while (batch == RequestService.EXPIRY_BATCH);
                break;
            } catch (StorageException e) {
                if (attempt >= CONFLICT_RETRIES || !isConflict(e)) {
                    throw e;
                }
            }
        }
        LOG.debug("scheduler.slot: {} grants ended", ended);
    }

    /**
     * Has the sync job run once, soon, on one node of the cluster (for example right after the
     * first start, so that bastion accounts exist before the first grant). Never throws.
     */
    public void syncSoon() {
        try {
            quartz.triggerJob(SYNC_JOB);
        } catch (SchedulerException | RuntimeException e) {
            LOG.warn("scheduler.sync-trigger-failed: {}", e.getClass().getSimpleName());
        }
    }

    /** The scheduler's state, for health checks. */
    public Status status() {
        boolean running;
        try {
            running = started.get() && quartz.isStarted() && !quartz.isShutdown();
        } catch (SchedulerException e) {
            running = false;
        }
        DispatchResult last = lastDispatch.get();
        return new Status(
                running,
                options.clustered(),
                options.instanceId(),
                Optional.ofNullable(last).map(DispatchResult::pending),
                Optional.ofNullable(last).flatMap(DispatchResult::nextAttemptAt));
    }

    /** The options this scheduler runs with. */
    public Options options() {
        return options;
    }

    /**
     * Stops Quartz, waiting for running jobs to finish, and the dispatch thread. Idempotent; never
     * throws. Triggers stay in the database for the next start (or another node).
     */
    @Override
    public void close() {
        shutdown(true);
    }

    /**
     * Stops without waiting for running jobs (their triggers are recovered by another node, or at
     * the next start). For tests of node failure.
     */
    void halt() {
        shutdown(false);
    }

    private void shutdown(boolean waitForJobs) {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            quartz.shutdown(waitForJobs);
        } catch (SchedulerException | RuntimeException e) {
            LOG.warn("scheduler.stop-failed: {}", e.getClass().getSimpleName());
        }
        dispatchThread.shutdown();
        try {
            if (!dispatchThread.awaitTermination(waitForJobs ? 10 : 0, TimeUnit.SECONDS)) {
                dispatchThread.shutdownNow();
            }
        } catch (InterruptedException e) {
            dispatchThread.shutdownNow();
            Thread.currentThread().interrupt();
        }
        LOG.info("scheduler.stopped: instance {}", options.instanceId());
    }

    // ------------------------------------------------------------ the jobs' work

    /** How often a deadline is tried again at once after a serialization failure. */
    static final int CONFLICT_RETRIES = 5;

    /**
     * Runs the deadline of {@code kind} for {@code id} (a deadline job). A transaction that lost a
     * write conflict (SQLState 40001, 40P01: another job ended the same grant at the same moment)
     * is tried again at once, a few times, instead of waiting for the sweep.
     */
    void runDeadline(Deadline.Kind kind, RequestId id) throws StorageException {
        for (int attempt = 1; ; attempt++) {
            try {
                runDeadlineOnce(kind, id);
                return;
            } catch (StorageException e) {
                if (attempt >= CONFLICT_RETRIES || !isConflict(e)) {
                    throw e;
                }
                LOG.debug("scheduler.deadline-conflict: {} {} retried", kind, id);
            }
        }
    }

    /** Whether a storage failure is a lost write conflict, which a retry resolves. */
    static boolean isConflict(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof java.sql.SQLException sql
                    && sql.getSQLState() != null
                    && (sql.getSQLState().equals("40001") || sql.getSQLState().equals("40P01"))) {
                return true;
            }
        }
        return false;
    }

    private void runDeadlineOnce(Deadline.Kind kind, RequestId id) throws StorageException {
        RequestService service = boundService();
        boolean changed =
                switch (kind) {
                    // every grant due now, in one transaction: when many end together, the first
                    // job ends them all and the others find theirs done
                    case EXPIRY -> expireWithBatch(service, id);
                    case TIME_OUT -> service.timeOut(id);
                    case START -> service.startIfDue(id);
                };
        LOG.debug("scheduler.deadline: {} {} -> {}", kind, id, changed ? "done" : "nothing to do");
        if (changed && kind != Deadline.Kind.TIME_OUT) {
            requestDispatch();
        }
    }

    /**
     * Ends {@code id}; if no other thread of this node is doing so, first ends every grant due now
     * in one transaction (when many end together, one commit serves many). Only one batch runs at a
     * time per node: concurrent batches would queue on the same row locks.
     */
    private boolean expireWithBatch(RequestService service, RequestId id) throws StorageException {
        boolean batched = false;
        if (expiryBatch.compareAndSet(false, true)) {
            try {
                batched = service.expireDue(RequestService.EXPIRY_BATCH) > 0;
            } finally {
                expiryBatch.set(false);
            }
        }
        return service.expire(id) | batched;
    }

    /** The sweep job: everything overdue, then the dispatcher. */
    void runSweep() throws StorageException {
        Sweep swept = sweep(boundService(), SWEEP_STARTS);
        if (swept.expired() + swept.started() > 0) {
            LOG.info(
                    "scheduler.swept: {} expired, {} timed out, {} started late (missed"
                            + " triggers)",
                    swept.expired(),
                    swept.timedOut(),
                    swept.started());
        }
        requestDispatch();
    }

    /** The reconcile job. */
    void runReconcile() throws StorageException {
        reconcileNow();
        requestDispatch();
    }

    /** The notification job: ending-soon notices, then the relay; nothing if not configured. */
    void runNotify() throws StorageException {
        Notifications n = notifications.get();
        if (n == null) {
            return;
        }
        if (n.endingSoon().isPresent()) {
            int announced =
                    boundService().announceEndingSoon(n.endingSoon().get(), ENDING_SOON_BATCH);
            if (announced > 0) {
                LOG.debug("scheduler.ending-soon: {} grants announced", announced);
            }
        }
        n.relay().relayDue();
    }

    /** The sync job: nothing without a {@link SyncRunner}. */
    void runSync() throws Exception {
        if (sync == SyncRunner.NONE) {
            LOG.debug("scheduler.sync-skipped: no sync configured");
            return;
        }
        sync.runSync();
    }

    /**
     * Has the dispatcher run soon on this node's dispatch thread: at most one run and one queued
     * run at a time, so that many deadlines at once share dispatcher passes instead of contending.
     */
    void requestDispatch() {
        if (closed.get() || !dispatchQueued.compareAndSet(false, true)) {
            return;
        }
        try {
            dispatchThread.execute(
                    () -> {
                        dispatchQueued.set(false);
                        try {
                            dispatchNow();
                        } catch (StorageException | RuntimeException e) {
                            if (closed.get()) {
                                return; // stopping: the database may be closed already
                            }
                            LOG.warn(
                                    "scheduler.dispatch-failed: {} ({}); retried at the next"
                                            + " interval",
                                    e.getMessage(),
                                    e.getClass().getSimpleName());
                        }
                    });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            dispatchQueued.set(false);
        }
    }

    private void dispatchNow() throws StorageException {
        DispatchResult r = dispatcher.dispatchDue();
        lastDispatch.set(r);
        if (r.applied() + r.failed() > 0) {
            LOG.debug(
                    "scheduler.dispatched: {} applied, {} failed, {} pending",
                    r.applied(),
                    r.failed(),
                    r.pending());
        }
    }

    private int reconcileNow() throws StorageException {
        MembershipReconciler.ReconcileResult r = reconciler.reconcile();
        if (!r.standing().isEmpty() || !r.missing().isEmpty() || !r.unreachable().isEmpty()) {
            LOG.warn(
                    "scheduler.reconciled: standing privilege removed {}, missing re-added {},"
                            + " unreachable {}",
                    r.standing(),
                    r.missing(),
                    r.unreachable());
        }
        return r.standing().size();
    }

    private record Sweep(int expired, int timedOut, int started) {}

    /**
     * Ends, times out and starts what is overdue. Starts come from the earliest {@code startLimit}
     * start deadlines (the core has no "start what is due" query yet).
     */
    private Sweep sweep(RequestService service, int startLimit) throws StorageException {
        int expired = service.expireDue();
        int timedOut = service.timeOutDue();
        int startedLate = 0;
        Instant now = clock.instant();
        for (Deadline d : service.deadlines(startLimit)) {
            if (d.kind() == Deadline.Kind.START && !d.at().isAfter(now)) {
                if (service.startIfDue(d.request())) {
                    startedLate++;
                }
            }
        }
        return new Sweep(expired, timedOut, startedLate);
    }

    private int scheduleFuture(RequestService service) throws StorageException {
        Instant now = clock.instant();
        List<Deadline> deadlines = service.deadlines(STARTUP_DEADLINES);
        int n = 0;
        for (Deadline d : deadlines) {
            if (d.at().isAfter(now)) {
                schedule(d);
                n++;
            }
        }
        return n;
    }

    private RequestService boundService() {
        RequestService service = requests.get();
        if (service == null) {
            throw new IllegalStateException("no RequestService bound");
        }
        return service;
    }

    // ------------------------------------------------------------ Quartz

    private Scheduler createQuartz() throws SchedulerException {
        String dataSourceName = "bastion-" + UUID.randomUUID();
        // Quartz finds connection providers by name in a JVM-wide registry; the name is unique per
        // scheduler and the provider does not own the pool
        DBConnectionManager.getInstance()
                .addConnectionProvider(
                        dataSourceName, new DataSourceConnectionProvider(database.dataSource()));

        JobStoreTX store = new BastionJobStore();
        store.setDataSource(dataSourceName);
        store.setTablePrefix("QRTZ_");
        try {
            store.setDriverDelegateClass(
                    database.vendor() == Vendor.POSTGRESQL
                            ? PostgreSQLDelegate.class.getName()
                            : StdJDBCDelegate.class.getName());
        } catch (InvalidConfigurationException e) {
            throw new SchedulerConfigException("Quartz refused its JDBC delegate", e);
        }
        // job data as strings, never Java serialization
        store.setUseProperties("true");
        store.setIsClustered(options.clustered());
        store.setClusterCheckinInterval(options.checkinInterval().toMillis());
        store.setMisfireThreshold(options.misfireThreshold().toMillis());
        store.setAcquireTriggersWithinLock(true);
        store.setInstanceId(options.instanceId());
        store.setInstanceName(SCHEDULER_NAME);
        store.setThreadPoolSize(options.threadCount());

        SimpleThreadPool pool = new SimpleThreadPool(options.threadCount(), Thread.NORM_PRIORITY);
        pool.setThreadNamePrefix("bastion-scheduler-" + options.instanceId());
        pool.setInstanceName(SCHEDULER_NAME);
        pool.setInstanceId(options.instanceId());
        pool.initialize();

        // What DirectSchedulerFactory does, without its JVM-wide repository of schedulers by name
        // (every node of a cluster shares one name, and tests run several nodes in one JVM).
        QuartzSchedulerResources resources = new QuartzSchedulerResources();
        resources.setName(SCHEDULER_NAME);
        resources.setInstanceId(options.instanceId());
        resources.setThreadName(SCHEDULER_NAME + "-" + options.instanceId());
        StdJobRunShellFactory shells = new StdJobRunShellFactory();
        resources.setJobRunShellFactory(shells);
        resources.setThreadPool(pool);
        resources.setThreadExecutor(new DefaultThreadExecutor());
        resources.setJobStore(store);
        resources.setMaxBatchSize(options.threadCount());
        resources.setBatchTimeWindow(0);
        resources.setInterruptJobsOnShutdown(false);

        QuartzScheduler core =
                new QuartzScheduler(resources, IDLE_WAIT.toMillis(), store.getDbRetryInterval());
        ClassLoadHelper classes = new CascadingClassLoadHelper();
        classes.initialize();
        store.initialize(classes, core.getSchedulerSignaler());
        Scheduler scheduler = new StdScheduler(core);
        shells.initialize(scheduler);
        core.initialize();
        scheduler.setJobFactory(new BastionJobs.Factory(this));
        return scheduler;
    }

    /** The periodic jobs and their triggers, replaced so that changed intervals apply. */
    private void storeJobs() throws SchedulerException {
        periodic(BastionJobs.dispatchJob(DISPATCH_JOB), options.dispatchInterval());
        periodic(BastionJobs.sweepJob(SWEEP_JOB), options.sweepInterval());
        periodic(BastionJobs.reconcileJob(RECONCILE_JOB), options.reconcileInterval());
        periodic(BastionJobs.syncJob(SYNC_JOB), options.syncInterval());
        Notifications n = notifications.get();
        if (n != null) {
            periodic(BastionJobs.notifyJob(NOTIFY_JOB), n.every());
        } else {
            quartz.deleteJob(NOTIFY_JOB);
        }
    }

    private void periodic(JobDetail job, Duration every) throws SchedulerException {
        Trigger trigger =
                TriggerBuilder.newTrigger()
                        .withIdentity(job.getKey().getName(), GROUP + ".periodic")
                        .forJob(job)
                        .startAt(Date.from(clock.instant().plus(every)))
                        .withSchedule(
                                SimpleScheduleBuilder.simpleSchedule()
                                        .withIntervalInMilliseconds(every.toMillis())
                                        .repeatForever()
                                        // a missed run is not caught up: the next one does it all
                                        .withMisfireHandlingInstructionNextWithRemainingCount())
                        .build();
        quartz.scheduleJob(job, Set.of(trigger), true);
    }

    private static Trigger deadlineTrigger(Deadline deadline) {
        // Quartz counts milliseconds and may fire up to 2 ms early: round up, and the job waits
        // for the scheduled time before it acts
        long millis = ceilMillis(deadline.at());
        return TriggerBuilder.newTrigger()
                .withIdentity(deadlineKey(deadline.kind(), deadline.request()))
                .forJob(DEADLINE_JOB)
                .startAt(new Date(millis))
                .withSchedule(
                        SimpleScheduleBuilder.simpleSchedule()
                                .withMisfireHandlingInstructionFireNow())
                .build();
    }

    /** The trigger of {@code kind} for request {@code id}. */
    static TriggerKey deadlineKey(Deadline.Kind kind, RequestId id) {
        return TriggerKey.triggerKey(id.uuid().toString(), DEADLINE_GROUP_PREFIX + kind.name());
    }

    /** The deadline a trigger stands for, from its key. */
    static Optional<Deadline.Kind> kindOf(TriggerKey key) {
        String group = key.getGroup();
        if (!group.startsWith(DEADLINE_GROUP_PREFIX)) {
            return Optional.empty();
        }
        try {
            return Optional.of(
                    Deadline.Kind.valueOf(
                            group.substring(DEADLINE_GROUP_PREFIX.length())
                                    .toUpperCase(Locale.ROOT)));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    static long ceilMillis(Instant t) {
        long millis = t.toEpochMilli();
        return t.getNano() % 1_000_000 == 0 ? millis : millis + 1;
    }

    /**
     * The one adapter from Quartz's exceptions: they are nearly all job store (database) failures.
     */
    private static StorageException translate(String operation, SchedulerException e) {
        return new StorageException(
                "scheduler failed while " + operation + " (" + e.getClass().getSimpleName() + ")",
                e);
    }

    Scheduler quartz() {
        return quartz;
    }
}
