package org.bastionforest.shadowgroups.request;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.bastionforest.shadowgroups.testing.Core.ALICE;
import static org.bastionforest.shadowgroups.testing.Core.APPROVERS;
import static org.bastionforest.shadowgroups.testing.Core.BOB;
import static org.bastionforest.shadowgroups.testing.Core.CAROL;
import static org.bastionforest.shadowgroups.testing.Core.DAVE;
import static org.bastionforest.shadowgroups.testing.Core.GOOD_CODE;
import static org.bastionforest.shadowgroups.testing.Core.MALLORY;
import static org.bastionforest.shadowgroups.testing.Core.ROOT;
import static org.bastionforest.shadowgroups.testing.Core.SQL;
import static org.bastionforest.shadowgroups.testing.Core.SQL_ADMINS;
import static org.bastionforest.shadowgroups.testing.Core.T0;
import static org.bastionforest.shadowgroups.testing.Core.basePolicy;

import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.bastionforest.shadowgroups.audit.AuditQuery;
import org.bastionforest.shadowgroups.audit.AuditRecord;
import org.bastionforest.shadowgroups.errors.AccessDeniedException;
import org.bastionforest.shadowgroups.errors.BastionException;
import org.bastionforest.shadowgroups.errors.ConflictException;
import org.bastionforest.shadowgroups.errors.DirectoryUnavailableException;
import org.bastionforest.shadowgroups.errors.InvalidInputException;
import org.bastionforest.shadowgroups.errors.NotFoundException;
import org.bastionforest.shadowgroups.model.Sid;
import org.bastionforest.shadowgroups.policy.ActivationPolicy;
import org.bastionforest.shadowgroups.policy.AvailabilityWindow;
import org.bastionforest.shadowgroups.policy.ShadowGroup;
import org.bastionforest.shadowgroups.policy.ShadowGroupId;
import org.bastionforest.shadowgroups.policy.UserId;
import org.bastionforest.shadowgroups.storage.DatabaseOptions;
import org.bastionforest.shadowgroups.testing.Core;
import org.bastionforest.shadowgroups.testing.Snapshot;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The request and grant lifecycle; each subclass runs it on one database vendor. */
abstract class RequestLifecycleContract {
    protected Core core;
    protected RequestService requests;

    protected abstract DatabaseOptions newDatabaseOptions();

    @BeforeEach
    void openCore() throws Exception {
        core = new Core(newDatabaseOptions());
        requests = core.requests;
    }

    @AfterEach
    void closeCore() {
        if (core != null) {
            core.close();
        }
    }

    // ------------------------------------------------------------ submit

    @Test
    void submit_whenNoApprovalAndNoMfa_thenActiveAtOnceAndTheGrantClockStartsNow()
            throws Exception {
        core.defineSql(basePolicy().build());
        core.clock.advance(Duration.ofMinutes(3));

        AccessRequest r = requests.submit(ALICE, ask(Duration.ofHours(2)));

        assertThat(r.state()).isEqualTo(RequestState.ACTIVE);
        Grant g = r.grant().orElseThrow();
        assertThat(g.startedAt()).isEqualTo(T0.plus(Duration.ofMinutes(3)));
        assertThat(g.endsAt()).isEqualTo(g.startedAt().plus(Duration.ofHours(2)));
        assertThat(g.principalSid()).isEqualTo(SQL_ADMINS);
        assertThat(types()).endsWith("request.submitted", "request.approved", "grant.started");
        assertThat(pendingOutbox()).isEqualTo(1);
    }

    @Test
    void submit_whenNoDurationGiven_thenThePolicyDefault() throws Exception {
        core.defineSql(basePolicy().defaultDuration(Duration.ofMinutes(45)).build());

        AccessRequest r = requests.submit(ALICE, NewRequest.of(SQL, "routine"));

        assertThat(r.duration()).isEqualTo(Duration.ofMinutes(45));
        assertThat(r.grant().orElseThrow().endsAt()).isEqualTo(T0.plus(Duration.ofMinutes(45)));
    }

    @Test
    void submit_whenEligibleThroughANestedGroup_thenAccepted() throws Exception {
        core.defineSql(basePolicy().build());

        AccessRequest r = requests.submit(DAVE, ask(Duration.ofHours(1)));

        assertThat(r.state()).isEqualTo(RequestState.ACTIVE);
    }

    @Test
    void submit_whenNotEligible_thenTheSameNotFoundAsAnUnknownGroupAndNothingChanged()
            throws Exception {
        core.defineSql(basePolicy().build());

        assertRefused(
                        () -> requests.submit(MALLORY, ask(Duration.ofHours(1))),
                        NotFoundException.class)
                .isEqualTo("no shadow group sql-admins that you may request");
        assertRefused(
                        () ->
                                requests.submit(
                                        ALICE,
                                        NewRequest.of(ShadowGroupId.of("nothing-here"), "x")),
                        NotFoundException.class)
                .isEqualTo("no shadow group nothing-here that you may request");
    }

    @Test
    void submit_whenDurationExceedsTheMaximum_thenRefusedNamingTheMaximum() throws Exception {
        core.defineSql(basePolicy().build());

        assertRefused(
                        () -> requests.submit(ALICE, ask(Duration.ofHours(9))),
                        InvalidInputException.class)
                .contains("PT9H", "maximumDuration PT8H", "sql-admins");
    }

    @org.junit.jupiter.params.ParameterizedTest(name = "{0}: accepted={1}")
    @org.junit.jupiter.params.provider.CsvSource({
        "PT59S, false, shorter than PT1M",
        "PT1M, true, ''",
        "PT7H59M59S, true, ''",
        "PT8H, true, ''",
        "PT8H0M1S, false, exceeds the maximumDuration PT8H"
    })
    void submit_whenTheDurationVaries_thenTheMinimumAndMaximumHold(
            Duration duration, boolean accepted, String message) throws Exception {
        core.defineSql(basePolicy().build());

        if (accepted) {
            assertThat(requests.submit(ALICE, ask(duration)).grant().orElseThrow().endsAt())
                    .isEqualTo(T0.plus(duration));
        } else {
            assertRefused(() -> requests.submit(ALICE, ask(duration)), InvalidInputException.class)
                    .contains(message);
        }
    }

    @org.junit.jupiter.params.ParameterizedTest(
            name = "max {0}, extensions of {1} min: accepted {2}")
    @org.junit.jupiter.params.provider.CsvSource({
        // 1 h grant, 8 h maximum
        "0, 10, 0",
        "1, 10, 1",
        "3, 10, 3",
        "3, 180, 2", // 1 h + 2 x 3 h = 7 h; a third would be 10 h
        "5, 420, 1" // 1 h + 7 h = 8 h exactly; then nothing fits
    })
    void extend_whenExtensionsRepeat_thenBothTheCountAndTheTotalAreBounded(
            int maximumExtensions, int minutes, int accepted) throws Exception {
        core.defineSql(basePolicy().maximumExtensions(maximumExtensions).build());
        AccessRequest r = requests.submit(ALICE, ask(Duration.ofHours(1)));

        int done = 0;
        for (int i = 0; i < maximumExtensions + 1; i++) {
            try {
                requests.extend(r.id(), ALICE, Duration.ofMinutes(minutes));
                done++;
            } catch (ConflictException | InvalidInputException e) {
                break;
            }
        }

        assertThat(done).isEqualTo(accepted);
        Grant g = requests.get(r.id(), ALICE).grant().orElseThrow();
        assertThat(g.extensionsUsed()).isEqualTo(accepted);
        assertThat(g.endsAt())
                .isEqualTo(
                        T0.plus(Duration.ofHours(1))
                                .plus(Duration.ofMinutes((long) minutes * accepted)));
        assertThat(Duration.between(g.startedAt(), g.endsAt()))
                .isLessThanOrEqualTo(Duration.ofHours(8));
    }

