package org.bastionforest.shadowgroups.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.bastionforest.shadowgroups.testing.Core.APPROVERS;
import static org.bastionforest.shadowgroups.testing.Core.DBA_TEAM;
import static org.bastionforest.shadowgroups.testing.Core.ROOT;
import static org.bastionforest.shadowgroups.testing.Core.SQL_ADMINS;

import java.time.DayOfWeek;
import java.time.Duration;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.List;
import org.bastionforest.shadowgroups.errors.InvalidInputException;
import org.bastionforest.shadowgroups.testing.Core;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PolicyFileTest {
    static final String FILE =
            """
            shadow-groups:
              - id: sql-admins
                display-name: SQL Admins
                description: DBAs on call
                production-group:
                  dn: CN=SQL Admins,OU=Groups,DC=corp,DC=example
                  sid: %s
                eligible:
                  users: [Alice]
                  groups: [%s]
                duration: {default: 1h, maximum: PT8H}
                approval:
                  groups: [%s]
                  quorum: 1
                  timeout: 12h
                mfa: true
                justification: true
                ticket: {pattern: "^(INC|CHG)[0-9]{6,}$"}
                availability: {days: [monday, friday], from: "08:00", to: "18:00", zone: Europe/Berlin}
                maximum-extensions: 2
              - id: helpdesk
                production-group: {dn: "CN=Helpdesk,OU=Groups,DC=corp,DC=example", sid: S-1-5-21-1-2-3-1400}
                eligible: {users: [bob]}
                duration: {default: 30m, maximum: 1d}
            """
                    .formatted(SQL_ADMINS, DBA_TEAM, APPROVERS);

    @Test
    void parse_whenEveryField_thenTheGroupsWithTheirPolicies() throws Exception {
        List<ShadowGroup> groups = PolicyFile.parse(FILE);
        assertThat(groups).hasSize(2);
        ShadowGroup sql = groups.get(0);
        assertThat(sql.id().value()).isEqualTo("sql-admins");
        assertThat(sql.productionGroupSid()).isEqualTo(SQL_ADMINS);
        ActivationPolicy p = sql.policy();
        assertThat(p.eligibleUsers()).containsExactly(UserId.of("alice"));
        assertThat(p.eligibleGroups()).containsExactly(DBA_TEAM);
        assertThat(p.defaultDuration()).isEqualTo(Duration.ofHours(1));
        assertThat(p.maximumDuration()).isEqualTo(Duration.ofHours(8));
        assertThat(p.approvalRequired()).isTrue();
        assertThat(p.approvalTimeout()).isEqualTo(Duration.ofHours(12));
        assertThat(p.mfaRequired()).isTrue();
        assertThat(p.compiledTicketPattern()).isPresent();
        assertThat(p.availability().orElseThrow())
                .isEqualTo(
                        new AvailabilityWindow(
                                java.util.Set.of(DayOfWeek.MONDAY, DayOfWeek.FRIDAY),
                                LocalTime.of(8, 0),
                                LocalTime.of(18, 0),
                                ZoneId.of("Europe/Berlin")));
        ShadowGroup helpdesk = groups.get(1);
        assertThat(helpdesk.displayName()).isEqualTo("helpdesk");
        assertThat(helpdesk.policy().approvalRequired()).isFalse();
        assertThat(helpdesk.policy().maximumDuration()).isEqualTo(Duration.ofDays(1));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            value = {
                "unknown key     | 'shadow-groups:\n  - id: x\n    colour: red\n' | shadow-groups[0].colour: unknown key",
                "top-level key   | 'groups: []\n' | groups: unknown key",
                "not a list      | 'shadow-groups: {}\n' | shadow-groups: must be a list",
                "missing sid     | 'shadow-groups:\n  - id: x\n    production-group: {dn: CN=x}\n' | shadow-groups[0].production-group.sid: is required",
                "bad sid         | 'shadow-groups:\n  - id: x\n    production-group: {dn: CN=x, sid: S-1-5-99999999999}\n' | shadow-groups[0].production-group.sid",
                "bad id          | 'shadow-groups:\n  - id: Not Valid\n' | shadow-groups[0].id",
                "bad duration    | 'shadow-groups:\n  - id: x\n    production-group: {dn: CN=x, sid: S-1-5-21-1-2-3-4}\n    eligible: {users: [a]}\n    duration: {default: soon, maximum: 1h}\n' | shadow-groups[0].duration.default",
                "quorum text     | 'shadow-groups:\n  - id: x\n    production-group: {dn: CN=x, sid: S-1-5-21-1-2-3-4}\n    eligible: {users: [a]}\n    duration: {default: 1h, maximum: 1h}\n    approval: {users: [b], quorum: two}\n' | shadow-groups[0].approval.quorum: must be a whole number",
                "over maximum    | 'shadow-groups:\n  - id: x\n    production-group: {dn: CN=x, sid: S-1-5-21-1-2-3-4}\n    eligible: {users: [a]}\n    duration: {default: 9h, maximum: 8h}\n' | shadow-groups[0]",
                "duplicate key   | 'shadow-groups:\n  - id: x\n    id: y\n' | not valid YAML",
                "bad zone        | 'shadow-groups:\n  - id: x\n    production-group: {dn: CN=x, sid: S-1-5-21-1-2-3-4}\n    eligible: {users: [a]}\n    duration: {default: 1h, maximum: 1h}\n    availability: {days: [monday], from: \"08:00\", to: \"18:00\", zone: Mars/Olympus}\n' | shadow-groups[0].availability.zone",
            })
    void parse_whenInvalid_thenRefusedNamingThePlace(String name, String yaml, String message) {
        assertThatThrownBy(() -> PolicyFile.parse(yaml.replace("\\n", "\n")))
                .as(name)
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining(message);
    }

    @Test
    void planAndApply_whenTheFileIsTheWantedState_thenDryRunListsCreatesAndApplyMakesThem()
            throws Exception {
        try (Core core = new Core(Core.hsqldb())) {
            List<ShadowGroup> desired = PolicyFile.parse(FILE);
            PolicyPlan dryRun = core.groups.plan(desired, false);
            assertThat(dryRun.creates()).hasSize(2);
            assertThat(core.groups.plan(desired, false).creates())
                    .as("a dry run changes nothing")
                    .hasSize(2);

            core.groups.apply(ROOT, desired, false);
            assertThat(core.groups.plan(desired, false).isEmpty()).isTrue();

            String changed = FILE.replace("maximum: PT8H", "maximum: 4h");
            PolicyPlan update = core.groups.plan(PolicyFile.parse(changed), false);
            assertThat(update.updates()).hasSize(1);
            assertThat(update.updates().get(0).toString()).contains("PT8H").contains("PT4H");
        }
    }

    @Test
    void toTree_whenReadBack_thenAnEqualGroup() throws Exception {
        for (ShadowGroup g : PolicyFile.parse(FILE)) {
            com.fasterxml.jackson.databind.JsonNode tree = PolicyFile.toTree(g);
            assertThat(PolicyFile.parseGroup(tree)).isEqualTo(g);
        }
    }
}
