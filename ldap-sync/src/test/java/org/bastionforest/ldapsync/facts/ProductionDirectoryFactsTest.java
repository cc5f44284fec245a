package org.bastionforest.ldapsync.facts;

import static org.assertj.core.api.Assertions.assertThat;

import com.unboundid.ldap.sdk.DN;
import com.unboundid.ldap.sdk.Entry;
import com.unboundid.ldap.sdk.Filter;
import com.unboundid.ldap.sdk.LDAPConnectionPool;
import com.unboundid.ldap.sdk.SearchScope;
import com.unboundid.ldap.sdk.SimpleBindRequest;
import com.unboundid.ldap.sdk.SingleServerSet;
import java.io.InputStream;
import java.util.List;
import org.bastionforest.ldapsync.embedded.EmbeddedDemoProductionDirectory;
import org.bastionforest.ldapsync.facts.ProductionDirectoryFacts.Nesting;
import org.bastionforest.shadowgroups.model.Sid;
import org.bastionforest.shadowgroups.policy.UserId;
import org.bastionforest.testldif.Fixtures;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Facts about the demo forest, expanded group by group (the in-memory server has no in-chain rule).
 */
class ProductionDirectoryFactsTest {
    static EmbeddedDemoProductionDirectory demo;
    static LDAPConnectionPool pool;
    static ProductionDirectoryFacts facts;

    @BeforeAll
    static void start() throws Exception {
        try (InputStream ldif = Fixtures.open(Fixtures.DEMO_AD_FOREST)) {
            demo =
                    EmbeddedDemoProductionDirectory.start(
                            new DN(Fixtures.DEMO_ROOT), "127.0.0.1", 0, ldif);
        }
        pool =
                new LDAPConnectionPool(
                        new SingleServerSet("127.0.0.1", demo.port()),
                        new SimpleBindRequest(
                                Fixtures.DEMO_SYNC_ACCOUNT_DN, Fixtures.DEMO_SYNC_ACCOUNT_PASSWORD),
                        1,
                        4);
        facts =
                new ProductionDirectoryFacts(
                        pool, List.of(new DN(Fixtures.DEMO_ROOT)), Nesting.EXPAND);
    }

    @AfterAll
    static void stop() {
        pool.close();
        demo.close();
    }

    private static Entry group(String name) throws Exception {
        return pool.searchForEntry(
                Fixtures.DEMO_ROOT,
                SearchScope.SUB,
                Filter.createANDFilter(
                        Filter.createEqualityFilter("objectClass", "group"),
                        Filter.createEqualityFilter("sAMAccountName", name)));
    }

    private static Sid sid(String group) throws Exception {
        return Sid.fromBytes(group(group).getAttributeValueBytes("objectSid"));
    }

    /** The account name of a direct member of {@code group} that is a person. */
    private static UserId memberOf(String group) throws Exception {
        for (String dn : group(group).getAttributeValues("member")) {
            Entry e = pool.getEntry(dn, "sAMAccountName", "objectClass");
            if (e.hasObjectClass("user")) {
                return new UserId(e.getAttributeValue("sAMAccountName"));
            }
        }
        throw new AssertionError("no person in " + group);
    }

    @Test
    void isMemberOf_whenDirectMember_thenTrue() throws Exception {
        assertThat(facts.isMemberOf(memberOf("DBA Team"), sid("DBA Team"))).isTrue();
    }

    @Test
    void isMemberOf_whenMemberThroughNestedGroups_thenTrue() throws Exception {
        UserId tier0 = memberOf("Tier0 Operators");
        assertThat(facts.isMemberOf(tier0, sid("Domain Admins"))).as("one level").isTrue();
        assertThat(facts.isMemberOf(tier0, Sid.parse("S-1-5-32-544"))).as("two levels").isTrue();
        assertThat(facts.isMemberOf(memberOf("DBA Team"), sid("SQL Admins"))).isTrue();
    }

