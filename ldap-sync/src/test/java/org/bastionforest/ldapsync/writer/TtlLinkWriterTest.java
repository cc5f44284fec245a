package org.bastionforest.ldapsync.writer;

import static org.assertj.core.api.Assertions.assertThat;

import com.unboundid.ldap.listener.InMemoryDirectoryServer;
import com.unboundid.ldap.listener.InMemoryDirectoryServerConfig;
import com.unboundid.ldap.sdk.Control;
import com.unboundid.ldap.sdk.DN;
import com.unboundid.ldap.sdk.Entry;
import com.unboundid.ldap.sdk.LDAPException;
import com.unboundid.ldap.sdk.LDAPInterface;
import com.unboundid.ldap.sdk.Modification;
import com.unboundid.ldap.sdk.ModificationType;
import com.unboundid.ldap.sdk.SearchRequest;
import com.unboundid.ldap.sdk.SearchScope;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.bastionforest.ldapsync.embedded.AdSchema;
import org.bastionforest.shadowgroups.model.Sid;
import org.bastionforest.shadowgroups.policy.UserId;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The TTL-link mode (AD 2016 PAM bastion) against {@link AdTtlLinkEmulator}, a test double of AD's
 * link semantics on UnboundID's in-memory server; plus the shared contract in that mode.
 */
class TtlLinkWriterTest extends BastionDirectoryContract {
    static final String ROOT = "DC=priv,DC=example";
    static final String CONTAINER =
            "CN=Shadow Principal Configuration,CN=Services,CN=Configuration," + ROOT;
    static final String PRINCIPAL = "CN=Domain Admins," + CONTAINER;
    static final Sid SID = Sid.parse("S-1-5-21-2614736917-1203569437-3412578221-512");
    static final MutableClock CLOCK = new MutableClock(Instant.parse("2026-11-22T10:00:00Z"));
    static InMemoryDirectoryServer server;
    static com.unboundid.ldap.sdk.LDAPConnectionPool pool;

    /** A clock the test moves by hand. */
    static final class MutableClock extends Clock {
        private volatile Instant now;