    @Test
    void submit_whenJustificationRequiredAndBlank_thenRefused() throws Exception {
        core.defineSql(basePolicy().justificationRequired(true).build());

        assertRefused(
                        () -> requests.submit(ALICE, NewRequest.of(SQL, "  ")),
                        InvalidInputException.class)
                .contains("justification is required");
    }

    @Test
    void submit_whenTicketRequired_thenMissingOrNotMatchingRefusedAndMatchingAccepted()
            throws Exception {
        core.defineSql(basePolicy().ticketRequired("^(INC|CHG)[0-9]{6,}$").build());

        assertRefused(
                        () -> requests.submit(ALICE, ask(Duration.ofHours(1))),
                        InvalidInputException.class)
                .contains("ticket reference is required");
        assertRefused(
                        () ->
                                requests.submit(
                                        ALICE, NewRequest.of(SQL, null, "fix", "INC12", null)),
                        InvalidInputException.class)
                .contains("ticketPattern ^(INC|CHG)[0-9]{6,}$");
        assertThat(
                        requests.submit(ALICE, NewRequest.of(SQL, null, "fix", "CHG0012345", null))
                                .ticket())
                .contains("CHG0012345");
    }

    @Test
    void submit_whenStartIsInThePast_thenRefused() throws Exception {
        core.defineSql(basePolicy().build());

        assertRefused(
                        () ->
                                requests.submit(
                                        ALICE,
                                        NewRequest.of(SQL, null, "x", null, T0.minusSeconds(1))),
                        InvalidInputException.class)
                .contains("start must not be in the past");
    }

    @Test
    void submit_whenOutsideTheAvailabilityWindow_thenRefusedNamingTheWindow() throws Exception {
        // T0 is Monday 10:00 in Berlin; the window is the weekend only
        core.defineSql(
                basePolicy()
                        .availability(
                                new AvailabilityWindow(
                                        EnumSet.of(DayOfWeek.SATURDAY, DayOfWeek.SUNDAY),
                                        LocalTime.of(8, 0),
                                        LocalTime.of(18, 0),
                                        ZoneId.of("Europe/Berlin")))
                        .build());

        assertRefused(
                        () -> requests.submit(ALICE, ask(Duration.ofHours(1))),
                        InvalidInputException.class)
                .contains("availability window", "SATURDAY");
    }

    @Test
    void submit_whenFactsAreDown_thenDirectoryUnavailableAndNothingChanged() throws Exception {
        core.defineSql(basePolicy().build());
        core.facts.down(true);

        assertRefused(
                () -> requests.submit(DAVE, ask(Duration.ofHours(1))),
                DirectoryUnavailableException.class);
    }

    @Test
    void submit_whenApprovalRequired_thenPendingWithTheDefaultTimeOutOf24Hours() throws Exception {
        core.defineSql(approvalPolicy(1, false));

        AccessRequest r = requests.submit(ALICE, ask(Duration.ofHours(1)));

        assertThat(r.state()).isEqualTo(RequestState.PENDING_APPROVAL);
        assertThat(r.timeoutAt()).contains(T0.plus(Duration.ofHours(24)));
        assertThat(r.grant()).isEmpty();
        assertThat(pendingOutbox()).isZero();
    }

    @Test
    void submit_whenAPendingRequestExists_thenConflictNamingIt() throws Exception {
        core.defineSql(approvalPolicy(1, false));
        AccessRequest first = requests.submit(ALICE, ask(Duration.ofHours(1)));

        assertRefused(
                        () -> requests.submit(ALICE, ask(Duration.ofHours(2))),
                        ConflictException.class)
                .contains("PENDING_APPROVAL", first.id().toString());
    }

    @Test
    void submit_whenTheGroupIsHeld_thenConflictPointingToExtend() throws Exception {
        core.defineSql(basePolicy().build());
        AccessRequest first = requests.submit(ALICE, ask(Duration.ofHours(1)));

        assertRefused(
                        () -> requests.submit(ALICE, ask(Duration.ofHours(1))),
                        ConflictException.class)
                .contains("holds shadow group sql-admins", first.id().toString(), "extend");
    }

    @Test
    void submit_whenTheEarlierRequestEnded_thenANewOneIsAccepted() throws Exception {
        core.defineSql(basePolicy().build());
        AccessRequest first = requests.submit(ALICE, ask(Duration.ofHours(1)));
        requests.close(first.id(), ALICE, "done");

        assertThat(requests.submit(ALICE, ask(Duration.ofHours(1))).state())
                .isEqualTo(RequestState.ACTIVE);
    }

    @Test
    void submit_whenFourThreadsAskAtOnce_thenOneRequestAndThreeConflicts() throws Exception {
        core.defineSql(approvalPolicy(1, false));

        List<Object> outcomes =
                concurrently(
                        4,
                        () -> {
                            try {
                                return requests.submit(ALICE, ask(Duration.ofHours(1)));
                            } catch (ConflictException e) {
                                return e;
                            }
                        });

        assertThat(outcomes).filteredOn(o -> o instanceof AccessRequest).hasSize(1);
        assertThat(outcomes).filteredOn(o -> o instanceof ConflictException).hasSize(3);
        assertThat(core.audit.verify().intact()).isTrue();
    }

    @Test
    void submit_whenAFutureStart_thenApprovedAndStartedOnlyWhenDueWithTheClockFromThen()
            throws Exception {
        core.defineSql(basePolicy().build());
        Instant start = T0.plus(Duration.ofHours(3));
        AccessRequest r =
                requests.submit(ALICE, NewRequest.of(SQL, Duration.ofHours(1), "x", null, start));
        assertThat(r.state()).isEqualTo(RequestState.APPROVED);
        assertThat(requests.deadlines(10))
                .contains(
                        new RequestService.Deadline(
                                RequestService.Deadline.Kind.START, r.id(), start));

        assertThat(requests.startIfDue(r.id())).isFalse();
        assertRefused(
                        () -> requests.activate(r.id(), ALICE, Optional.empty()),
                        ConflictException.class)
                .contains("starts at");
        core.clock.set(start.plusSeconds(5));
        assertThat(requests.startIfDue(r.id())).isTrue();
        assertThat(requests.startIfDue(r.id())).isFalse();

        Grant g = requests.get(r.id(), ALICE).grant().orElseThrow();
        assertThat(g.startedAt()).isEqualTo(start.plusSeconds(5));
        assertThat(lastEventOfType("grant.started").event().actor()).isEqualTo("system");
        assertThat(core.scheduled)
                .extracting(RequestService.Deadline::kind)
                .containsExactly(
                        RequestService.Deadline.Kind.START, RequestService.Deadline.Kind.EXPIRY);
        assertThat(g.endsAt()).isEqualTo(start.plusSeconds(5).plus(Duration.ofHours(1)));
    }

