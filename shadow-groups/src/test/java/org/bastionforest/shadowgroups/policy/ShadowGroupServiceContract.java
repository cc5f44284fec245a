package org.bastionforest.shadowgroups.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.bastionforest.shadowgroups.testing.Core.ALICE;
import static org.bastionforest.shadowgroups.testing.Core.ROOT;
import static org.bastionforest.shadowgroups.testing.Core.SQL;
import static org.bastionforest.shadowgroups.testing.Core.SQL_ADMINS;
import static org.bastionforest.shadowgroups.testing.Core.basePolicy;

import java.time.Duration;
import java.util.List;
import org.bastionforest.shadowgroups.audit.AuditQuery;
import org.bastionforest.shadowgroups.audit.AuditRecord;
import org.bastionforest.shadowgroups.errors.AccessDeniedException;
import org.bastionforest.shadowgroups.errors.ConflictException;
import org.bastionforest.shadowgroups.errors.NotFoundException;
import org.bastionforest.shadowgroups.request.NewRequest;
import org.bastionforest.shadowgroups.storage.DatabaseOptions;
import org.bastionforest.shadowgroups.testing.Core;
import org.bastionforest.shadowgroups.testing.Snapshot;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Defining shadow groups, on one database vendor. */
abstract class ShadowGroupServiceContract {
    protected Core core;

    protected abstract DatabaseOptions newDatabaseOptions();

    @BeforeEach
    void openCore() throws Exception {
        core = new Core(newDatabaseOptions());
    }

    @AfterEach
    void closeCore() {
        if (core != null) {
            core.close();
        }
    }

    @Test
    void create_whenAnAdministratorDefinesAGroup_thenStoredAndAudited() throws Exception {
        ShadowGroup created = core.defineSql(basePolicy().maximumExtensions(2).build());

        assertThat(core.groups.find(SQL)).contains(created);
        assertThat(core.groups.list()).containsExactly(created);
        AuditRecord event = events().get(0);
        assertThat(event.event().type()).isEqualTo("policy.created");
        assertThat(event.event().actor()).isEqualTo("root-admin");
        assertThat(event.event().groupId()).contains("sql-admins");
        assertThat(event.event().details()).containsKey("policy");
    }

    @Test
    void create_whenNotAnAdministrator_thenAccessDeniedAndNothingChanged() throws Exception {
        List<String> before = Snapshot.of(core.db);

        assertThatThrownBy(() -> core.groups.create(ALICE, sqlGroup(basePolicy().build())))
                .isInstanceOf(AccessDeniedException.class);

        assertThat(Snapshot.of(core.db)).isEqualTo(before);
    }

    @Test
    void create_whenTheIdOrTheProductionGroupIsTaken_thenConflict() throws Exception {
        core.defineSql(basePolicy().build());
        List<String> before = Snapshot.of(core.db);

        assertThatThrownBy(() -> core.defineSql(basePolicy().build()))
                .isInstanceOf(ConflictException.class)
                .hasMessageContaining("exists already");
        assertThatThrownBy(
                        () ->
                                core.groups.create(
                                        ROOT,
                                        ShadowGroup.of(
                                                ShadowGroupId.of("sql-admins-2"),
                                                "Again",
                                                "",
                                                "CN=SQL Admins,DC=corp",
                                                SQL_ADMINS,
                                                basePolicy().build())))
                .isInstanceOf(ConflictException.class)
                .hasMessageContaining("already has shadow group sql-admins");

        assertThat(Snapshot.of(core.db)).isEqualTo(before);
    }

    @Test
    void update_whenThePolicyChanges_thenStoredAndAuditedWithThePreviousPolicy() throws Exception {
        core.defineSql(basePolicy().build());
        ShadowGroup changed = sqlGroup(basePolicy().maximumDuration(Duration.ofHours(4)).build());

        core.groups.update(ROOT, changed);

        assertThat(core.groups.find(SQL).orElseThrow().policy().maximumDuration())
                .isEqualTo(Duration.ofHours(4));
        AuditRecord event = events().get(1);
        assertThat(event.event().type()).isEqualTo("policy.updated");
        assertThat(event.event().details().get("previousPolicy")).contains("PT8H");
        assertThat(event.event().details().get("policy")).contains("PT4H");
    }

    @Test
    void update_whenTheGroupDoesNotExist_thenNotFound() {
        assertThatThrownBy(() -> core.groups.update(ROOT, sqlGroup(basePolicy().build())))
                .isInstanceOf(NotFoundException.class);
    }

    @Test
    void delete_whenTheGroupHasAnActiveGrant_thenConflictAndAfterTheGrantEndsDeleted()
            throws Exception {
        core.defineSql(basePolicy().build());
        var r = core.requests.submit(ALICE, NewRequest.of(SQL, "x"));
        List<String> before = Snapshot.of(core.db);

        assertThatThrownBy(() -> core.groups.delete(ROOT, SQL))
                .isInstanceOf(ConflictException.class)
                .hasMessageContaining("open requests or active grants");
        assertThat(Snapshot.of(core.db)).isEqualTo(before);

        core.requests.close(r.id(), ALICE, "");
        core.groups.delete(ROOT, SQL);

        assertThat(core.groups.find(SQL)).isEmpty();
        assertThat(events()).last().extracting(e -> e.event().type()).isEqualTo("policy.deleted");
        // a deleted id stays taken: its history refers to it
        assertThatThrownBy(() -> core.defineSql(basePolicy().build()))
                .isInstanceOf(ConflictException.class);
    }

