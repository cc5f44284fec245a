package org.bastionforest.scheduler;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.bastionforest.shadowgroups.policy.UserId;
import org.bastionforest.shadowgroups.request.AccessRequest;
import org.bastionforest.shadowgroups.request.RequestState;
import org.bastionforest.shadowgroups.storage.DatabaseOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Two clustered nodes on one real PostgreSQL database, in this JVM (each with its own pool and
 * Quartz instance). Node A takes the grants and is stopped without waiting for its jobs; node B
 * ends them.
 */
class PostgresClusterIT {
    private static final Logger LOG = LoggerFactory.getLogger(PostgresClusterIT.class);
    private static final Duration CHECKIN = Duration.ofSeconds(2);

    /**
     * A silent node is taken over after its check-in interval plus the grace, seen at the next
     * check-in of the survivor; plus the usual margin.
     */
    private static final Duration TAKE_OVER =
            CHECKIN.multipliedBy(2)
                    .plus(BastionJobStore.FAILOVER_GRACE)
                    .plus(GrantSchedulerContract.ON_TIME);

    private final RecordingDirectory directory = new RecordingDirectory();
    private Node a;
    private Node b;

    @AfterEach
    void closeNodes() {
        if (a != null) {
            a.close();
        }
        if (b != null) {
            b.close();
        }
    }

    @Test
    void expire_whenTheNodeThatTookTheGrantsStops_thenTheOtherEndsThemOnTime() throws Exception {
        DatabaseOptions options = PostgresGrantSchedulerIT.fresh("scheduler_cluster_it");
        a = new Node(options, directory, Node.options("a").clustered("node-a", CHECKIN));
        b = new Node(options, directory, Node.options("b").clustered("node-b", CHECKIN));
        a.defineGroup();
        a.scheduler.start();
        b.scheduler.start();
        assertThat(
                        a.count(
                                "SELECT COUNT(*) FROM qrtz_scheduler_state WHERE sched_name ="
                                        + " 'bastion-forest'"))
                .isEqualTo(2);

        AccessRequest soon = a.grantEndingIn(UserId.of("u0"), Duration.ofMillis(1500));
        List<AccessRequest> later =
                List.of(
                        a.grantEndingIn(UserId.of("u1"), Duration.ofSeconds(4)),
                        a.grantEndingIn(UserId.of("u2"), Duration.ofSeconds(5)),
                        a.grantEndingIn(UserId.of("u3"), Duration.ofSeconds(6)));
        Node.await(
                Duration.ofSeconds(1),
                () ->
                        later.stream()
                                .allMatch(g -> directory.isMember(g.requester(), Node.SQL_ADMINS)));

        a.scheduler.halt();
        a.close();
        a = null;

        Node.await(
                TAKE_OVER.plusSeconds(8),
                () ->
                        !directory.isMember(soon.requester(), Node.SQL_ADMINS)
                                && later.stream()
                                        .noneMatch(
                                                g ->
                                                        directory.isMember(
                                                                g.requester(), Node.SQL_ADMINS)));
        for (AccessRequest g : later) {
            Instant end = b.endOf(g);
            assertThat(b.row(g.id()).state()).isEqualTo(RequestState.EXPIRED);
            assertThat(directory.removedAt(g.requester(), Node.SQL_ADMINS))
                    .as("ended on time by node B")
                    .hasValueSatisfying(
                            t ->
                                    assertThat(t)
                                            .isBetween(
                                                    end, end.plus(GrantSchedulerContract.ON_TIME)));
        }
        Instant end = b.endOf(soon);
        Instant removed = directory.removedAt(soon.requester(), Node.SQL_ADMINS).orElseThrow();
        LOG.info(
                "grant due while node A stopped was removed {} ms after its end",
                Duration.between(end, removed).toMillis());
        assertThat(b.row(soon.id()).state()).isEqualTo(RequestState.EXPIRED);
        assertThat(removed).isBetween(end, end.plus(TAKE_OVER));
    }
}