    // ------------------------------------------------------------ approve, deny

    @Test
    void approve_whenQuorumOfOneAndNoMfa_thenActiveAndTheClockStartsAtApproval() throws Exception {
        core.defineSql(approvalPolicy(1, false));
        AccessRequest r = requests.submit(ALICE, ask(Duration.ofHours(1)));
        core.clock.advance(Duration.ofMinutes(30));

        AccessRequest approved = requests.approve(r.id(), CAROL);

        assertThat(approved.state()).isEqualTo(RequestState.ACTIVE);
        assertThat(approved.approvals()).containsExactly(CAROL);
        assertThat(approved.grant().orElseThrow().startedAt())
                .isEqualTo(T0.plus(Duration.ofMinutes(30)));
        assertThat(types()).endsWith("request.approval", "request.approved", "grant.started");
    }

    @Test
    void approve_whenQuorumOfTwo_thenPendingAfterOneAndApprovedAfterASecondApprover()
            throws Exception {
        core.defineSql(approvalPolicy(2, false));
        AccessRequest r = requests.submit(ALICE, ask(Duration.ofHours(1)));

        AccessRequest once = requests.approve(r.id(), CAROL);
        assertThat(once.state()).isEqualTo(RequestState.PENDING_APPROVAL);

        // bob approves through the approvers' group
        AccessRequest twice = requests.approve(r.id(), BOB);
        assertThat(twice.state()).isEqualTo(RequestState.ACTIVE);
        assertThat(twice.approvals()).containsExactlyInAnyOrder(BOB, CAROL);
    }

    @Test
    void approve_whenTwoApproversReachTheQuorumAtOnce_thenOneGrantAndBothCounted()
            throws Exception {
        core.defineSql(approvalPolicy(2, false));
        AccessRequest r = requests.submit(ALICE, ask(Duration.ofHours(1)));

        List<Object> outcomes =
                concurrently(
                        2,
                        List.of(
                                () -> requests.approve(r.id(), CAROL),
                                () -> requests.approve(r.id(), BOB)));

        assertThat(outcomes).allMatch(o -> o instanceof AccessRequest);
        AccessRequest after = requests.get(r.id(), ALICE);
        assertThat(after.state()).isEqualTo(RequestState.ACTIVE);
        assertThat(after.approvals()).containsExactlyInAnyOrder(BOB, CAROL);
        assertThat(types()).filteredOn("grant.started"::equals).hasSize(1);
        assertThat(pendingOutbox()).isEqualTo(1);
    }

    @Test
    void closeAndExpire_whenTheyRaceAtTheEnd_thenTheGrantEndsExactlyOnce() throws Exception {
        core.defineSql(basePolicy().build());
        AccessRequest r = requests.submit(ALICE, ask(Duration.ofHours(1)));
        core.clock.advance(Duration.ofHours(1));

        List<Object> outcomes =
                concurrently(
                        2,
                        List.of(
                                () -> requests.expire(r.id()),
                                () -> {
                                    try {
                                        return requests.close(r.id(), ALICE, "");
                                    } catch (ConflictException e) {
                                        return e;
                                    }
                                }));

        assertThat(
                        types().stream()
                                .filter(t -> t.equals("grant.expired") || t.equals("grant.closed")))
                .hasSize(1);
        assertThat(outcomes).hasSize(2);
        assertThat(pendingOutbox()).isEqualTo(2); // one add, one remove
        assertThat(core.audit.verify().intact()).isTrue();
    }

    @Test
    void approve_whenTheSameApproverApprovesTwice_thenConflictAndCountedOnce() throws Exception {
        core.defineSql(approvalPolicy(2, false));
        AccessRequest r = requests.submit(ALICE, ask(Duration.ofHours(1)));
        requests.approve(r.id(), CAROL);

        assertRefused(
                        () ->
                                requests.approve(
                                        r.id(),
                                        org.bastionforest.shadowgroups.policy.UserId.of("Carol")),
                        ConflictException.class)
                .contains("counts once");
        assertThat(requests.get(r.id(), ALICE).approvals()).containsExactly(CAROL);
    }

    @Test
    void approve_whenTheRequesterApprovesTheirOwn_thenAccessDeniedAndNothingChanged()
            throws Exception {
        // alice is an approver too, but not of her own request
        core.defineSql(basePolicy().approval(Set.of(ALICE, CAROL), Set.of(), 1).build());
        AccessRequest r = requests.submit(ALICE, ask(Duration.ofHours(1)));

        assertRefused(() -> requests.approve(r.id(), ALICE), AccessDeniedException.class)
                .contains("own request");
        assertRefused(() -> requests.deny(r.id(), ALICE, "no"), AccessDeniedException.class);
    }

    @Test
    void approve_whenNotAnApprover_thenTheSameNotFoundAsAnUnknownRequest() throws Exception {
        core.defineSql(approvalPolicy(1, false));
        AccessRequest r = requests.submit(ALICE, ask(Duration.ofHours(1)));
        RequestId unknown = RequestId.parse("00000000-0000-4000-8000-000000000000");

        String stranger =
                assertRefused(() -> requests.approve(r.id(), MALLORY), NotFoundException.class)
                        .actual();
        String missing =
                assertRefused(() -> requests.approve(unknown, CAROL), NotFoundException.class)
                        .actual();

        assertThat(stranger.replace(r.id().toString(), "ID"))
                .isEqualTo(missing.replace(unknown.toString(), "ID"));
    }

    @Test
    void approve_whenPastTheTimeOutButNotYetTimedOut_thenConflictAndNothingChanged()
            throws Exception {
        core.defineSql(approvalPolicy(1, false));
        AccessRequest r = requests.submit(ALICE, ask(Duration.ofHours(1)));
        core.clock.advance(Duration.ofHours(24));

        assertRefused(() -> requests.approve(r.id(), CAROL), ConflictException.class)
                .contains("timed out");
    }

    @Test
    void approve_whenMfaRequired_thenApprovedUntilTheRequesterActivatesWithACode()
            throws Exception {
        core.defineSql(approvalPolicy(1, true));
        AccessRequest r = requests.submit(ALICE, ask(Duration.ofHours(1)));

        assertThat(requests.approve(r.id(), CAROL).state()).isEqualTo(RequestState.APPROVED);
        assertThat(requests.startIfDue(r.id())).isFalse();
        core.clock.advance(Duration.ofMinutes(10));
        AccessRequest active = requests.activate(r.id(), ALICE, Optional.of(GOOD_CODE));

        assertThat(active.state()).isEqualTo(RequestState.ACTIVE);
        assertThat(active.grant().orElseThrow().startedAt())
                .isEqualTo(T0.plus(Duration.ofMinutes(10)));
    }