        MutableClock(Instant start) {
            now = start;
        }

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }
    }

    @BeforeAll
    static void start() throws Exception {
        InMemoryDirectoryServerConfig config = new InMemoryDirectoryServerConfig(ROOT);
        config.setSchema(AdSchema.load());
        InMemoryDirectoryServer[] self = new InMemoryDirectoryServer[1];
        config.addInMemoryOperationInterceptor(
                new AdTtlLinkEmulator(
                        CLOCK,
                        dn -> {
                            try {
                                return self[0].getEntry(dn);
                            } catch (LDAPException e) {
                                return null;
                            }
                        }));
        server = new InMemoryDirectoryServer(config);
        self[0] = server;
        server.add("dn: " + ROOT, "objectClass: top", "objectClass: domainDNS", "dc: priv");
        for (String c :
                List.of(
                        "CN=Users," + ROOT,
                        "CN=Configuration," + ROOT,
                        "CN=Services,CN=Configuration," + ROOT)) {
            server.add(
                    "dn: " + c,
                    "objectClass: top",
                    "objectClass: container",
                    "cn: " + new DN(c).getRDN().getAttributeValues()[0]);
        }
        server.add(
                "dn: " + CONTAINER,
                "objectClass: top",
                "objectClass: container",
                "objectClass: msDS-ShadowPrincipalContainer",
                "cn: Shadow Principal Configuration");
        for (String sam : List.of("alice", "bob")) {
            server.add(
                    "dn: CN=" + sam + ",CN=Users," + ROOT,
                    "objectClass: top",
                    "objectClass: person",
                    "objectClass: organizationalPerson",
                    "objectClass: user",
                    "cn: " + sam,
                    "sn: " + sam,
                    "sAMAccountName: " + sam);
        }
        Entry principal = new Entry(PRINCIPAL);
        principal.addAttribute("objectClass", "top", "msDS-ShadowPrincipal");
        principal.addAttribute("cn", "Domain Admins");
        principal.addAttribute("msDS-ShadowPrincipalSid", SID.toBytes());
        server.add(principal);
        server.startListening();
        pool = server.getConnectionPool(2);
    }

    @AfterAll
    static void stop() {
        pool.close();
        server.shutDown(true);
    }

    @Override
    protected LdapBastionDirectory newWriter() {
        return new LdapBastionDirectory(
                ldap(), accountsBase(), container(), LdapBastionDirectory.Mode.TTL_LINKS, CLOCK);
    }

    private List<String> valuesWithTtl() throws Exception {
        SearchRequest read =
                new SearchRequest(PRINCIPAL, SearchScope.BASE, "(objectClass=*)", "member");
        read.addControl(new Control(LdapBastionDirectory.LINK_TTL_CONTROL, false));
        Entry e = server.getConnection().searchForEntry(read);
        return e.hasAttribute("member") ? List.of(e.getAttributeValues("member")) : List.of();
    }

    @Test
    void addMember_whenTtlMode_thenLinkEndsAtTheGrantsEnd() throws Exception {
        writer.addMember(new UserId("alice"), SID, CLOCK.instant().plus(Duration.ofHours(1)));
        assertThat(valuesWithTtl()).containsExactly("<TTL=3600," + accountDn("alice") + ">");
        assertThat(writer.members(SID)).containsExactly(new UserId("alice"));
    }

    @Test
    void addMember_whenAccountIsAPermanentMember_thenReplacedByALink() throws Exception {
        server.modify(
                PRINCIPAL,
                new Modification(ModificationType.ADD, "member", accountDn("bob").toString()));
        writer.addMember(new UserId("bob"), SID, CLOCK.instant().plus(Duration.ofMinutes(30)));
        assertThat(valuesWithTtl()).containsExactly("<TTL=1800," + accountDn("bob") + ">");
    }

    @Test
    void addMember_whenLinkExists_thenRenewedToTheNewEnd() throws Exception {
        writer.addMember(new UserId("alice"), SID, CLOCK.instant().plus(Duration.ofMinutes(1)));
        writer.addMember(new UserId("alice"), SID, CLOCK.instant().plus(Duration.ofMinutes(10)));
        assertThat(valuesWithTtl()).containsExactly("<TTL=600," + accountDn("alice") + ">");
    }

    @Test
    void link_whenItsTimePasses_thenTheDirectoryDropsItWithoutARemoval() throws Exception {
        writer.addMember(new UserId("alice"), SID, CLOCK.instant().plus(Duration.ofSeconds(90)));
        assertThat(writer.members(SID)).containsExactly(new UserId("alice"));
        CLOCK.advance(Duration.ofSeconds(91));
        assertThat(writer.members(SID)).isEmpty();
    }

    @Test
    void removeMember_whenGrantEndsEarly_thenLinkGoneAtOnce() throws Exception {
        writer.addMember(new UserId("alice"), SID, CLOCK.instant().plus(Duration.ofHours(8)));
        writer.removeMember(new UserId("alice"), SID);
        assertThat(valuesWithTtl()).isEmpty();
        assertThat(writer.members(SID)).isEmpty();
    }

    @Override
    protected LDAPInterface ldap() {
        return pool;
    }

    @Override
    protected DN accountsBase() {
        return dn("CN=Users," + ROOT);
    }

    @Override
    protected DN container() {
        return dn(CONTAINER);
    }

    @Override
    protected Sid principalSid() {
        return SID;
    }

    @Override
    protected DN principalDn() {
        return dn(PRINCIPAL);
    }

    @Override
    protected DN accountDn(String sam) {
        return dn("CN=" + sam + ",CN=Users," + ROOT);
    }

    private static DN dn(String dn) {
        try {
            return new DN(dn);
        } catch (LDAPException e) {
            throw new IllegalStateException(e);
        }
    }
}
