package org.bastionforest.ldapsync.sync;

import static org.assertj.core.api.Assertions.assertThat;

import com.unboundid.ldap.sdk.DN;
import com.unboundid.ldap.sdk.Entry;
import com.unboundid.ldap.sdk.Filter;
import com.unboundid.ldap.sdk.LDAPConnectionPool;
import com.unboundid.ldap.sdk.Modification;
import com.unboundid.ldap.sdk.ModificationType;
import com.unboundid.ldap.sdk.SearchResultEntry;
import com.unboundid.ldap.sdk.SearchScope;
import com.unboundid.ldap.sdk.SimpleBindRequest;
import com.unboundid.ldap.sdk.SingleServerSet;
import com.unboundid.ldif.LDIFReader;
import com.unboundid.ldif.LDIFWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.bastionforest.shadowgroups.model.ObjectGuid;
import org.bastionforest.shadowgroups.model.Sid;
import org.bastionforest.testldif.Fixtures;
import org.bastionforest.testsupport.SlapdServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The generic LDAPv3 path against a real OpenLDAP slapd (the generic fixture tree; one group
 * carries Samba's {@code sambaSID}), into the embedded bastion and into a second slapd that serves
 * as the bastion with the bastion schema: full, idle, then adds, changes, renames and deletions
 * (found by the diff of entryUUIDs).
 */
class SyncEngineOpenLdapIT {
    static final String BASTION_ROOT = "dc=priv,dc=example";
    static final Sid GROUP_SID = Sid.parse("S-1-5-21-3623811015-3361044348-30300820-1201");

    /** Samba's own definitions (samba.schema), for a group that has a SID outside AD. */
    static final List<String> SAMBA_ATTRIBUTES =
            List.of(
                    "( 1.3.6.1.4.1.7165.2.1.20 NAME 'sambaSID' DESC 'Security ID' EQUALITY"
                            + " caseIgnoreIA5Match SUBSTR caseExactIA5SubstringsMatch SYNTAX"
                            + " 1.3.6.1.4.1.1466.115.121.1.26{64} SINGLE-VALUE )",
                    "( 1.3.6.1.4.1.7165.2.1.19 NAME 'sambaGroupType' DESC 'NT Group Type'"
                            + " EQUALITY integerMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.27"
                            + " SINGLE-VALUE )",
                    "( 1.3.6.1.4.1.7165.2.1.51 NAME 'sambaSIDList' DESC 'Security ID List'"
                            + " EQUALITY caseIgnoreIA5Match SYNTAX"
                            + " 1.3.6.1.4.1.1466.115.121.1.26{64} )");

    static final List<String> SAMBA_CLASSES =
            List.of(
                    "( 1.3.6.1.4.1.7165.2.2.4 NAME 'sambaGroupMapping' DESC 'Samba Group Mapping'"
                            + " SUP top AUXILIARY MUST ( gidNumber $ sambaSID $ sambaGroupType )"
                            + " MAY ( displayName $ description $ sambaSIDList ) )");

    @TempDir Path dir;
    SlapdServer productionSlapd;
    LDAPConnectionPool production;
    SlapdServer bastionSlapd;
    LDAPConnectionPool bastionPool;
    SyncFixture fixture;

    @BeforeEach
    void startProduction() throws Exception {
        // rewritten without the header (comments and "version: 1") that slapadd refuses
        Path ldif = dir.resolve("generic.ldif");
        try (LDIFReader reader = new LDIFReader(Fixtures.open(Fixtures.GENERIC_LDAP));
                LDIFWriter writer = new LDIFWriter(ldif.toFile())) {
            for (Entry e; (e = reader.readEntry()) != null; ) {
                writer.writeEntry(e);
            }
        }
        productionSlapd =
                SlapdServer.start(
                        Fixtures.GENERIC_ROOT, Optional.of(ldif), SAMBA_ATTRIBUTES, SAMBA_CLASSES);
        production = pool(productionSlapd);
        production.modify(
                "cn=db-admins,ou=groups," + Fixtures.GENERIC_ROOT,
                new Modification(ModificationType.ADD, "objectClass", "sambaGroupMapping"),
                new Modification(ModificationType.ADD, "gidNumber", "1201"),
                new Modification(ModificationType.ADD, "sambaGroupType", "2"),
                new Modification(ModificationType.ADD, "sambaSID", GROUP_SID.toString()));
    }

    @AfterEach
    void stop() {
        if (fixture != null) {
            fixture.close();
        }
        if (bastionPool != null) {
            bastionPool.close();
            bastionSlapd.close();
        }
        production.close();
        productionSlapd.close();
    }

    static LDAPConnectionPool pool(SlapdServer slapd) throws Exception {
        return new LDAPConnectionPool(
                new SingleServerSet("127.0.0.1", slapd.port()),
                new SimpleBindRequest(slapd.rootDn(), slapd.rootPassword()),
                1,
                4);
    }

    private SyncFixture bastion(String kind) throws Exception {
        if (kind.equals("embedded")) {
            return new SyncFixture(dir.resolve("bastion"));
        }
        Entry schema;
        try (LDIFReader reader = new LDIFReader(Fixtures.open(Fixtures.BASTION_SCHEMA))) {
            schema = reader.readEntry();
        }
        String container =
                "CN=Shadow Principal Configuration,CN=Services,CN=Configuration," + BASTION_ROOT;
        Path initial =
                Files.writeString(
                        dir.resolve("bastion.ldif"),
                        String.join(
                                "\n",
                                "dn: " + BASTION_ROOT,
                                "objectClass: top",
                                "objectClass: dcObject",
                                "objectClass: organization",
                                "dc: priv",
                                "o: bastion",
                                "",
                                "dn: CN=Users," + BASTION_ROOT,
                                "objectClass: top",
                                "objectClass: container",
                                "cn: Users",
                                "",
                                "dn: CN=Configuration," + BASTION_ROOT,
                                "objectClass: top",
                                "objectClass: container",
                                "cn: Configuration",
                                "",
                                "dn: CN=Services,CN=Configuration," + BASTION_ROOT,
                                "objectClass: top",
                                "objectClass: container",
                                "cn: Services",
                                "",
                                "dn: " + container,
                                "objectClass: top",
                                "objectClass: container",
                                "objectClass: msDS-ShadowPrincipalContainer",
                                "cn: Shadow Principal Configuration",
                                ""),
                        StandardCharsets.UTF_8);
        bastionSlapd =
                SlapdServer.start(
                        BASTION_ROOT,
                        Optional.of(initial),
                        List.of(schema.getAttributeValues("attributeTypes")),
                        List.of(schema.getAttributeValues("objectClasses")));
        bastionPool = pool(bastionSlapd);
        return new SyncFixture(
                new BastionTarget(
                        bastionPool, new DN("CN=Users," + BASTION_ROOT), new DN(container)));
    }

    private int people() throws Exception {
        return production
                .search(
                        Fixtures.GENERIC_ROOT,
                        SearchScope.SUB,
                        SyncOptions.GENERIC_USER_FILTER,
                        "1.1")
                .getEntryCount();
    }

    private ObjectGuid entryUuid(String dn) throws Exception {
        return new ObjectGuid(
                UUID.fromString(
                        production.getEntry(dn, "entryUUID").getAttributeValue("entryUUID")));
    }

    @ParameterizedTest(name = "bastion {0}, content sync {1}")
    @CsvSource({"embedded, true", "embedded, false", "openldap, true"})
    void run_whenOpenLdapChanges_thenFullThenIncrementalWithDeletions(
            String bastionKind, boolean contentSync) throws Exception {
        fixture = bastion(bastionKind);
        SyncOptions options =
                SyncOptions.generic(new DN(Fixtures.GENERIC_ROOT)).withContentSync(contentSync);
        SyncEngine engine = fixture.engine(options, production, Set.of(GROUP_SID));
        int people = people();
        String alice = "uid=alice.adams,ou=people," + Fixtures.GENERIC_ROOT;
        ObjectGuid aliceUuid = entryUuid(alice);

        SyncResult first = engine.run();
        assertThat(first.outcome()).as(first.message()).isEqualTo(SyncResult.Outcome.COMPLETED);
        assertThat(first.full()).isTrue();
        assertThat(first.counts().added()).isEqualTo(people + 1);
        assertThat(fixture.accounts()).hasSize(people);
        SearchResultEntry a = fixture.account("alice.adams").orElseThrow();
        assertThat(ObjectGuid.fromBytes(a.getAttributeValueBytes("objectGUID")))
                .isEqualTo(aliceUuid);
        assertThat(a.getAttributeValue("mail")).isEqualTo("alice.adams@example.org");
        assertThat(a.getAttributeValue("displayName")).isEqualTo("Alice Adams");
        assertThat(a.hasAttribute("objectSid")).isFalse();
        assertThat(fixture.principals())
                .singleElement()
                .satisfies(
                        p -> {
                            assertThat(p.getAttributeValue("cn")).isEqualTo("db-admins");
                            assertThat(
                                            Sid.fromBytes(
                                                    p.getAttributeValueBytes(
                                                            "msDS-ShadowPrincipalSid")))
                                    .isEqualTo(GROUP_SID);
                        });

        // slapd offers RFC 4533 (syncprov): its cookie is the checkpoint
        assertThat(first.checkpoint().orElseThrow().startsWith("rfc4533:")).isEqualTo(contentSync);

        SyncResult idle = engine.run();
        assertThat(idle.full()).isFalse();
        assertThat(idle.counts().anyChange()).as(idle.message()).isFalse();

        // changes: a mail, a rename (uid is the RDN), a deletion, an addition
        String bob = "uid=alice.baker,ou=people," + Fixtures.GENERIC_ROOT;
        production.modify(
                bob, new Modification(ModificationType.REPLACE, "mail", "ab@example.org"));
        String clark = "uid=alice.clark,ou=people," + Fixtures.GENERIC_ROOT;
        ObjectGuid clarkUuid = entryUuid(clark);
        production.modifyDN(clark, "uid=alice.clark2", true);
        production.delete(alice);
        production.add(
                "dn: uid=new.person,ou=people," + Fixtures.GENERIC_ROOT,
                "objectClass: top",
                "objectClass: person",
                "objectClass: organizationalPerson",
                "objectClass: inetOrgPerson",
                "uid: new.person",
                "cn: New Person",
                "sn: Person");

        SyncResult incremental = engine.run();
        assertThat(incremental.outcome())
                .as(incremental.message())
                .isEqualTo(SyncResult.Outcome.COMPLETED);
        SyncResult.Counts n = incremental.counts();
        assertThat(n.added()).as(incremental.message()).isEqualTo(1);
        assertThat(n.updated()).as(incremental.message()).isEqualTo(1);
        assertThat(n.renamed()).as(incremental.message()).isEqualTo(1);
        assertThat(n.deleted()).as(incremental.message()).isEqualTo(1);
        assertThat(fixture.account("alice.adams")).isEmpty();
        assertThat(fixture.account("alice.baker").orElseThrow().getAttributeValue("mail"))
                .isEqualTo("ab@example.org");
        assertThat(
                        fixture.accountByGuid(clarkUuid)
                                .orElseThrow()
                                .getAttributeValue("sAMAccountName"))
                .isEqualTo("alice.clark2");
        assertThat(fixture.account("new.person")).isPresent();
        assertThat(fixture.retired).containsKeys("alice.adams", "alice.clark");

        SyncResult after = engine.run();
        assertThat(after.counts().anyChange()).as(after.message()).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"embedded"})
    void run_whenEveryPersonIsDeleted_thenTheGuardKeepsTheBastion(String bastionKind)
            throws Exception {
        fixture = bastion(bastionKind);
        SyncEngine engine =
                fixture.engine(
                        SyncOptions.generic(new DN(Fixtures.GENERIC_ROOT)),
                        production,
                        Set.of(GROUP_SID));
        engine.run();
        int synced = fixture.accounts().size();
        for (SearchResultEntry e :
                production
                        .search(
                                "ou=people," + Fixtures.GENERIC_ROOT,
                                SearchScope.ONE,
                                Filter.createPresenceFilter("objectClass"),
                                "1.1")
                        .getSearchEntries()) {
            production.delete(e.getDN());
        }

        SyncResult result = engine.run();

        assertThat(result.outcome()).isEqualTo(SyncResult.Outcome.GUARD_TRIPPED);
        assertThat(result.counts().deleted()).isZero();
        assertThat(people()).isZero();
        assertThat(result.pendingDeletions()).isEqualTo(synced);
        assertThat(fixture.accounts()).hasSize(synced);
        assertThat(fixture.retired).isEmpty();
    }
}