    @Test
    void deny_whenNoReason_thenInvalidAndNothingChanged() throws Exception {
        core.defineSql(approvalPolicy(1, false));
        AccessRequest r = requests.submit(ALICE, ask(Duration.ofHours(1)));

        assertRefused(() -> requests.deny(r.id(), CAROL, " "), InvalidInputException.class)
                .contains("reason is required");
    }

    @Test
    void deny_whenReasonGiven_thenDeniedWithTheReasonAndANewRequestIsPossible() throws Exception {
        core.defineSql(approvalPolicy(1, false));
        AccessRequest r = requests.submit(ALICE, ask(Duration.ofHours(1)));

        AccessRequest denied = requests.deny(r.id(), CAROL, "not during the freeze");

        assertThat(denied.state()).isEqualTo(RequestState.DENIED);
        assertThat(denied.decisionReason()).contains("not during the freeze");
        assertThat(denied.decidedBy()).contains(CAROL);
        assertThat(lastEvent().event().details()).containsEntry("reason", "not during the freeze");
        assertThat(requests.submit(ALICE, ask(Duration.ofHours(1))).state())
                .isEqualTo(RequestState.PENDING_APPROVAL);
    }

    // ------------------------------------------------------------ cancel, activate

    @Test
    void cancel_whenPendingAndByTheRequester_thenCancelled() throws Exception {
        core.defineSql(approvalPolicy(1, false));
        AccessRequest r = requests.submit(ALICE, ask(Duration.ofHours(1)));

        assertRefused(() -> requests.cancel(r.id(), CAROL), NotFoundException.class);
        assertThat(requests.cancel(r.id(), ALICE).state()).isEqualTo(RequestState.CANCELLED);
        assertThat(lastEvent().event().type()).isEqualTo("request.cancelled");
    }

    @Test
    void activate_whenTheMfaCodeIsMissingWrongOrReplayed_thenAccessDeniedAndNothingChanged()
            throws Exception {
        core.defineSql(basePolicy().mfaRequired(true).build());
        AccessRequest r = requests.submit(ALICE, ask(Duration.ofHours(1)));
        assertThat(r.state()).isEqualTo(RequestState.APPROVED);

        assertRefused(
                        () -> requests.activate(r.id(), ALICE, Optional.empty()),
                        AccessDeniedException.class)
                .contains("requires an MFA code");
        assertRefused(
                        () -> requests.activate(r.id(), ALICE, Optional.of("000000")),
                        AccessDeniedException.class)
                .contains("not accepted");
        assertRefused(
                () -> requests.activate(r.id(), BOB, Optional.of(GOOD_CODE)),
                NotFoundException.class);

        assertThat(requests.activate(r.id(), ALICE, Optional.of(GOOD_CODE)).state())
                .isEqualTo(RequestState.ACTIVE);
    }

    // ------------------------------------------------------------ time-out, expiry

    @Test
    void timeOut_whenDue_thenTimedOutOnceAndLaterCallsDoNothing() throws Exception {
        core.defineSql(approvalPolicy(1, false));
        AccessRequest r = requests.submit(ALICE, ask(Duration.ofHours(1)));
        assertThat(requests.timeOut(r.id())).isFalse();
        core.clock.advance(Duration.ofHours(24));

        assertThat(requests.timeOut(r.id())).isTrue();
        List<String> after = Snapshot.of(core.db);
        assertThat(requests.timeOut(r.id())).isFalse();
        assertThat(requests.timeOutDue()).isZero();

        assertThat(Snapshot.of(core.db)).isEqualTo(after);
        assertThat(requests.get(r.id(), ALICE).state()).isEqualTo(RequestState.TIMED_OUT);
        assertThat(lastEvent().event().type()).isEqualTo("request.timed-out");
        assertThat(lastEvent().event().actor()).isEqualTo("system");
    }

    @Test
    void timeOut_whenApprovedButNeverActivated_thenTimedOutAndTheGroupCanBeAskedAgain()
            throws Exception {
        // approved (no approval needed) but waiting for an MFA code that never comes
        core.defineSql(basePolicy().mfaRequired(true).build());
        AccessRequest r = requests.submit(ALICE, ask(Duration.ofHours(1)));
        assertThat(r.state()).isEqualTo(RequestState.APPROVED);
        assertThat(requests.deadlines(10))
                .anyMatch(
                        d ->
                                d.kind() == RequestService.Deadline.Kind.TIME_OUT
                                        && d.request().equals(r.id()));
        assertThat(core.scheduled)
                .as("the scheduler is told of the activation deadline at once")
                .anyMatch(
                        d ->
                                d.kind() == RequestService.Deadline.Kind.TIME_OUT
                                        && d.request().equals(r.id()));
        core.clock.advance(Duration.ofHours(23));
        assertThat(requests.timeOutDue()).isZero();
        core.clock.advance(Duration.ofHours(1));

        assertThat(requests.timeOutDue()).isEqualTo(1);
        assertThat(requests.get(r.id(), ALICE).state()).isEqualTo(RequestState.TIMED_OUT);
        assertThat(lastEvent().event().type()).isEqualTo("request.timed-out");
        assertThat(lastEvent().event().details()).containsEntry("state", "APPROVED");
        assertThat(requests.submit(ALICE, ask(Duration.ofHours(1))).state())
                .as("the slot is free again")
                .isEqualTo(RequestState.APPROVED);
    }

    @Test
    void timeOut_whenApprovedWithAFutureStart_thenCountedFromTheStart() throws Exception {
        core.defineSql(basePolicy().mfaRequired(true).build());
        Instant start = core.clock.instant().plus(Duration.ofHours(48));
        AccessRequest r =
                requests.submit(
                        ALICE,
                        new NewRequest(
                                SQL,
                                Optional.of(Duration.ofHours(1)),
                                "INC0012345 maintenance",
                                Optional.empty(),
                                Optional.of(start)));
        core.clock.advance(Duration.ofHours(48 + 23));
        assertThat(requests.timeOutDue()).isZero();
        core.clock.advance(Duration.ofHours(1));
        assertThat(requests.timeOutDue()).isEqualTo(1);
        assertThat(requests.get(r.id(), ALICE).state()).isEqualTo(RequestState.TIMED_OUT);
    }

    @Test
    void cancel_whenApprovedButNotActive_thenCancelledAndTheSlotIsFree() throws Exception {
        core.defineSql(basePolicy().mfaRequired(true).build());
        AccessRequest r = requests.submit(ALICE, ask(Duration.ofHours(1)));
        assertThat(r.state()).isEqualTo(RequestState.APPROVED);

        assertRefused(() -> requests.cancel(r.id(), BOB), NotFoundException.class);
        assertThat(requests.cancel(r.id(), ALICE).state()).isEqualTo(RequestState.CANCELLED);
        assertThat(requests.submit(ALICE, ask(Duration.ofHours(1))).state())
                .isEqualTo(RequestState.APPROVED);
    }

