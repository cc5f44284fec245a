package org.bastionforest.scheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import org.bastionforest.shadowgroups.errors.BastionException;
import org.bastionforest.shadowgroups.model.Sid;
import org.bastionforest.shadowgroups.policy.ActivationPolicy;
import org.bastionforest.shadowgroups.policy.ShadowGroup;
import org.bastionforest.shadowgroups.policy.ShadowGroupId;
import org.bastionforest.shadowgroups.policy.UserId;
import org.bastionforest.shadowgroups.request.AccessRequest;
import org.bastionforest.shadowgroups.request.NewRequest;
import org.bastionforest.shadowgroups.request.RequestState;
import org.bastionforest.shadowgroups.storage.DatabaseOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The scheduler contract on an embedded HSQLDB file database, as the service runs by default. */
class HsqldbGrantSchedulerTest extends GrantSchedulerContract {
    @TempDir Path dataDir;

    @Override
    protected DatabaseOptions newDatabaseOptions() {
        return DatabaseOptions.embedded(dataDir);
    }

    @Test
    void expire_whenTheTriggerWasLost_thenTheSweepEndsTheGrantWithinItsInterval() throws Exception {
        Duration sweep = Duration.ofSeconds(1);
        Node node =
                node(
                        Node.options("a")
                                .withIntervals(
                                        Duration.ofMillis(500),
                                        sweep,
                                        Duration.ofHours(1),
                                        Duration.ofHours(1)),
                        SyncRunner.NONE);
        node.scheduler.start();
        AccessRequest g = node.grantEndingIn(ALICE, Duration.ofMillis(1500));
        Instant end = node.endOf(g);
        assertThat(
                        node.scheduler
                                .quartz()
                                .unscheduleJob(GrantScheduler.slotKey(GrantScheduler.slotOf(end))))
                .isTrue();
        assertThat(
                        Node.await(
                                Duration.ofSeconds(2),
                                () -> directory.isMember(ALICE, Node.SQL_ADMINS)))
                .isTrue();

        Node.await(Duration.ofSeconds(6), () -> !directory.isMember(ALICE, Node.SQL_ADMINS));

        assertThat(node.row(g.id()).state()).isEqualTo(RequestState.EXPIRED);
        assertThat(directory.removedAt(ALICE, Node.SQL_ADMINS))
                .hasValueSatisfying(
                        t -> assertThat(t).isBetween(end, end.plus(sweep).plus(ON_TIME)));
    }

    @Test
    void timeOut_whenNobodyApprovesInTime_thenTheRequestTimesOutAtItsTimeOut() throws Exception {
        Node node = node("a");
        node.scheduler.start();
        ShadowGroupId dba = ShadowGroupId.of("dba");
        Duration timeout = Duration.ofMinutes(5);
        node.groups.create(
                Node.ROOT,
                ShadowGroup.of(
                        dba,
                        "DBA",
                        "Database administrators",
                        "CN=DBA,OU=Groups,DC=corp,DC=example",
                        Sid.of(Node.DOMAIN, 1300),
                        ActivationPolicy.builder()
                                .eligibleGroups(Set.of(Node.ELIGIBLE))
                                .defaultDuration(Node.GRANT)
                                .maximumDuration(Duration.ofHours(1))
                                .approval(Set.of(UserId.of("bob")), Set.of(), 1)
                                .approvalTimeout(timeout)
                                .noTicket()
                                .build()));
        // asked as if 5 minutes minus 2 seconds ago: its time-out is 2 s from now
        node.clock.shift(Duration.ofSeconds(2).minus(timeout));
        AccessRequest r;
        try {
            r = node.requests.submit(ALICE, NewRequest.of(dba, Node.GRANT, "please", null, null));
        } finally {
            node.clock.shift(Duration.ZERO);
        }
        Instant timeoutAt = r.timeoutAt().orElseThrow();
        assertThat(r.state()).isEqualTo(RequestState.PENDING_APPROVAL);

        Node.await(
                Duration.ofSeconds(5),
                () -> {
                    try {
                        return node.row(r.id()).state() == RequestState.TIMED_OUT;
                    } catch (BastionException e) {
                        return false;
                    }
                });

        assertThat(node.row(r.id()).state()).isEqualTo(RequestState.TIMED_OUT);
        Instant timedOutAt =
                node.db.inTransaction(
                        c -> {
                            try (var ps =
                                    c.prepareStatement(
                                            "SELECT occurred_at FROM audit_events WHERE"
                                                    + " event_type = 'request.timed-out' AND"
                                                    + " request_id = ?")) {
                                ps.setObject(1, r.id().uuid());
                                try (var rs = ps.executeQuery()) {
                                    rs.next();
                                    return rs.getObject(1, java.time.OffsetDateTime.class)
                                            .toInstant();
                                }
                            }
                        });
        assertThat(timedOutAt).isBetween(timeoutAt, timeoutAt.plus(ON_TIME));
    }

    @Test
    void constructor_whenClusteredOnHsqldb_thenRefusedNamingTheSetting() {
        assertThatThrownBy(
                        () ->
                                new Node(
                                        options,
                                        directory,
                                        Node.options("a").clustered("a", Duration.ofSeconds(5))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("clustered");
    }
}
