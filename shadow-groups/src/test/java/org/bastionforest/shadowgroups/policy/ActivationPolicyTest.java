package org.bastionforest.shadowgroups.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.DayOfWeek;
import java.time.Duration;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.EnumSet;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.bastionforest.shadowgroups.errors.InvalidInputException;
import org.bastionforest.shadowgroups.model.Sid;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

class ActivationPolicyTest {
    static final UserId ALICE = UserId.of("alice");
    static final UserId CAROL = UserId.of("carol");
    static final UserId BOB = UserId.of("bob");
    static final Sid GROUP = Sid.parse("S-1-5-21-1-2-3-1201");

    static ActivationPolicy.Builder valid() {
        return ActivationPolicy.builder().eligibleUsers(Set.of(ALICE));
    }

    @Test
    void build_whenOnlyEligibleUsersAreSet_thenTheDefaults() throws Exception {
        ActivationPolicy p = valid().build();

        assertThat(p.defaultDuration()).isEqualTo(Duration.ofHours(1));
        assertThat(p.maximumDuration()).isEqualTo(Duration.ofHours(8));
        assertThat(p.approvalRequired()).isFalse();
        assertThat(p.quorum()).isEqualTo(1);
        assertThat(p.approvalTimeout()).isEqualTo(Duration.ofHours(24));
        assertThat(p.maximumExtensions()).isZero();
        assertThat(p.availability()).isEmpty();
    }

    static Stream<Arguments> invalidPolicies() {
        return Stream.of(
                bad(
                        "no eligible",
                        b -> b.eligibleUsers(Set.of()),
                        "eligibleUsers and eligibleGroups"),
                bad(
                        "max zero",
                        b -> b.maximumDuration(Duration.ZERO),
                        "maximumDuration must be at least PT1M"),
                bad(
                        "max over 30 days",
                        b -> b.maximumDuration(Duration.ofDays(31)),
                        "maximumDuration must be at most PT720H"),
                bad(
                        "max with nanos",
                        b -> b.maximumDuration(Duration.ofMinutes(5).plusMillis(1)),
                        "maximumDuration must be whole seconds"),
                bad(
                        "default over max",
                        b -> b.defaultDuration(Duration.ofHours(9)),
                        "defaultDuration PT9H must not exceed maximumDuration PT8H"),
                bad(
                        "default too short",
                        b -> b.defaultDuration(Duration.ofSeconds(59)),
                        "defaultDuration must be at least PT1M"),
                bad(
                        "approval without approvers",
                        b -> b.approval(Set.of(), Set.of(), 1),
                        "approverUsers and approverGroups must name at least one"),
                bad(
                        "quorum zero",
                        b -> b.approval(Set.of(CAROL), Set.of(), 0),
                        "quorum must be between 1 and 20"),
                bad(
                        "quorum over 20",
                        b -> b.approval(Set.of(CAROL), Set.of(GROUP), 21),
                        "quorum must be between 1 and 20"),
                bad(
                        "quorum over users",
                        b -> b.approval(Set.of(CAROL, BOB), Set.of(), 3),
                        "quorum 3 exceeds the 2 approverUsers"),
                bad(
                        "bad regex",
                        b -> b.ticketRequired("(INC"),
                        "ticketPattern is not a valid regular expression"),
                bad(
                        "long regex",
                        b -> b.ticketRequired("x".repeat(201)),
                        "ticketPattern must be 1 to 200"),
                bad("empty regex", b -> b.ticketRequired(""), "ticketPattern must be 1 to 200"),
                bad(
                        "extensions negative",
                        b -> b.maximumExtensions(-1),
                        "maximumExtensions must be between 0 and 20"),
                bad(
                        "extensions over 20",
                        b -> b.maximumExtensions(21),
                        "maximumExtensions must be between 0 and 20"),
                bad(
                        "timeout too short",
                        b -> b.approvalTimeout(Duration.ofMinutes(4)),
                        "approvalTimeout must be"),
                bad(
                        "timeout too long",
                        b -> b.approvalTimeout(Duration.ofDays(15)),
                        "approvalTimeout must be"));
    }