    @Test
    void timeOutDue_whenSeveralAreDue_thenOnlyThoseTimeOut() throws Exception {
        core.defineSql(approvalPolicy(1, false));
        AccessRequest early = requests.submit(ALICE, ask(Duration.ofHours(1)));
        core.clock.advance(Duration.ofHours(2));
        AccessRequest late = requests.submit(DAVE, ask(Duration.ofHours(1)));
        core.clock.advance(Duration.ofHours(23));

        assertThat(requests.timeOutDue()).isEqualTo(1);

        assertThat(requests.get(early.id(), ALICE).state()).isEqualTo(RequestState.TIMED_OUT);
        assertThat(requests.get(late.id(), DAVE).state()).isEqualTo(RequestState.PENDING_APPROVAL);
    }

    @Test
    void expire_whenTheEndHasCome_thenExpiredWithARemovalQueuedAndIdempotent() throws Exception {
        core.defineSql(basePolicy().build());
        AccessRequest r = requests.submit(ALICE, ask(Duration.ofHours(1)));
        core.clock.advance(Duration.ofMinutes(59));
        assertThat(requests.expire(r.id())).isFalse();
        core.clock.advance(Duration.ofMinutes(1));

        assertThat(requests.expire(r.id())).isTrue();
        assertThat(requests.expire(r.id())).isFalse();

        AccessRequest expired = requests.get(r.id(), ALICE);
        assertThat(expired.state()).isEqualTo(RequestState.EXPIRED);
        assertThat(expired.grant().orElseThrow().endedAt()).contains(T0.plus(Duration.ofHours(1)));
        assertThat(lastEvent().event().type()).isEqualTo("grant.expired");
        assertThat(pendingOutbox()).isEqualTo(2); // the add and the remove
    }

    @Test
    void expireDue_whenTheServiceWasDownAtTheEnd_thenANewServiceExpiresItAtStart()
            throws Exception {
        core.defineSql(basePolicy().build());
        AccessRequest r = requests.submit(ALICE, ask(Duration.ofHours(1)));
        core.clock.advance(Duration.ofHours(5));

        RequestService restarted =
                new RequestService(
                        core.db,
                        core.audit,
                        core.facts,
                        (u, c) -> false,
                        new org.bastionforest.shadowgroups.policy.Administrators(
                                Set.of(), Set.of()),
                        core.clock);

        assertThat(restarted.expireDue()).isEqualTo(1);
        assertThat(requests.get(r.id(), ALICE).state()).isEqualTo(RequestState.EXPIRED);
    }

    // ------------------------------------------------------------ extend

    @Test
    void extend_whenWithinThePolicy_thenLongerAndCountedAndTheDirectoryGetsTheNewEnd()
            throws Exception {
        core.defineSql(basePolicy().maximumExtensions(2).build());
        AccessRequest r = requests.submit(ALICE, ask(Duration.ofHours(2)));
        core.dispatcher.dispatchDue();

        AccessRequest longer = requests.extend(r.id(), ALICE, Duration.ofHours(3));
        core.dispatcher.dispatchDue();

        assertThat(longer.grant().orElseThrow().endsAt()).isEqualTo(T0.plus(Duration.ofHours(5)));
        assertThat(longer.grant().orElseThrow().extensionsUsed()).isEqualTo(1);
        assertThat(core.directory.until(ALICE, SQL_ADMINS)).isEqualTo(T0.plus(Duration.ofHours(5)));
        assertThat(lastEventOfType("grant.extended").event().details())
                .containsEntry("endsAt", T0.plus(Duration.ofHours(5)).toString());
    }

    @Test
    void extend_whenTheTotalWouldExceedTheMaximum_thenRefusedNamingItAndNothingChanged()
            throws Exception {
        core.defineSql(basePolicy().maximumExtensions(5).build());
        AccessRequest r = requests.submit(ALICE, ask(Duration.ofHours(2)));
        core.clock.advance(Duration.ofHours(1));

        // 2 h + 6 h 1 s > 8 h from activation, though only 7 h 1 s from now
        assertRefused(
                        () -> requests.extend(r.id(), ALICE, Duration.ofHours(6).plusSeconds(1)),
                        InvalidInputException.class)
                .contains("maximumDuration PT8H");
        assertThat(
                        requests.extend(r.id(), ALICE, Duration.ofHours(6))
                                .grant()
                                .orElseThrow()
                                .endsAt())
                .isEqualTo(T0.plus(Duration.ofHours(8)));
    }

    @Test
    void extend_whenAllExtensionsAreUsed_thenConflictNamingTheMaximum() throws Exception {
        core.defineSql(basePolicy().maximumExtensions(2).build());
        AccessRequest r = requests.submit(ALICE, ask(Duration.ofHours(1)));
        requests.extend(r.id(), ALICE, Duration.ofMinutes(10));
        requests.extend(r.id(), ALICE, Duration.ofMinutes(10));

        assertRefused(
                        () -> requests.extend(r.id(), ALICE, Duration.ofMinutes(10)),
                        ConflictException.class)
                .contains("maximumExtensions");
    }

    @Test
    void extend_whenNoExtensionsAllowed_thenConflict() throws Exception {
        core.defineSql(basePolicy().build());
        AccessRequest r = requests.submit(ALICE, ask(Duration.ofHours(1)));

        assertRefused(
                () -> requests.extend(r.id(), ALICE, Duration.ofMinutes(1)),
                ConflictException.class);
        assertRefused(
                () -> requests.extend(r.id(), BOB, Duration.ofMinutes(1)), NotFoundException.class);
        assertRefused(
                () -> requests.extend(r.id(), ALICE, Duration.ZERO), InvalidInputException.class);
    }

    @Test
    void extend_whenTheEndHasPassedButNotYetExpired_thenConflict() throws Exception {
        core.defineSql(basePolicy().maximumExtensions(2).build());
        AccessRequest r = requests.submit(ALICE, ask(Duration.ofHours(1)));
        core.clock.advance(Duration.ofHours(1));

        assertRefused(
                        () -> requests.extend(r.id(), ALICE, Duration.ofMinutes(5)),
                        ConflictException.class)
                .contains("has ended");
    }

    // ------------------------------------------------------------ close, revoke

    @Test
    void close_whenTheRequesterClosesEarly_thenClosedAndTheRemovalQueued() throws Exception {
        core.defineSql(basePolicy().build());
        AccessRequest r = requests.submit(ALICE, ask(Duration.ofHours(1)));

        assertRefused(() -> requests.close(r.id(), CAROL, "x"), NotFoundException.class);
        AccessRequest closed = requests.close(r.id(), ALICE, "done early");

        assertThat(closed.state()).isEqualTo(RequestState.CLOSED);
        assertThat(closed.grant().orElseThrow().endReason()).contains(RequestState.CLOSED);
        assertThat(lastEvent().event().details()).containsEntry("reason", "done early");
    }

