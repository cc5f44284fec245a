package org.bastionforest.shadowgroups.directory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.bastionforest.shadowgroups.testing.Core.ALICE;
import static org.bastionforest.shadowgroups.testing.Core.SQL;
import static org.bastionforest.shadowgroups.testing.Core.SQL_ADMINS;
import static org.bastionforest.shadowgroups.testing.Core.T0;
import static org.bastionforest.shadowgroups.testing.Core.basePolicy;

import java.time.Duration;
import java.util.List;
import org.bastionforest.shadowgroups.audit.AuditQuery;
import org.bastionforest.shadowgroups.directory.MembershipDispatcher.DispatchResult;
import org.bastionforest.shadowgroups.request.AccessRequest;
import org.bastionforest.shadowgroups.request.NewRequest;
import org.bastionforest.shadowgroups.storage.DatabaseOptions;
import org.bastionforest.shadowgroups.testing.Core;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The membership outbox and its dispatcher, on one database vendor. */
abstract class MembershipDispatcherContract {
    protected Core core;

    protected abstract DatabaseOptions newDatabaseOptions();

    @BeforeEach
    void openCore() throws Exception {
        core = new Core(newDatabaseOptions());
        core.defineSql(basePolicy().build());
    }

    @AfterEach
    void closeCore() {
        if (core != null) {
            core.close();
        }
    }

    @Test
    void dispatchDue_whenAGrantStarts_thenTheMemberIsAddedUntilTheGrantEndAndAudited()
            throws Exception {
        core.requests.submit(ALICE, NewRequest.of(SQL, "x"));

        DispatchResult r = core.dispatcher.dispatchDue();

        assertThat(r.applied()).isEqualTo(1);
        assertThat(r.pending()).isZero();
        assertThat(core.directory.until(ALICE, SQL_ADMINS)).isEqualTo(T0.plus(Duration.ofHours(1)));
        assertThat(types()).endsWith("grant.started", "directory.member-added");
        assertThat(core.dispatcher.dispatchDue().applied()).isZero();
    }

    @Test
    void dispatchDue_whenTheDirectoryIsDown_thenNothingIsMarkedDoneAndItIsRetriedWithBackoff()
            throws Exception {
        AccessRequest req = core.requests.submit(ALICE, NewRequest.of(SQL, "x"));
        core.directory.down(true);

        DispatchResult failed = core.dispatcher.dispatchDue();

        assertThat(failed.applied()).isZero();
        assertThat(failed.failed()).isEqualTo(1);
        assertThat(failed.pending()).isEqualTo(1);
        assertThat(failed.nextAttemptAt()).contains(T0.plusSeconds(1));
        assertThat(types()).doesNotContain("directory.member-added");
        // not due yet: the directory is not even asked
        int calls = core.directory.calls();
        assertThat(core.dispatcher.dispatchDue().failed()).isZero();
        assertThat(core.directory.calls()).isEqualTo(calls);
        // the second failure doubles the delay
        core.clock.advance(Duration.ofSeconds(1));
        assertThat(core.dispatcher.dispatchDue().nextAttemptAt())
                .contains(T0.plusSeconds(1).plusSeconds(2));

        core.directory.down(false);
        core.clock.advance(Duration.ofSeconds(2));
        core.requests.close(req.id(), ALICE, "");
        DispatchResult recovered = core.dispatcher.dispatchDue();

        // the add and then the remove, in order
        assertThat(recovered.applied()).isEqualTo(2);
        assertThat(core.directory.members(SQL_ADMINS)).isEmpty();
        assertThat(types()).endsWith("directory.member-added", "directory.member-removed");
    }

    @Test
    void dispatchDue_whenAnAddFailsAndTheRemoveIsQueuedBehindIt_thenTheRemoveWaitsForTheAdd()
            throws Exception {
        AccessRequest req = core.requests.submit(ALICE, NewRequest.of(SQL, "x"));
        core.requests.close(req.id(), ALICE, "");
        core.directory.down(true);

        DispatchResult r = core.dispatcher.dispatchDue();

        // only the add was tried: the remove never overtakes it
        assertThat(r.failed()).isEqualTo(1);
        assertThat(r.pending()).isEqualTo(2);
        assertThat(core.directory.calls()).isEqualTo(1);
    }

