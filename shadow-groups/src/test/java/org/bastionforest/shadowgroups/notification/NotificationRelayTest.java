package org.bastionforest.shadowgroups.notification;

import static org.assertj.core.api.Assertions.assertThat;
import static org.bastionforest.shadowgroups.testing.Core.ALICE;
import static org.bastionforest.shadowgroups.testing.Core.APPROVERS;
import static org.bastionforest.shadowgroups.testing.Core.CAROL;
import static org.bastionforest.shadowgroups.testing.Core.basePolicy;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.bastionforest.shadowgroups.notification.Notification.Kind;
import org.bastionforest.shadowgroups.request.AccessRequest;
import org.bastionforest.shadowgroups.request.NewRequest;
import org.bastionforest.shadowgroups.testing.Core;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class NotificationRelayTest {
    private Core core;
    private final List<Notification> sent = new CopyOnWriteArrayList<>();
    private NotificationRelay relay;

    @BeforeEach
    void open() throws Exception {
        core = new Core(Core.hsqldb());
        relay = new NotificationRelay(core.db, core.audit, sent::add);
    }

    @AfterEach
    void close() throws Exception {
        core.close();
    }

    private AccessRequest submitPending() throws Exception {
        core.defineSql(basePolicy().approval(Set.of(CAROL), Set.of(APPROVERS), 1).build());
        return core.requests.submit(
                ALICE,
                NewRequest.of(Core.SQL, Duration.ofHours(1), "INC0012345 maintenance", null, null));
    }

    @Test
    void relayDue_whenARequestWaits_thenItsApproversHearOnceOnly() throws Exception {
        AccessRequest r = submitPending();
        assertThat(relay.relayDue()).isEqualTo(1);
        Notification n = sent.get(0);
        assertThat(n.kind()).isEqualTo(Kind.APPROVAL_WAITING);
        assertThat(n.request()).isEqualTo(r.id());
        assertThat(n.requester()).isEqualTo(ALICE);
        assertThat(n.recipients()).containsExactly(CAROL);
        assertThat(n.recipientGroups()).containsExactly(APPROVERS);

        assertThat(relay.relayDue()).as("the cursor moved on").isZero();
        assertThat(sent).hasSize(1);
    }

    @Test
    void relayDue_whenApprovedThenClosed_thenTheRequesterHearsEachStep() throws Exception {
        AccessRequest r = submitPending();
        core.requests.approve(r.id(), CAROL);
        core.requests.close(r.id(), ALICE, "done");
        relay.relayDue();

        assertThat(sent)
                .extracting(Notification::kind)
                .containsExactly(
                        Kind.APPROVAL_WAITING, Kind.APPROVED, Kind.GRANT_STARTED, Kind.GRANT_ENDED);
        Notification started = sent.get(2);
        assertThat(started.recipients()).containsExactly(ALICE);
        assertThat(started.endsAt()).isPresent();
        assertThat(sent).extracting(Notification::id).doesNotHaveDuplicates();
    }

    @Test
    void relayDue_whenDeniedOrTimedOut_thenTheRequesterHears() throws Exception {
        AccessRequest denied = submitPending();
        core.requests.deny(denied.id(), CAROL, "not now");
        AccessRequest waiting =
                core.requests.submit(
                        ALICE,
                        NewRequest.of(
                                Core.SQL, Duration.ofHours(1), "INC0012346 again", null, null));
        core.clock.advance(Duration.ofHours(25));
        core.requests.timeOutDue();
        relay.relayDue();

        assertThat(sent)
                .extracting(Notification::kind)
                .containsExactly(
                        Kind.APPROVAL_WAITING, Kind.DENIED, Kind.APPROVAL_WAITING, Kind.TIMED_OUT);
        assertThat(sent.get(3).request()).isEqualTo(waiting.id());
    }

    @Test
    void relayDue_whenRelayedAgainAfterACrash_thenTheSameIds() throws Exception {
        submitPending();
        relay.relayDue();
        // a crash between sending and committing the cursor: the cursor is back where it was
        core.db.inTransaction(
                c ->
                        c.createStatement()
                                .executeUpdate("UPDATE notification_cursor SET last_seq = 0"));
        List<Notification> again = new CopyOnWriteArrayList<>();
        new NotificationRelay(core.db, core.audit, again::add).relayDue();
        assertThat(again)
                .extracting(Notification::id)
                .containsExactlyElementsOf(sent.stream().map(Notification::id).toList());
    }

    @Test
    void relayDue_whenTheSenderThrows_thenTheRelayGoesOnAndNothingIsUndone() throws Exception {
        AccessRequest r = submitPending();
        NotificationRelay broken =
                new NotificationRelay(
                        core.db,
                        core.audit,
                        n -> {
                            throw new IllegalStateException("smtp down");
                        });
        assertThat(broken.relayDue()).isZero();
        assertThat(core.requests.get(r.id(), ALICE).state().name()).isEqualTo("PENDING_APPROVAL");
        assertThat(relay.relayDue()).as("the events were consumed").isZero();
    }

    @Test
    void announceEndingSoon_whenAGrantNearsItsEnd_thenTheHolderHearsOncePerEndTime()
            throws Exception {
        core.defineSql(basePolicy().maximumExtensions(1).build());
        AccessRequest r =
                core.requests.submit(
                        ALICE,
                        NewRequest.of(
                                Core.SQL, Duration.ofHours(1), "INC0012347 patch", null, null));
        Duration lead = Duration.ofMinutes(15);
        assertThat(core.requests.announceEndingSoon(lead, 100)).as("an hour left").isZero();

        core.clock.advance(Duration.ofMinutes(46));
        assertThat(core.requests.announceEndingSoon(lead, 100)).isEqualTo(1);
        assertThat(core.requests.announceEndingSoon(lead, 100)).as("only once").isZero();

        core.requests.extend(r.id(), ALICE, Duration.ofMinutes(30));
        assertThat(core.requests.announceEndingSoon(lead, 100))
                .as("extended: no longer soon")
                .isZero();
        core.clock.advance(Duration.ofMinutes(30));
        assertThat(core.requests.announceEndingSoon(lead, 100)).as("the new end").isEqualTo(1);

        relay.relayDue();
        List<Notification> soon =
                sent.stream().filter(n -> n.kind() == Kind.GRANT_ENDING_SOON).toList();
        assertThat(soon).hasSize(2);
        assertThat(soon).allSatisfy(n -> assertThat(n.recipients()).containsExactly(ALICE));
        assertThat(soon.get(1).endsAt())
                .contains(core.requests.get(r.id(), ALICE).grant().orElseThrow().endsAt());
    }

    @Test
    void announceEndingSoon_whenTheGrantWasClosed_thenNothing() throws Exception {
        core.defineSql(basePolicy().build());
        AccessRequest r =
                core.requests.submit(
                        ALICE,
                        NewRequest.of(
                                Core.SQL, Duration.ofHours(1), "INC0012348 patch", null, null));
        core.requests.close(r.id(), ALICE, "done early");
        core.clock.advance(Duration.ofMinutes(50));
        assertThat(core.requests.announceEndingSoon(Duration.ofMinutes(15), 100)).isZero();
    }
}