    @Test
    void revoke_whenAnAdministratorRevokes_thenRevokedWithTheReason() throws Exception {
        core.defineSql(basePolicy().build());
        AccessRequest r = requests.submit(ALICE, ask(Duration.ofHours(1)));

        assertRefused(() -> requests.revoke(r.id(), ROOT, ""), InvalidInputException.class);
        assertRefused(() -> requests.revoke(r.id(), ALICE, "mine"), NotFoundException.class);
        AccessRequest revoked = requests.revoke(r.id(), ROOT, "incident 42");

        assertThat(revoked.state()).isEqualTo(RequestState.REVOKED);
        assertThat(lastEvent().event().actor()).isEqualTo("root-admin");
        assertThat(lastEvent().event().details()).containsEntry("reason", "incident 42");
    }

    @Test
    void everyOperation_whenTheRequestIsInAFinalState_thenConflictAndNothingChanged()
            throws Exception {
        core.defineSql(approvalPolicy(1, false).toBuilder().maximumExtensions(3).build());
        List<AccessRequest> finals = new ArrayList<>();
        finals.add(
                requests.deny(requests.submit(ALICE, ask(Duration.ofHours(1))).id(), CAROL, "no"));
        finals.add(requests.cancel(requests.submit(ALICE, ask(Duration.ofHours(1))).id(), ALICE));
        AccessRequest t = requests.submit(ALICE, ask(Duration.ofHours(1)));
        core.clock.advance(Duration.ofHours(25));
        requests.timeOut(t.id());
        finals.add(requests.get(t.id(), ALICE));
        for (String end : List.of("close", "revoke", "expire")) {
            AccessRequest a = requests.submit(ALICE, ask(Duration.ofHours(1)));
            requests.approve(a.id(), CAROL);
            switch (end) {
                case "close" -> requests.close(a.id(), ALICE, "");
                case "revoke" -> requests.revoke(a.id(), ROOT, "r");
                default -> {
                    core.clock.advance(Duration.ofHours(2));
                    requests.expire(a.id());
                }
            }
            finals.add(requests.get(a.id(), ALICE));
        }
        assertThat(finals)
                .extracting(AccessRequest::state)
                .containsExactly(
                        RequestState.DENIED,
                        RequestState.CANCELLED,
                        RequestState.TIMED_OUT,
                        RequestState.CLOSED,
                        RequestState.REVOKED,
                        RequestState.EXPIRED);

        for (AccessRequest f : finals) {
            RequestId id = f.id();
            assertRefused(() -> requests.approve(id, CAROL), ConflictException.class);
            assertRefused(() -> requests.deny(id, CAROL, "late"), ConflictException.class);
            assertRefused(() -> requests.cancel(id, ALICE), ConflictException.class);
            assertRefused(
                    () -> requests.activate(id, ALICE, Optional.empty()), ConflictException.class);
            assertRefused(
                    () -> requests.extend(id, ALICE, Duration.ofMinutes(1)),
                    ConflictException.class);
            assertRefused(() -> requests.close(id, ALICE, ""), ConflictException.class);
            assertRefused(() -> requests.revoke(id, ROOT, "again"), ConflictException.class);
            List<String> before = Snapshot.of(core.db);
            assertThat(requests.timeOut(id)).isFalse();
            assertThat(requests.expire(id)).isFalse();
            assertThat(requests.startIfDue(id)).isFalse();
            assertThat(Snapshot.of(core.db)).isEqualTo(before);
        }
        assertThat(core.audit.verify().intact()).isTrue();
    }

    @Test
    void activeOperations_whenTheRequestIsPending_thenConflict() throws Exception {
        core.defineSql(approvalPolicy(1, false));
        AccessRequest r = requests.submit(ALICE, ask(Duration.ofHours(1)));

        assertRefused(
                () -> requests.activate(r.id(), ALICE, Optional.empty()), ConflictException.class);
        assertRefused(
                () -> requests.extend(r.id(), ALICE, Duration.ofMinutes(1)),
                ConflictException.class);
        assertRefused(() -> requests.close(r.id(), ALICE, ""), ConflictException.class);
        assertRefused(() -> requests.revoke(r.id(), ROOT, "x"), ConflictException.class);
        assertThat(requests.expire(r.id())).isFalse();
    }

    @Test
    void scheduler_whenDeadlinesAppearOrMove_thenEachIsAnnouncedAfterCommit() throws Exception {
        core.defineSql(approvalPolicy(1, false).toBuilder().maximumExtensions(1).build());
        AccessRequest r = requests.submit(ALICE, ask(Duration.ofHours(1)));
        core.clock.advance(Duration.ofMinutes(5));
        requests.approve(r.id(), CAROL);
        requests.extend(r.id(), ALICE, Duration.ofMinutes(30));
        assertRefused(
                () -> requests.extend(r.id(), ALICE, Duration.ofMinutes(1)),
                ConflictException.class);

        Instant start = T0.plus(Duration.ofMinutes(5));
        assertThat(core.scheduled)
                .containsExactly(
                        new RequestService.Deadline(
                                RequestService.Deadline.Kind.TIME_OUT,
                                r.id(),
                                T0.plus(Duration.ofHours(24))),
                        new RequestService.Deadline(
                                RequestService.Deadline.Kind.EXPIRY,
                                r.id(),
                                start.plus(Duration.ofHours(1))),
                        new RequestService.Deadline(
                                RequestService.Deadline.Kind.EXPIRY,
                                r.id(),
                                start.plus(Duration.ofMinutes(90))));
        assertThat(requests.deadlines(10))
                .containsExactly(core.scheduled.get(core.scheduled.size() - 1));
    }

    // ------------------------------------------------------------ reading

    @Test
    void get_whenAsked_thenTheRequesterApproversAndAdminsSeeItAndOthersGetNotFound()
            throws Exception {
        core.defineSql(approvalPolicy(1, false));
        AccessRequest r = requests.submit(ALICE, ask(Duration.ofHours(1)));

        assertThat(requests.get(r.id(), ALICE)).isEqualTo(r);
        assertThat(requests.get(r.id(), BOB)).isEqualTo(r);
        assertThat(requests.get(r.id(), ROOT)).isEqualTo(r);
        assertThatThrownBy(() -> requests.get(r.id(), MALLORY))
                .isInstanceOf(NotFoundException.class);
        assertThat(requests.pendingFor(CAROL)).containsExactly(r);
        assertThat(requests.pendingFor(ALICE)).isEmpty();
        assertThat(requests.pendingFor(MALLORY)).isEmpty();
        assertThat(requests.requestsOf(ALICE, 10)).containsExactly(r);
    }

