package org.bastionforest.testldif;

import static org.assertj.core.api.Assertions.assertThat;

import com.unboundid.ldap.sdk.Entry;
import com.unboundid.ldif.LDIFReader;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.bastionforest.shadowgroups.model.ObjectGuid;
import org.bastionforest.shadowgroups.model.Sid;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The committed demo forest is what the generator makes, and has what the docs promise. */
class DemoForestFixtureTest {
    static String committed;
    static final Map<String, Entry> byDn = new HashMap<>();
    static final Map<String, Entry> bySam = new HashMap<>();

    @BeforeAll
    static void load() throws Exception {
        try (InputStream in = Fixtures.open(Fixtures.DEMO_AD_FOREST)) {
            committed = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        try (LDIFReader reader = new LDIFReader(Fixtures.open(Fixtures.DEMO_AD_FOREST))) {
            for (Entry e = reader.readEntry(); e != null; e = reader.readEntry()) {
                byDn.put(e.getParsedDN().toNormalizedString(), e);
                if (e.hasAttribute("sAMAccountName")) {
                    bySam.put(e.getAttributeValue("sAMAccountName"), e);
                }
            }
        }
    }

    @Test
    void committedFixture_isExactlyWhatTheGeneratorMakes() {
        assertThat(committed)
                .as("regenerate with the command in DemoForestGenerator's javadoc")
                .isEqualTo(new DemoForestGenerator().generate());
    }

    @Test
    void accounts_haveDomainSidsUniqueRidsAndGuids() {
        Sid domain = Sid.parse(Fixtures.DEMO_DOMAIN_SID);
        Set<Sid> sids = new HashSet<>();
        Set<ObjectGuid> guids = new HashSet<>();
        int people = 0;
        for (Entry e : byDn.values()) {
            if (e.hasAttribute("objectGUID")) {
                assertThat(guids.add(ObjectGuid.fromBytes(e.getAttributeValueBytes("objectGUID"))))
                        .isTrue();
            }
            if (e.hasObjectClass("user")) {
                Sid sid = Sid.fromBytes(e.getAttributeValueBytes("objectSid"));
                assertThat(sid.isInDomain(domain)).as(e.getDN()).isTrue();
                assertThat(sid.rid()).isGreaterThanOrEqualTo(1100);
                assertThat(sids.add(sid)).isTrue();
                if (e.getDN().contains("OU=People") || e.getDN().contains("OU=Disabled")) {
                    people++;
                }
            }
        }
        assertThat(people).isEqualTo(Fixtures.DEMO_USERS);
    }

    @Test
    void wellKnownGroups_haveTheirWellKnownSids() {
        assertThat(sid("Domain Admins")).isEqualTo(Fixtures.DEMO_DOMAIN_SID + "-512");
        assertThat(sid("Schema Admins")).isEqualTo(Fixtures.DEMO_DOMAIN_SID + "-518");
        assertThat(sid("Enterprise Admins")).isEqualTo(Fixtures.DEMO_DOMAIN_SID + "-519");
        assertThat(sid("Administrators")).isEqualTo("S-1-5-32-544");
        assertThat(sid("Server Operators")).isEqualTo("S-1-5-32-549");
        assertThat(sid("Backup Operators")).isEqualTo("S-1-5-32-551");
    }

    @Test
    void groups_areNestedLargeAndMemberOfIsConsistent() {
        assertThat(members("SQL Admins")).contains(dn("DBA Team"));
        assertThat(members("Domain Admins")).contains(dn("Tier0 Operators"));
        assertThat(members("All Staff")).hasSizeGreaterThan(1500);
        for (Entry group : byDn.values()) {
            if (!group.hasAttribute("member")) {
                continue;
            }
            for (String member : group.getAttributeValues("member")) {
                Entry m = entry(member);
                assertThat(m).as("member " + member + " exists").isNotNull();
                assertThat(m.getAttributeValues("memberOf")).contains(group.getDN());
            }
        }
    }

    @Test
    void users_includeDisabledAndNonAsciiAndEscapedNames() {
        long disabled =
                byDn.values().stream()
                        .filter(e -> "514".equals(e.getAttributeValue("userAccountControl")))
                        .count();
        assertThat(disabled).isBetween(40L, 80L);
        List<String> names = new ArrayList<>();
        byDn.values().forEach(e -> names.add(e.getAttributeValue("displayName")));
        assertThat(names).anyMatch(n -> n != null && n.contains("田中"));
        assertThat(names).anyMatch(n -> n != null && n.contains("Ольга"));
        assertThat(names).anyMatch(n -> n != null && n.contains("Żółć"));
        assertThat(byDn.values()).anyMatch(e -> e.getDN().contains("Smith\\, Jr."));
        assertThat(bySam.get("svc-bastion-sync").getDN()).isEqualTo(Fixtures.DEMO_SYNC_ACCOUNT_DN);
    }

    @Test
    void documentedFacts_holdInTheCommittedFixture() {
        assertThat(byDn.values())
                .filteredOn(e -> "514".equals(e.getAttributeValue("userAccountControl")))
                .hasSize(Fixtures.DEMO_DISABLED_USERS);
        assertThat(members("All Staff"))
                .hasSize(Fixtures.DEMO_ALL_STAFF_MEMBERS)
                .contains(Fixtures.DEMO_DOMAIN_ADMIN_USER_DN)
                .doesNotContain(Fixtures.DEMO_DISABLED_USER_DN);
        assertThat(dn("Domain Admins")).isEqualTo(Fixtures.DEMO_DOMAIN_ADMINS_DN);
        assertThat(dn("SQL Admins")).isEqualTo(Fixtures.DEMO_SQL_ADMINS_DN);
        assertThat(dn("DBA Team")).isEqualTo(Fixtures.DEMO_DBA_TEAM_DN);
        assertThat(dn("All Staff")).isEqualTo(Fixtures.DEMO_ALL_STAFF_DN);
        assertThat(members("Domain Admins")).contains(Fixtures.DEMO_DOMAIN_ADMIN_USER_DN);
        assertThat(members("Enterprise Admins"))
                .containsExactly(Fixtures.DEMO_DOMAIN_ADMIN_USER_DN);
        assertThat(members("Tier0 Operators")).contains(Fixtures.DEMO_CJK_USER_DN);

        Entry zoe = entry(Fixtures.DEMO_DOMAIN_ADMIN_USER_DN);
        assertThat(zoe.getAttributeValue("sAMAccountName")).isEqualTo("zangstroem");
        assertThat(zoe.getAttributeValue("userPrincipalName")).isEqualTo("zangstroem@corp.example");
        assertThat(zoe.getAttributeValue("displayName")).isEqualTo("Zoë Ångström");
        assertThat(zoe.getAttributeValue("userAccountControl")).isEqualTo("512");
        Entry tanaka = entry(Fixtures.DEMO_CJK_USER_DN);
        assertThat(tanaka.getAttributeValue("displayName")).isEqualTo("田中 秀樹");
        assertThat(tanaka.getAttributeValue("sn")).isEqualTo("田中");
        Entry dana = entry(Fixtures.DEMO_DISABLED_USER_DN);
        assertThat(dana.getAttributeValue("userAccountControl")).isEqualTo("514");
        assertThat(dana.hasAttribute("memberOf")).isFalse();
        assertThat(bySam.keySet()).contains("jweiss", "lzolc", "jmunoz", "oivanova");
    }

    @Test
    void passwords_areSaltedSha256OfTheDocumentedDemoPasswords() throws Exception {
        assertThat(
                        matchesSsha256(
                                entry(Fixtures.DEMO_DOMAIN_ADMIN_USER_DN),
                                Fixtures.DEMO_USER_PASSWORD))
                .isTrue();
        assertThat(
                        matchesSsha256(
                                entry(Fixtures.DEMO_SYNC_ACCOUNT_DN),
                                Fixtures.DEMO_SYNC_ACCOUNT_PASSWORD))
                .isTrue();
        assertThat(matchesSsha256(entry(Fixtures.DEMO_DOMAIN_ADMIN_USER_DN), "demo-passw0rd!"))
                .isFalse();
    }

    /** {SSHA256}base64(SHA-256(password + salt) + salt), checked independently of the generator. */
    private static boolean matchesSsha256(Entry e, String password) throws Exception {
        String stored = e.getAttributeValue("userPassword");
        assertThat(stored).startsWith("{SSHA256}");
        byte[] value = java.util.Base64.getDecoder().decode(stored.substring("{SSHA256}".length()));
        byte[] salt = java.util.Arrays.copyOfRange(value, 32, value.length);
        java.security.MessageDigest sha = java.security.MessageDigest.getInstance("SHA-256");
        sha.update(password.getBytes(StandardCharsets.UTF_8));
        sha.update(salt);
        return java.util.Arrays.equals(sha.digest(), java.util.Arrays.copyOf(value, 32));
    }

    private static Entry entry(String dn) {
        try {
            return byDn.get(new com.unboundid.ldap.sdk.DN(dn).toNormalizedString());
        } catch (com.unboundid.ldap.sdk.LDAPException e) {
            throw new AssertionError(e);
        }
    }

    private static String dn(String group) {
        return bySam.get(group).getDN();
    }

    private static List<String> members(String group) {
        return List.of(bySam.get(group).getAttributeValues("member"));
    }

    private static String sid(String group) {
        return Sid.fromBytes(bySam.get(group).getAttributeValueBytes("objectSid")).toString();
    }
}