    static Arguments bad(
            String name, UnaryOperator<ActivationPolicy.Builder> change, String message) {
        return Arguments.of(name, change, message);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidPolicies")
    void build_whenARuleIsBroken_thenInvalidInputNamingTheField(
            String name, UnaryOperator<ActivationPolicy.Builder> change, String message) {
        assertThatThrownBy(() -> change.apply(valid()).build())
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining(message);
    }

    @Test
    void constructor_whenApproversGivenWithoutApproval_thenRefused() {
        assertThatThrownBy(
                        () ->
                                new ActivationPolicy(
                                        Set.of(ALICE),
                                        Set.of(),
                                        Duration.ofHours(1),
                                        Duration.ofHours(8),
                                        false,
                                        Set.of(CAROL),
                                        Set.of(),
                                        1,
                                        false,
                                        false,
                                        false,
                                        java.util.Optional.of("x"),
                                        java.util.Optional.empty(),
                                        0,
                                        Duration.ofHours(24)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("must be empty when approvalRequired is false");
    }

    @ParameterizedTest(name = "quorum {0} of users {1} and groups {2}: valid={3}")
    @CsvSource({
        "1, 1, 0, true",
        "2, 2, 0, true",
        "3, 2, 0, false",
        "5, 1, 1, true",
        "20, 0, 1, true",
        "21, 0, 1, false"
    })
    void build_whenQuorumAndApproversVary_thenNofMIsChecked(
            int quorum, int users, int groups, boolean valid) {
        Set<UserId> approverUsers = new java.util.TreeSet<>();
        for (int i = 0; i < users; i++) {
            approverUsers.add(UserId.of("approver" + i));
        }
        Set<Sid> approverGroups = groups == 0 ? Set.of() : Set.of(GROUP);
        ActivationPolicy.Builder b = valid().approval(approverUsers, approverGroups, quorum);

        if (valid) {
            assertThat(org.assertj.core.api.Assertions.catchThrowable(b::build)).isNull();
        } else {
            assertThatThrownBy(b::build).isInstanceOf(InvalidInputException.class);
        }
    }

    @Test
    void noTicket_whenAPatternWasSet_thenThePatternIsDroppedToo() throws Exception {
        ActivationPolicy p =
                valid().ticketRequired("^INC[0-9]+$").build().toBuilder().noTicket().build();

        assertThat(p.ticketRequired()).isFalse();
        assertThat(p.ticketPattern()).isEmpty();
    }

    @Test
    void toBuilder_whenUnchanged_thenAnEqualPolicy() throws Exception {
        ActivationPolicy p =
                valid().eligibleGroups(Set.of(GROUP))
                        .approval(Set.of(CAROL), Set.of(GROUP), 2)
                        .mfaRequired(true)
                        .justificationRequired(true)
                        .ticketRequired("^(INC|CHG)[0-9]{6,}$")
                        .availability(
                                new AvailabilityWindow(
                                        EnumSet.of(DayOfWeek.MONDAY),
                                        LocalTime.of(7, 0),
                                        LocalTime.of(19, 0),
                                        ZoneId.of("Europe/Berlin")))
                        .maximumExtensions(3)
                        .approvalTimeout(Duration.ofHours(4))
                        .build();

        assertThat(p.toBuilder().build()).isEqualTo(p);
        assertThat(PolicyCodec.decode(PolicyCodec.encode(p))).isEqualTo(p);
    }

    @Test
    void decode_whenTheStoredTextIsNotAPolicy_thenRefused() {
        assertThatThrownBy(() -> PolicyCodec.decode("{\"v\":2}"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unknown version");
        assertThatThrownBy(() -> PolicyCodec.decode("not json"))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