    @Test
    void effectiveWindow_whenTwoGrants_thenBothSidsAndTheEarliestEnd() throws Exception {
        core.defineSql(basePolicy().build());
        Sid readers = Sid.of(Core.DOMAIN, 1109);
        core.groups.create(
                ROOT,
                ShadowGroup.of(
                        ShadowGroupId.of("sql-readers"),
                        "SQL Readers",
                        "",
                        "CN=SQL Readers,DC=corp,DC=example",
                        readers,
                        basePolicy().build()));
        requests.submit(ALICE, ask(Duration.ofHours(3)));
        requests.submit(
                ALICE,
                NewRequest.of(
                        ShadowGroupId.of("sql-readers"), Duration.ofHours(1), "", null, null));

        EffectiveWindow w = requests.effectiveWindow(ALICE);

        assertThat(w.sids()).containsExactlyInAnyOrder(SQL_ADMINS, readers);
        assertThat(w.until()).contains(T0.plus(Duration.ofHours(1)));
        // a grant past its end no longer counts, even before the scheduler expired it
        core.clock.advance(Duration.ofHours(1));
        EffectiveWindow later = requests.effectiveWindow(ALICE);
        assertThat(later.sids()).containsExactly(SQL_ADMINS);
        assertThat(later.until()).contains(T0.plus(Duration.ofHours(3)));
        assertThat(requests.effectiveWindow(BOB).until()).isEmpty();
    }

    @Test
    void effectiveWindow_seesEveryGrantChangeAtOnce_startExtendCloseRevokeExpireRetire()
            throws Exception {
        core.defineSql(basePolicy().maximumExtensions(1).build());
        assertThat(requests.effectiveWindow(ALICE).sids()).isEmpty();

        AccessRequest r = requests.submit(ALICE, ask(Duration.ofHours(1)));
        assertThat(requests.effectiveWindow(ALICE).until()).contains(T0.plus(Duration.ofHours(1)));
        requests.extend(r.id(), ALICE, Duration.ofHours(1));
        assertThat(requests.effectiveWindow(ALICE).until()).contains(T0.plus(Duration.ofHours(2)));
        requests.close(r.id(), ALICE, "done");
        assertThat(requests.effectiveWindow(ALICE).sids()).isEmpty();

        AccessRequest second = requests.submit(ALICE, ask(Duration.ofHours(1)));
        assertThat(requests.effectiveWindow(ALICE).sids()).containsExactly(SQL_ADMINS);
        requests.revoke(second.id(), ROOT, "incident 42");
        assertThat(requests.effectiveWindow(ALICE).sids()).isEmpty();

        requests.submit(ALICE, ask(Duration.ofMinutes(30)));
        assertThat(requests.effectiveWindow(ALICE).sids()).containsExactly(SQL_ADMINS);
        core.clock.advance(Duration.ofMinutes(30));
        assertThat(requests.effectiveWindow(ALICE).sids()).isEmpty();
        assertThat(requests.expireDue()).isEqualTo(1);
        assertThat(requests.effectiveWindow(ALICE).sids()).isEmpty();

        requests.submit(ALICE, ask(Duration.ofHours(1)));
        assertThat(requests.effectiveWindow(ALICE).sids()).containsExactly(SQL_ADMINS);
        assertThat(requests.retireAccount(ALICE, "deleted in production")).isEqualTo(1);
        assertThat(requests.effectiveWindow(ALICE).sids()).isEmpty();
    }

    @Test
    void effectiveWindow_whileRevocationsRun_neverShowsAGrantWhoseRevocationHasReturned()
            throws Exception {
        core.defineSql(basePolicy().build());
        ExecutorService readers = Executors.newFixedThreadPool(3);
        int readsAfterRevocation = 0;
        try {
            for (int round = 0; round < 15; round++) {
                AccessRequest r = requests.submit(ALICE, ask(Duration.ofHours(1)));
                java.util.concurrent.atomic.AtomicBoolean revoked =
                        new java.util.concurrent.atomic.AtomicBoolean();
                java.util.concurrent.atomic.AtomicBoolean stop =
                        new java.util.concurrent.atomic.AtomicBoolean();
                List<Future<Integer>> reads = new ArrayList<>();
                for (int t = 0; t < 3; t++) {
                    reads.add(
                            readers.submit(
                                    () -> {
                                        int after = 0;
                                        while (!stop.get()) {
                                            boolean wasRevoked = revoked.get();
                                            Set<Sid> held = requests.effectiveWindow(ALICE).sids();
                                            if (wasRevoked) {
                                                if (!held.isEmpty()) {
                                                    throw new AssertionError(
                                                            "revoked grant still held");
                                                }
                                                after++;
                                            }
                                        }
                                        return after;
                                    }));
                }
                Thread.sleep(5);
                requests.revoke(r.id(), ROOT, "round " + round);
                revoked.set(true);
                Thread.sleep(5);
                stop.set(true);
                for (Future<Integer> f : reads) {
                    readsAfterRevocation += f.get(30, TimeUnit.SECONDS);
                }
                assertThat(requests.effectiveWindow(ALICE).sids()).isEmpty();
            }
        } finally {
            readers.shutdownNow();
        }
        assertThat(readsAfterRevocation).as("reads that started after a revocation").isPositive();
    }

    @Test
    void effectiveWindow_isCachedOnlyForAnInProcessDatabase_andNoLongerThanItsTimeToLive()
            throws Exception {
        core.defineSql(basePolicy().build());
        requests.submit(ALICE, ask(Duration.ofHours(2)));
        assertThat(requests.effectiveWindow(ALICE).sids()).containsExactly(SQL_ADMINS);

        // a change behind the service's back (another node of a cluster, an operator's SQL)
        core.sql("UPDATE grants SET ended_at = ends_at");

        boolean inProcess =
                core.db.vendor() == org.bastionforest.shadowgroups.storage.Vendor.HSQLDB;
        assertThat(requests.effectiveWindow(ALICE).sids())
                .as("in-process database: served from the cache")
                .hasSize(inProcess ? 1 : 0);
        core.clock.advance(GrantWindowCache.TIME_TO_LIVE);
        assertThat(requests.effectiveWindow(ALICE).sids()).isEmpty();
    }

    // ------------------------------------------------------------ acceptance

    @Test
    void
            acceptance_whenSqlAdminsIsRequestedApprovedAndClosed_thenTheDirectoryFollowsAndTheAuditChainVerifies()
                    throws Exception {
        core.defineSql(approvalPolicy(1, false));
        AccessRequest r = requests.submit(ALICE, ask(Duration.ofHours(1)));
        requests.approve(r.id(), CAROL);
        core.dispatcher.dispatchDue();
        assertThat(core.directory.members(SQL_ADMINS)).containsExactly(ALICE);

        requests.close(r.id(), ALICE, "done");
        core.dispatcher.dispatchDue();

        assertThat(core.directory.members(SQL_ADMINS)).isEmpty();
        assertThat(types())
                .containsExactly(
                        "policy.created",
                        "request.submitted",
                        "request.approval",
                        "request.approved",
                        "grant.started",
                        "directory.member-added",
                        "grant.closed",
                        "directory.member-removed");
        assertThat(core.audit.verify().intact()).isTrue();
    }

    // ------------------------------------------------------------ helpers

    /** Approval by carol or the approvers' group, with quorum {@code quorum}. */
    // ------------------------------------------------------------ retireAccount