    @Test
    void plan_whenTheWantedSetDiffers_thenCreatesUpdatesAndDeletesAreListedAndNothingChanged()
            throws Exception {
        core.defineSql(basePolicy().build());
        core.groups.create(ROOT, group("web-admins", 1300, basePolicy().build()));
        List<String> before = org.bastionforest.shadowgroups.testing.Snapshot.of(core.db);
        List<ShadowGroup> wanted =
                List.of(
                        sqlGroup(basePolicy().maximumDuration(Duration.ofHours(4)).build()),
                        group("dns-admins", 1400, basePolicy().build()));

        PolicyPlan plan = core.groups.plan(wanted, true);

        assertThat(plan.creates())
                .extracting(ShadowGroup::id)
                .containsExactly(ShadowGroupId.of("dns-admins"));
        assertThat(plan.updates())
                .singleElement()
                .satisfies(
                        c ->
                                assertThat(c.fields())
                                        .containsExactly(
                                                "description",
                                                "productionGroupDn",
                                                "policy.maximumDuration"));
        assertThat(plan.deletes()).containsExactly(ShadowGroupId.of("web-admins"));
        assertThat(plan.describe())
                .contains("+ dns-admins", "- web-admins")
                .anySatisfy(
                        l ->
                                assertThat(l)
                                        .contains(
                                                "~ sql-admins",
                                                "policy.maximumDuration PT8H -> PT4H"));
        assertThat(core.groups.plan(wanted, false).deletes()).isEmpty();
        assertThat(org.bastionforest.shadowgroups.testing.Snapshot.of(core.db)).isEqualTo(before);
    }

    @Test
    void apply_whenThePlanIsApplied_thenTheLiveGroupsEqualTheWantedSetAndEachChangeIsAudited()
            throws Exception {
        core.defineSql(basePolicy().build());
        core.groups.create(ROOT, group("web-admins", 1300, basePolicy().build()));
        List<ShadowGroup> wanted =
                List.of(
                        sqlGroup(basePolicy().maximumDuration(Duration.ofHours(4)).build()),
                        group("dns-admins", 1400, basePolicy().build()));

        core.groups.apply(ROOT, wanted, true);

        assertThat(core.groups.list()).containsExactlyInAnyOrderElementsOf(wanted);
        assertThat(core.groups.plan(wanted, true).isEmpty()).isTrue();
        assertThat(events())
                .extracting(e -> e.event().type())
                .endsWith("policy.deleted", "policy.updated", "policy.created", "policy.imported");
    }

    @Test
    void apply_whenOneChangeIsRefused_thenNothingIsChanged() throws Exception {
        core.defineSql(basePolicy().build());
        core.requests.submit(ALICE, NewRequest.of(SQL, "x")); // sql-admins cannot be deleted now
        List<String> before = org.bastionforest.shadowgroups.testing.Snapshot.of(core.db);

        assertThatThrownBy(
                        () ->
                                core.groups.apply(
                                        ROOT,
                                        List.of(group("dns-admins", 1400, basePolicy().build())),
                                        true))
                .isInstanceOf(ConflictException.class)
                .hasMessageContaining("open requests");
        assertThat(org.bastionforest.shadowgroups.testing.Snapshot.of(core.db)).isEqualTo(before);
    }

    @Test
    void plan_whenAnIdOrAProductionGroupIsWantedTwice_thenInvalidInput() throws Exception {
        ShadowGroup a = group("dns-admins", 1400, basePolicy().build());

        assertThatThrownBy(() -> core.groups.plan(List.of(a, a), false))
                .isInstanceOf(org.bastionforest.shadowgroups.errors.InvalidInputException.class)
                .hasMessageContaining("defined twice");
        assertThatThrownBy(
                        () ->
                                core.groups.plan(
                                        List.of(
                                                a,
                                                group("dns-admins-2", 1400, basePolicy().build())),
                                        false))
                .isInstanceOf(org.bastionforest.shadowgroups.errors.InvalidInputException.class)
                .hasMessageContaining("more than one shadow group");
    }

    private static ShadowGroup group(String id, long rid, ActivationPolicy policy)
            throws Exception {
        return ShadowGroup.of(
                ShadowGroupId.of(id),
                id,
                "",
                "CN=" + id + ",DC=corp",
                org.bastionforest.shadowgroups.model.Sid.of(Core.DOMAIN, rid),
                policy);
    }

    private List<AuditRecord> events() throws Exception {
        return core.audit.query(AuditQuery.all()).records();
    }

    private static ShadowGroup sqlGroup(ActivationPolicy policy) throws Exception {
        return ShadowGroup.of(SQL, "SQL Admins", "", "CN=SQL Admins,DC=corp", SQL_ADMINS, policy);
    }
}
