package org.bastionforest.ldapsync.facts;

import static org.assertj.core.api.Assertions.assertThat;

import com.unboundid.ldap.sdk.DN;
import com.unboundid.ldap.sdk.Filter;
import com.unboundid.ldap.sdk.LDAPConnectionPool;
import com.unboundid.ldap.sdk.SearchScope;
import com.unboundid.ldap.sdk.SimpleBindRequest;
import com.unboundid.ldap.sdk.SingleServerSet;
import java.util.List;
import org.bastionforest.ldapsync.facts.ProductionDirectoryFacts.Nesting;
import org.bastionforest.shadowgroups.model.Sid;
import org.bastionforest.shadowgroups.policy.UserId;
import org.bastionforest.testsupport.SambaDc;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Nested membership answered by a real Samba AD DC with AD's in-chain matching rule. */
class SambaProductionDirectoryFactsIT {
    static SambaDc dc;
    static LDAPConnectionPool pool;
    static ProductionDirectoryFacts facts;

    @BeforeAll
    static void start() throws Exception {
        dc = SambaDc.shared();
        pool =
                new LDAPConnectionPool(
                        new SingleServerSet("127.0.0.1", 389),
                        new SimpleBindRequest(dc.adminDn(), dc.adminPassword()),
                        1,
                        4);
        if (pool.getEntry("CN=facts.carol,CN=Users," + SambaDc.BASE_DN) == null) {
            dc.sambaTool("user", "create", "facts.carol", "Facts-Passw0rd!1");
            dc.sambaTool("user", "create", "facts.dave", "Facts-Passw0rd!1");
            dc.sambaTool("group", "add", "Facts Outer");
            dc.sambaTool("group", "add", "Facts Inner");
            dc.sambaTool("group", "addmembers", "Facts Outer", "Facts Inner");
            dc.sambaTool("group", "addmembers", "Facts Inner", "facts.carol");
        }
        facts =
                new ProductionDirectoryFacts(
                        pool, List.of(new DN(SambaDc.BASE_DN)), Nesting.IN_CHAIN_RULE);
    }

    @AfterAll
    static void stop() {
        pool.close();
    }

    private static Sid sid(String group) throws Exception {
        return Sid.fromBytes(
                pool.searchForEntry(
                                SambaDc.BASE_DN,
                                SearchScope.SUB,
                                Filter.createEqualityFilter("sAMAccountName", group),
                                "objectSid")
                        .getAttributeValueBytes("objectSid"));
    }

    @Test
    void isMemberOf_whenNestedInSamba_thenTrueThroughTheInChainRule() throws Exception {
        assertThat(facts.isMemberOf(new UserId("facts.carol"), sid("Facts Inner"))).isTrue();
        assertThat(facts.isMemberOf(new UserId("facts.carol"), sid("Facts Outer"))).isTrue();
    }

    @Test
    void isMemberOf_whenNotMember_thenFalse() throws Exception {
        assertThat(facts.isMemberOf(new UserId("facts.dave"), sid("Facts Outer"))).isFalse();
        assertThat(facts.isMemberOf(new UserId("*"), sid("Facts Outer"))).isFalse();
    }

    @Test
    void userSid_whenSambaAccount_thenInTheDomain() throws Exception {
        assertThat(
                        facts.userSid(new UserId("facts.carol"))
                                .orElseThrow()
                                .isInDomain(Sid.parse(dc.domainSid())))
                .isTrue();
    }
}