    @Test
    void retireAccount_whenTheUserHoldsAGrant_thenRevokedBySystemWithTheReasonAndOnlyOnce()
            throws Exception {
        core.defineSql(basePolicy().build());
        AccessRequest r = requests.submit(ALICE, ask(Duration.ofHours(1)));
        int outboxBefore = pendingOutbox();

        int ended = requests.retireAccount(ALICE, "deleted in the production directory");

        assertThat(ended).isEqualTo(1);
        assertThat(requests.get(r.id(), ALICE).state()).isEqualTo(RequestState.REVOKED);
        AuditRecord last = lastEvent();
        assertThat(last.event().type()).isEqualTo("grant.revoked");
        assertThat(last.event().actor()).isEqualTo("system");
        assertThat(last.event().details())
                .containsEntry("reason", "deleted in the production directory");
        assertThat(pendingOutbox()).isEqualTo(outboxBefore + 1); // the membership goes too
        assertThat(requests.retireAccount(ALICE, "again")).isZero();
        assertThat(requests.retireAccount(BOB, "never asked")).isZero();
    }

    @Test
    void retireAccount_whenTheUserHasAPendingRequest_thenCancelledAndOthersUntouched()
            throws Exception {
        core.defineSql(approvalPolicy(1, false));
        AccessRequest alice = requests.submit(ALICE, ask(Duration.ofHours(1)));
        AccessRequest dave = requests.submit(DAVE, ask(Duration.ofHours(1)));

        assertThat(requests.retireAccount(UserId.of("Alice"), "disabled")).isEqualTo(1);

        assertThat(requests.get(alice.id(), ALICE).state()).isEqualTo(RequestState.CANCELLED);
        assertThat(requests.get(dave.id(), DAVE).state()).isEqualTo(RequestState.PENDING_APPROVAL);
        assertThat(lastEvent().event().type()).isEqualTo("request.cancelled");
        assertThat(lastEvent().event().details()).containsEntry("reason", "disabled");
    }

    protected static ActivationPolicy approvalPolicy(int quorum, boolean mfa) throws Exception {
        return basePolicy()
                .approval(Set.of(CAROL), Set.of(APPROVERS), quorum)
                .mfaRequired(mfa)
                .build();
    }

    protected static NewRequest ask(Duration d) throws InvalidInputException {
        return NewRequest.of(SQL, d, "INC0012345 maintenance", null, null);
    }

    /**
     * Asserts that {@code call} throws {@code type} and leaves every table unchanged; returns an
     * assertion on the message.
     */
    protected org.assertj.core.api.AbstractStringAssert<?> assertRefused(
            ThrowingCallable call, Class<? extends BastionException> type) throws Exception {
        List<String> before = Snapshot.of(core.db);
        Throwable thrown = org.assertj.core.api.Assertions.catchThrowable(call);
        assertThat(thrown).isInstanceOf(type);
        assertThat(Snapshot.of(core.db)).isEqualTo(before);
        return assertThat(thrown.getMessage());
    }

    protected List<String> types() throws Exception {
        return core.audit.query(AuditQuery.all().limit(1000)).records().stream()
                .map(rec -> rec.event().type())
                .toList();
    }

    protected AuditRecord lastEvent() throws Exception {
        List<AuditRecord> all = core.audit.query(AuditQuery.all().limit(1000)).records();
        return all.get(all.size() - 1);
    }

    protected AuditRecord lastEventOfType(String type) throws Exception {
        List<AuditRecord> all = core.audit.query(AuditQuery.all().type(type).limit(1000)).records();
        return all.get(all.size() - 1);
    }

    protected int pendingOutbox() throws Exception {
        return core.db.inTransaction(
                c -> {
                    try (var s = c.createStatement();
                            var rs =
                                    s.executeQuery(
                                            "SELECT COUNT(*) FROM directory_outbox WHERE status"
                                                    + " = 'PENDING'")) {
                        rs.next();
                        return rs.getInt(1);
                    }
                });
    }

    protected static List<Object> concurrently(int n, Callable<Object> task) throws Exception {
        List<Callable<Object>> tasks = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            tasks.add(task);
        }
        return concurrently(n, tasks);
    }

    protected static List<Object> concurrently(int n, List<Callable<Object>> tasks)
            throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(n);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<Object>> futures = new ArrayList<>();
            for (Callable<Object> task : tasks) {
                futures.add(
                        pool.submit(
                                () -> {
                                    go.await();
                                    return task.call();
                                }));
            }
            go.countDown();
            List<Object> out = new ArrayList<>();
            for (Future<Object> f : futures) {
                out.add(f.get(60, TimeUnit.SECONDS));
            }
            return out;
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void search_whenPaged_thenEveryRequestOnceInOrderAndOnlyTheCallersOwn() throws Exception {
        core.defineSql(basePolicy().eligibleUsers(Set.of(ALICE, DAVE)).build());
        List<RequestId> mine = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            AccessRequest r =
                    core.requests.submit(
                            ALICE,
                            NewRequest.of(SQL, Duration.ofHours(1), "INC000" + i, null, null));
            mine.add(r.id());
            core.requests.close(r.id(), ALICE, "done");
            core.clock.advance(Duration.ofSeconds(1));
        }
        core.requests.submit(
                DAVE, NewRequest.of(SQL, Duration.ofHours(1), "INC0009999", null, null));

        List<RequestId> seen = new ArrayList<>();
        RequestQuery q = RequestQuery.mine().limit(2);
        RequestPage page;
        do {
            page = core.requests.search(ALICE, q);
            page.items().forEach(r -> seen.add(r.id()));
            assertThat(page.items()).allMatch(r -> r.requester().equals(ALICE));
            q = page.next().map(RequestQuery.mine().limit(2)::after).orElse(null);
        } while (q != null);
        List<RequestId> newestFirst = new ArrayList<>(mine);
        java.util.Collections.reverse(newestFirst);
        assertThat(seen).containsExactlyElementsOf(newestFirst);

        assertThat(
                        core.requests
                                .search(ALICE, RequestQuery.mine().newestFirst(false).limit(1))
                                .items())
                .extracting(AccessRequest::id)
                .containsExactly(mine.get(0));
        assertThat(
                        core.requests
                                .search(
                                        DAVE,
                                        RequestQuery.mine().states(Set.of(RequestState.CLOSED)))
                                .items())
                .isEmpty();
    }

    @Test
    void search_whenEverybodysRequestsAreAsked_thenOnlyAdministratorsGetThem() throws Exception {
        core.defineSql(basePolicy().eligibleUsers(Set.of(ALICE, DAVE)).build());
        core.requests.submit(
                ALICE, NewRequest.of(SQL, Duration.ofHours(1), "INC0000001", null, null));
        core.requests.submit(
                DAVE, NewRequest.of(SQL, Duration.ofHours(1), "INC0000002", null, null));

        assertThatThrownBy(() -> core.requests.search(ALICE, RequestQuery.all()))
                .isInstanceOf(AccessDeniedException.class);
        assertThat(
                        core.requests
                                .search(
                                        ROOT,
                                        RequestQuery.all()
                                                .states(Set.of(RequestState.ACTIVE))
                                                .group(SQL))
                                .items())
                .hasSize(2);
        assertThat(core.requests.search(ROOT, RequestQuery.all().requester(DAVE)).items())
                .extracting(AccessRequest::requester)
                .containsExactly(DAVE);
    }
}