    /** Groups that contain each other: the walk ends, and finds what the cycle does contain. */
    @Test
    void isMemberOf_whenGroupsFormACycle_thenTheWalkEnds() throws Exception {
        com.unboundid.ldap.listener.InMemoryDirectoryServerConfig config =
                new com.unboundid.ldap.listener.InMemoryDirectoryServerConfig("DC=cyc,DC=example");
        config.setSchema(org.bastionforest.ldapsync.embedded.AdSchema.load());
        config.setEqualityIndexAttributes("member", "objectSid", "sAMAccountName");
        com.unboundid.ldap.listener.InMemoryDirectoryServer cyc =
                new com.unboundid.ldap.listener.InMemoryDirectoryServer(config);
        try {
            cyc.add("dn: DC=cyc,DC=example", "objectClass: top", "objectClass: domain", "dc: cyc");
            String root = ",DC=cyc,DC=example";
            Sid domain = Sid.parse("S-1-5-21-10-20-30");
            Entry user = new Entry("CN=u" + root);
            user.addAttribute("objectClass", "top", "person", "organizationalPerson", "user");
            user.addAttribute("cn", "u");
            user.addAttribute("sn", "u");
            user.addAttribute("sAMAccountName", "u");
            user.addAttribute("objectSid", Sid.of(domain, 1000).toBytes());
            cyc.add(user);
            for (String g : List.of("A", "B", "C")) {
                Entry e = new Entry("CN=" + g + root);
                e.addAttribute("objectClass", "top", "group");
                e.addAttribute("cn", g);
                e.addAttribute("sAMAccountName", g);
                e.addAttribute("groupType", "-2147483646");
                e.addAttribute("objectSid", Sid.of(domain, 2000 + g.charAt(0)).toBytes());
                cyc.add(e);
            }
            // A lists u and B; B lists A: a cycle. C lists nobody.
            cyc.modify(
                    "CN=A" + root,
                    new com.unboundid.ldap.sdk.Modification(
                            com.unboundid.ldap.sdk.ModificationType.ADD,
                            "member",
                            "CN=u" + root,
                            "CN=B" + root));
            cyc.modify(
                    "CN=B" + root,
                    new com.unboundid.ldap.sdk.Modification(
                            com.unboundid.ldap.sdk.ModificationType.ADD, "member", "CN=A" + root));
            ProductionDirectoryFacts f =
                    new ProductionDirectoryFacts(
                            cyc, List.of(new DN("DC=cyc,DC=example")), Nesting.EXPAND);
            UserId u = new UserId("u");
            assertThat(f.isMemberOf(u, Sid.of(domain, 2000 + 'A'))).as("direct").isTrue();
            assertThat(f.isMemberOf(u, Sid.of(domain, 2000 + 'B'))).as("through A").isTrue();
            assertThat(f.isMemberOf(u, Sid.of(domain, 2000 + 'C'))).as("not in C").isFalse();
        } finally {
            cyc.shutDown(true);
        }
    }

    @Test
    void isMemberOf_whenNotAMember_thenFalse() throws Exception {
        assertThat(facts.isMemberOf(memberOf("DBA Team"), sid("Domain Admins"))).isFalse();
        assertThat(facts.isMemberOf(memberOf("Helpdesk"), sid("SQL Admins"))).isFalse();
    }

    @Test
    void isMemberOf_whenUserOrGroupUnknownOrInjected_thenFalse() throws Exception {
        assertThat(facts.isMemberOf(new UserId("no-such-user"), sid("DBA Team"))).isFalse();
        assertThat(facts.isMemberOf(memberOf("DBA Team"), Sid.parse("S-1-5-21-1-2-3-999")))
                .isFalse();
        assertThat(facts.isMemberOf(new UserId("*"), sid("All Staff"))).isFalse();
        assertThat(facts.isMemberOf(new UserId("*)(sAMAccountName=*"), sid("All Staff"))).isFalse();
    }

    @Test
    void userSid_whenKnown_thenTheAccountsSidElseEmpty() throws Exception {
        UserId dba = memberOf("DBA Team");
        assertThat(facts.userSid(dba).orElseThrow().isInDomain(Sid.parse(Fixtures.DEMO_DOMAIN_SID)))
                .isTrue();
        assertThat(facts.userSid(new UserId("no-such-user"))).isEmpty();
    }
}
