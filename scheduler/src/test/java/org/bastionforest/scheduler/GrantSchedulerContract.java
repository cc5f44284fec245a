package org.bastionforest.scheduler;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.bastionforest.shadowgroups.errors.BastionException;
import org.bastionforest.shadowgroups.notification.Notification;
import org.bastionforest.shadowgroups.notification.NotificationRelay;
import org.bastionforest.shadowgroups.policy.UserId;
import org.bastionforest.shadowgroups.request.AccessRequest;
import org.bastionforest.shadowgroups.request.NewRequest;
import org.bastionforest.shadowgroups.request.RequestState;
import org.bastionforest.shadowgroups.storage.DatabaseOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the scheduler must do on every database the service supports, in real time with grants that
 * end seconds from now. Each test gets a fresh database from {@link #newDatabaseOptions()}.
 */
abstract class GrantSchedulerContract {
    private static final Logger LOG = LoggerFactory.getLogger(GrantSchedulerContract.class);

    /**
     * A membership must be gone within 1 s of its grant's end (p99, DESIGN.md invariant 2); the
     * tests allow 0.5 s more for a loaded 2-core build machine. Measured in the bench module, not
     * here.
     */
    static final Duration ON_TIME = Duration.ofMillis(1500);

    static final UserId ALICE = UserId.of("alice");
    static final UserId DAVE = UserId.of("dave");
    static final UserId ERIN = UserId.of("erin");
    static final UserId MALLORY = UserId.of("mallory");

    protected DatabaseOptions options;
    protected final RecordingDirectory directory = new RecordingDirectory();
    protected final List<Node> nodes = new ArrayList<>();

    /** Options for a new, empty database; the same database every time it is opened again. */
    protected abstract DatabaseOptions newDatabaseOptions() throws Exception;

    @BeforeEach
    void newDatabase() throws Exception {
        options = newDatabaseOptions();
    }

    @AfterEach
    void closeNodes() {
        for (Node node : nodes) {
            node.close();
        }
    }

    Node node(String instanceId) throws BastionException {
        return node(Node.options(instanceId), SyncRunner.NONE);
    }

    Node node(GrantScheduler.Options schedulerOptions, SyncRunner sync) throws BastionException {
        Node node = new Node(options, directory, schedulerOptions, sync);
        nodes.add(node);
        node.defineGroup();
        return node;
    }

    @Test
    void expire_whenGrantsEnd_thenMembershipsAreRemovedWithinOneSecondOfTheirEnds()
            throws Exception {
        Node node = node("a");
        node.scheduler.start();
        List<AccessRequest> grants =
                List.of(
                        node.grantEndingIn(ALICE, Duration.ofMillis(2500)),
                        node.grantEndingIn(DAVE, Duration.ofMillis(3000)),
                        node.grantEndingIn(ERIN, Duration.ofMillis(3000)));
        assertThat(
                        Node.await(
                                Duration.ofSeconds(2),
                                () ->
                                        grants.stream()
                                                .allMatch(
                                                        g ->
                                                                directory.isMember(
                                                                        g.requester(),
                                                                        Node.SQL_ADMINS))))
                .as("memberships added by the periodic dispatch")
                .isTrue();

        Node.await(
                Duration.ofSeconds(8),
                () ->
                        grants.stream()
                                .noneMatch(
                                        g -> directory.isMember(g.requester(), Node.SQL_ADMINS)));

        for (AccessRequest g : grants) {
            Instant end = node.endOf(g);
            Node.Row row = node.row(g.id());
            assertThat(row.state()).isEqualTo(RequestState.EXPIRED);
            assertThat(row.endedAt())
                    .hasValueSatisfying(t -> assertThat(t).isBetween(end, end.plus(ON_TIME)));
            Instant removed = directory.removedAt(g.requester(), Node.SQL_ADMINS).orElseThrow();
            LOG.info(
                    "removed {} ms after the grant's end",
                    Duration.between(end, removed).toMillis());
            assertThat(removed).isBetween(end, end.plus(ON_TIME));
            assertThat(directory.isMember(g.requester(), Node.SQL_ADMINS)).isFalse();
        }
    }

    @Test
    void expire_whenDirectoryIsDownAtTheEnd_thenExpiredAtTheEndAndRemovedAfterItComesBack()
            throws Exception {
        Node node = node("a");
        node.scheduler.start();
        AccessRequest g = node.grantEndingIn(ALICE, Duration.ofMillis(2500));
        Instant end = node.endOf(g);
        assertThat(
                        Node.await(
                                Duration.ofSeconds(2),
                                () -> directory.isMember(ALICE, Node.SQL_ADMINS)))
                .isTrue();
        directory.down(true);

        Thread.sleep(Math.max(0, Duration.between(Instant.now(), end.plus(ON_TIME)).toMillis()));

        Node.Row atEnd = node.row(g.id());
        assertThat(atEnd.state()).isEqualTo(RequestState.EXPIRED);
        assertThat(atEnd.endedAt())
                .hasValueSatisfying(t -> assertThat(t).isBetween(end, end.plus(ON_TIME)));
        assertThat(directory.isMember(ALICE, Node.SQL_ADMINS)).as("directory down").isTrue();
        assertThat(node.scheduler.status().directoryBacklog())
                .hasValueSatisfying(n -> assertThat(n).isPositive());

        Instant back = Instant.now();
        directory.down(false);

        assertThat(
                        Node.await(
                                Duration.ofSeconds(5),
                                () -> !directory.isMember(ALICE, Node.SQL_ADMINS)))
                .as("removed after the directory came back (dispatcher back-off at most 1 s)")
                .isTrue();
        assertThat(directory.removedAt(ALICE, Node.SQL_ADMINS).orElseThrow()).isAfter(back);
        Node.await(
                Duration.ofSeconds(2),
                () -> node.scheduler.status().directoryBacklog().equals(Optional.of(0)));
        assertThat(node.scheduler.status().directoryBacklog()).as("after that pass").hasValue(0);
    }

    @Test
    void start_whenGrantsEndedWhileStopped_thenTheStartupSweepEndsThemBeforeStartReturns()
            throws Exception {
        Node first = node("a");
        first.scheduler.start();
        AccessRequest ended = first.grantEndingIn(ALICE, Duration.ofMillis(1500));
        AccessRequest later = first.grantEndingIn(DAVE, Duration.ofSeconds(6));
        assertThat(
                        Node.await(
                                Duration.ofSeconds(1),
                                () ->
                                        directory.isMember(ALICE, Node.SQL_ADMINS)
                                                && directory.isMember(DAVE, Node.SQL_ADMINS)))
                .isTrue();
        first.close();
        nodes.remove(first);
        Thread.sleep(
                Math.max(0, Duration.between(Instant.now(), first.endOf(ended)).toMillis() + 500));
        assertThat(directory.isMember(ALICE, Node.SQL_ADMINS))
                .as("nobody ran while stopped")
                .isTrue();

        Node second = node("b");
        second.scheduler.start();

        assertThat(second.row(ended.id()).state()).isEqualTo(RequestState.EXPIRED);
        assertThat(directory.isMember(ALICE, Node.SQL_ADMINS)).as("removed by start()").isFalse();
        assertThat(second.row(later.id()).state()).isEqualTo(RequestState.ACTIVE);
        Instant end = second.endOf(later);
        Node.await(Duration.ofSeconds(8), () -> !directory.isMember(DAVE, Node.SQL_ADMINS));
        assertThat(directory.removedAt(DAVE, Node.SQL_ADMINS))
                .hasValueSatisfying(t -> assertThat(t).isBetween(end, end.plus(ON_TIME)));
    }

    /**
     * A grant that starts, and one revoked or closed early, has its directory change applied at
     * once, not at the next periodic dispatch: here the periodic dispatch runs once an hour.
     */
    @Test
    void dispatch_whenGrantsStartOrEndEarly_thenTheDirectoryFollowsWithoutThePeriodicDispatch()
            throws Exception {
        GrantScheduler.Options o = Node.options("a");
        Node node =
                node(
                        new GrantScheduler.Options(
                                o.threadCount(),
                                o.misfireThreshold(),
                                o.clustered(),
                                o.checkinInterval(),
                                o.instanceId(),
                                Duration.ofHours(1),
                                Duration.ofHours(1),
                                o.reconcileInterval(),
                                o.syncInterval()),
                        SyncRunner.NONE);
        node.scheduler.start();
        Thread.sleep(300); // the dispatch and sweep jobs' first runs, at start, are over

        AccessRequest alice = node.grantEndingIn(ALICE, Duration.ofSeconds(50));
        AccessRequest dave = node.grantEndingIn(DAVE, Duration.ofSeconds(50));
        assertThat(Node.await(ON_TIME, () -> directory.isMember(ALICE, Node.SQL_ADMINS)))
                .as("added without waiting for the hourly dispatch")
                .isTrue();
        assertThat(Node.await(ON_TIME, () -> directory.isMember(DAVE, Node.SQL_ADMINS))).isTrue();

        node.requests.revoke(alice.id(), Node.ROOT, "incident over");
        node.requests.close(dave.id(), DAVE, "done");
        assertThat(Node.await(ON_TIME, () -> !directory.isMember(ALICE, Node.SQL_ADMINS)))
                .as("revoked: removed without waiting for the hourly dispatch")
                .isTrue();
        assertThat(Node.await(ON_TIME, () -> !directory.isMember(DAVE, Node.SQL_ADMINS)))
                .as("closed: removed without waiting for the hourly dispatch")
                .isTrue();
    }

    @Test
    void schedule_whenGrantIsExtended_thenItsTriggerMovesToTheNewEnd() throws Exception {
        Node node = node("a");
        node.scheduler.start();
        AccessRequest g = node.grantEndingIn(ALICE, Duration.ofMillis(2500));
        Instant oldEnd = node.endOf(g);
        AccessRequest extended = node.requests.extend(g.id(), ALICE, Duration.ofSeconds(2));
        Instant newEnd = node.endOf(extended);

        assertThat(newEnd).isEqualTo(oldEnd.plusSeconds(2));
        assertThat(
                        node.count(
                                "SELECT COUNT(*) FROM qrtz_triggers WHERE trigger_group = '"
                                        + GrantScheduler.SLOT_GROUP
                                        + "' AND trigger_name = '"
                                        + GrantScheduler.slotOf(newEnd)
                                        + "'"))
                .as("the new end's expiry slot has its trigger")
                .isEqualTo(1);
        assertThat(
                        Node.await(
                                Duration.ofSeconds(2),
                                () -> directory.isMember(ALICE, Node.SQL_ADMINS)))
                .isTrue();
        Thread.sleep(Math.max(0, Duration.between(Instant.now(), oldEnd).toMillis() + 700));
        assertThat(directory.isMember(ALICE, Node.SQL_ADMINS))
                .as("still held after the old end")
                .isTrue();
        assertThat(node.row(g.id()).state()).isEqualTo(RequestState.ACTIVE);
        Node.await(Duration.ofSeconds(5), () -> !directory.isMember(ALICE, Node.SQL_ADMINS));
        assertThat(directory.removedAt(ALICE, Node.SQL_ADMINS))
                .hasValueSatisfying(t -> assertThat(t).isBetween(newEnd, newEnd.plus(ON_TIME)));
    }

    @Test
    void schedule_whenRequestStartsLater_thenTheGrantStartsAtItsStart() throws Exception {
        Node node = node("a");
        node.scheduler.start();
        Instant start = Instant.now().plusSeconds(2);

        AccessRequest r =
                node.requests.submit(
                        ALICE, NewRequest.of(Node.SQL, Node.GRANT, "later", null, start));

        assertThat(r.state()).isEqualTo(RequestState.APPROVED);
        Node.await(Duration.ofSeconds(5), () -> directory.isMember(ALICE, Node.SQL_ADMINS));
        assertThat(node.row(r.id()).state()).isEqualTo(RequestState.ACTIVE);
        assertThat(directory.addedAt(ALICE, Node.SQL_ADMINS))
                .hasValueSatisfying(t -> assertThat(t).isBetween(start, start.plus(ON_TIME)));
        Instant end = node.requests.get(r.id(), ALICE).grant().orElseThrow().endsAt();
        assertThat(
                        node.count(
                                "SELECT COUNT(*) FROM qrtz_triggers WHERE trigger_name = '"
                                        + GrantScheduler.slotOf(end)
                                        + "' AND trigger_group = '"
                                        + GrantScheduler.SLOT_GROUP
                                        + "'"))
                .as("the started grant's end is scheduled")
                .isEqualTo(1);
    }

    @Test
    void start_whenAMemberWasAddedByHand_thenReconcileRemovesAndReportsItBeforeStartReturns()
            throws Exception {
        Node node = node("a");
        directory.addByHand(MALLORY, Node.SQL_ADMINS);

        node.scheduler.start();

        assertThat(directory.isMember(MALLORY, Node.SQL_ADMINS)).isFalse();
        assertThat(
                        node.count(
                                "SELECT COUNT(*) FROM audit_events WHERE event_type ="
                                        + " 'directory.standing-privilege' AND subject_user ="
                                        + " 'mallory'"))
                .isEqualTo(1);
    }

    @Test
    void start_whenStarted_thenJobsAndDeadlinesLiveInQuartzJdbcTables() throws Exception {
        Node node = node("a");
        AccessRequest g = node.grantEndingIn(ALICE, Duration.ofSeconds(30));

        node.scheduler.start();

        assertThat(
                        node.count(
                                "SELECT COUNT(*) FROM qrtz_job_details WHERE sched_name = 'bastion-forest'"))
                .as("deadline, dispatch, sweep, reconcile, sync")
                .isEqualTo(5);
        long slot = GrantScheduler.slotOf(node.endOf(g));
        assertThat(slot)
                .isBetween(
                        GrantScheduler.ceilMillis(node.endOf(g)),
                        GrantScheduler.ceilMillis(node.endOf(g)) + GrantScheduler.SLOT_MILLIS - 1);
        assertThat(
                        node.count(
                                "SELECT COUNT(*) FROM qrtz_triggers WHERE trigger_group = '"
                                        + GrantScheduler.SLOT_GROUP
                                        + "' AND trigger_name = '"
                                        + slot
                                        + "' AND next_fire_time = "
                                        + slot))
                .isEqualTo(1);
        assertThat(node.scheduler.quartz().getTrigger(GrantScheduler.slotKey(slot))).isNotNull();
        assertThat(node.scheduler.status().running()).isTrue();
        assertThat(node.scheduler.status().health().isUp()).isTrue();
    }

    @Test
    void sync_whenARunnerIsGiven_thenItRunsEveryInterval() throws Exception {
        AtomicInteger runs = new AtomicInteger();
        Node node =
                node(
                        Node.options("a")
                                .withIntervals(
                                        Duration.ofMillis(500),
                                        Duration.ofSeconds(30),
                                        Duration.ofHours(1),
                                        Duration.ofSeconds(1)),
                        runs::incrementAndGet);

        node.scheduler.start();

        assertThat(Node.await(Duration.ofSeconds(5), () -> runs.get() >= 2)).isTrue();
    }

    @Test
    void notify_whenConfigured_thenGrantsEndingSoonAreAnnouncedAndRelayedOnce() throws Exception {
        List<Notification> sent = new java.util.concurrent.CopyOnWriteArrayList<>();
        Node node = node("a");
        node.scheduler.notifyWith(
                new NotificationRelay(node.db, node.audit, sent::add),
                Optional.of(Duration.ofDays(1)),
                Duration.ofMillis(300));
        node.scheduler.start();

        AccessRequest r = node.grantEndingIn(ALICE, Duration.ofSeconds(30));

        assertThat(
                        Node.await(
                                Duration.ofSeconds(10),
                                () ->
                                        sent.stream()
                                                .anyMatch(
                                                        n ->
                                                                n.kind()
                                                                        == Notification.Kind
                                                                                .GRANT_ENDING_SOON)))
                .isTrue();
        Thread.sleep(1_000); // several more notification runs
        List<Notification> soon =
                sent.stream().filter(n -> n.kind() == Notification.Kind.GRANT_ENDING_SOON).toList();
        assertThat(soon).hasSize(1);
        assertThat(soon.get(0).request()).isEqualTo(r.id());
        assertThat(soon.get(0).recipients()).containsExactly(ALICE);
        assertThat(sent).extracting(Notification::kind).contains(Notification.Kind.GRANT_STARTED);
    }
}