    @Test
    void dispatchDue_whenTwoDispatchersRunAtOnce_thenEachOperationIsAppliedOnce() throws Exception {
        AccessRequest req = core.requests.submit(ALICE, NewRequest.of(SQL, "x"));
        core.requests.close(req.id(), ALICE, "");
        MembershipDispatcher other =
                new MembershipDispatcher(
                        core.db,
                        core.directory,
                        core.audit,
                        core.clock,
                        MembershipDispatcher.Options.defaults());

        java.util.concurrent.ExecutorService pool =
                java.util.concurrent.Executors.newFixedThreadPool(2);
        try {
            var a = pool.submit(() -> core.dispatcher.dispatchDue());
            var b = pool.submit(() -> other.dispatchDue());
            a.get(60, java.util.concurrent.TimeUnit.SECONDS);
            b.get(60, java.util.concurrent.TimeUnit.SECONDS);
        } finally {
            pool.shutdownNow();
        }
        core.dispatcher.dispatchDue();

        assertThat(types().stream().filter(t -> t.startsWith("directory.member-")))
                .containsExactly("directory.member-added", "directory.member-removed");
        assertThat(core.directory.members(SQL_ADMINS)).isEmpty();
    }

    @Test
    void reconcile_whenAMemberHasNoGrant_thenReportedAsStandingPrivilegeAndRemoved()
            throws Exception {
        core.directory.addMember(Core.MALLORY, SQL_ADMINS, T0.plus(Duration.ofDays(365)));
        MembershipReconciler reconciler =
                new MembershipReconciler(core.db, core.directory, core.audit, core.clock);

        MembershipReconciler.ReconcileResult r = reconciler.reconcile();
        core.dispatcher.dispatchDue();

        assertThat(r.standing()).containsExactly("mallory|" + SQL_ADMINS);
        assertThat(r.missing()).isEmpty();
        assertThat(core.directory.members(SQL_ADMINS)).isEmpty();
        assertThat(types()).contains("directory.standing-privilege", "directory.member-removed");
    }

    @Test
    void reconcile_whenAGrantedMemberWasRemovedBehindOurBack_thenAddedAgain() throws Exception {
        core.requests.submit(ALICE, NewRequest.of(SQL, "x"));
        MembershipReconciler reconciler =
                new MembershipReconciler(core.db, core.directory, core.audit, core.clock);
        // the add is still pending: the reconciler leaves it to the dispatcher
        assertThat(reconciler.reconcile().missing()).isEmpty();
        core.dispatcher.dispatchDue();
        core.directory.removeMember(ALICE, SQL_ADMINS);
        core.clock.advance(Duration.ofMinutes(1));

        MembershipReconciler.ReconcileResult r = reconciler.reconcile();
        core.dispatcher.dispatchDue();

        assertThat(r.missing()).containsExactly("alice|" + SQL_ADMINS);
        assertThat(r.standing()).isEmpty();
        assertThat(core.directory.until(ALICE, SQL_ADMINS)).isEqualTo(T0.plus(Duration.ofHours(1)));
    }

    @Test
    void reconcile_whenTheDirectoryIsDown_thenThePrincipalIsReportedUnreachableAndNothingQueued()
            throws Exception {
        core.directory.down(true);

        MembershipReconciler.ReconcileResult r =
                new MembershipReconciler(core.db, core.directory, core.audit, core.clock)
                        .reconcile();

        assertThat(r.unreachable()).containsExactly(SQL_ADMINS);
        assertThat(r.principalsChecked()).isZero();
        assertThat(core.dispatcher.dispatchDue().pending()).isZero();
    }

    @ParameterizedTest(name = "after {0} failures: {1}")
    @CsvSource({"1, PT1S", "2, PT2S", "3, PT4S", "5, PT16S", "6, PT30S", "40, PT30S"})
    void backoff_whenFailuresAccumulate_thenTheDelayDoublesUpToTheMaximum(
            int attempts, Duration expected) {
        assertThat(core.dispatcher.backoff(attempts)).isEqualTo(expected);
    }

    private List<String> types() throws Exception {
        return core.audit.query(AuditQuery.all()).records().stream()
                .map(r -> r.event().type())
                .toList();
    }
}
