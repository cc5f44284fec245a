package org.bastionforest.ldapsync.sync;

import static org.assertj.core.api.Assertions.assertThat;

import com.unboundid.ldap.sdk.DN;
import com.unboundid.ldap.sdk.Entry;
import com.unboundid.ldap.sdk.LDAPConnectionPool;
import com.unboundid.ldap.sdk.Modification;
import com.unboundid.ldap.sdk.ModificationType;
import com.unboundid.ldap.sdk.SearchScope;
import com.unboundid.ldap.sdk.SimpleBindRequest;
import com.unboundid.ldap.sdk.SingleServerSet;
import com.unboundid.ldif.LDIFReader;
import java.nio.file.Path;
import java.util.Set;
import java.util.UUID;
import org.apache.directory.server.core.api.DirectoryService;
import org.apache.directory.server.core.api.partition.Partition;
import org.apache.directory.server.core.factory.DefaultDirectoryServiceFactory;
import org.apache.directory.server.ldap.LdapServer;
import org.apache.directory.server.protocol.shared.transport.TcpTransport;
import org.bastionforest.shadowgroups.model.ObjectGuid;
import org.bastionforest.testldif.Fixtures;
import org.bastionforest.testsupport.FreePorts;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * The generic LDAPv3 path against ApacheDS (the apacheds-test framework's directory service
 * factory, a partition for the generic fixture tree, the LDAP protocol on a free loopback port):
 * full, idle, then adds, changes, renames and deletions found by the diff of entryUUIDs.
 */
class SyncEngineApacheDsIT {
    static final String ADMIN = "uid=admin,ou=system";
    static final String ADMIN_PASSWORD = "secret"; // ApacheDS's built-in test administrator

    static {
        // ApacheDS logs every decoded PDU at DEBUG, and this module has no logging configuration
        ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger("org.apache.directory"))
                .setLevel(ch.qos.logback.classic.Level.WARN);
    }

    @TempDir Path dir;
    DirectoryService service;
    LdapServer server;
    LDAPConnectionPool production;
    SyncFixture fixture;

    @BeforeEach
    void start() throws Exception {
        DefaultDirectoryServiceFactory factory = new DefaultDirectoryServiceFactory();
        factory.init("bastion-sync-" + UUID.randomUUID());
        service = factory.getDirectoryService();
        service.setShutdownHookEnabled(false);
        service.getChangeLog().setEnabled(false);
        Partition partition =
                factory.getPartitionFactory()
                        .createPartition(
                                service.getSchemaManager(),
                                service.getDnFactory(),
                                "example",
                                Fixtures.GENERIC_ROOT,
                                1000,
                                service.getInstanceLayout().getPartitionsDirectory());
        service.addPartition(partition);
        server = new LdapServer();
        server.setDirectoryService(service);
        server.setTransports(new TcpTransport("127.0.0.1", FreePorts.next()));
        server.start();
        production =
                new LDAPConnectionPool(
                        new SingleServerSet("127.0.0.1", server.getPort()),
                        new SimpleBindRequest(ADMIN, ADMIN_PASSWORD),
                        1,
                        4);
        try (LDIFReader reader = new LDIFReader(Fixtures.open(Fixtures.GENERIC_LDAP))) {
            for (Entry e; (e = reader.readEntry()) != null; ) {
                production.add(e);
            }
        }
        fixture = new SyncFixture(dir.resolve("bastion"));
    }

    @AfterEach
    void stop() throws Exception {
        if (fixture != null) {
            fixture.close();
        }
        if (production != null) {
            production.close();
        }
        if (server != null) {
            server.stop();
        }
        if (service != null) {
            service.shutdown();
        }
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

    @Test
    void run_whenApacheDsChanges_thenFullThenIncrementalWithDeletionsByDiff() throws Exception {
        SyncEngine engine =
                fixture.engine(
                        SyncOptions.generic(new DN(Fixtures.GENERIC_ROOT))
                                .withPaging(7, 5), // several pages and batches
                        production,
                        Set.of());
        int people = people();
        String alice = "uid=alice.adams,ou=people," + Fixtures.GENERIC_ROOT;
        ObjectGuid aliceUuid = entryUuid(alice);

        SyncResult first = engine.run();
        assertThat(first.outcome()).as(first.message()).isEqualTo(SyncResult.Outcome.COMPLETED);
        assertThat(first.counts().added()).isEqualTo(people);
        // ApacheDS lists RFC 4533 but refuses it without a replication provider: timestamps
        assertThat(first.checkpoint().orElseThrow()).doesNotStartWith("rfc4533:");
        assertThat(
                        ObjectGuid.fromBytes(
                                fixture.account("alice.adams")
                                        .orElseThrow()
                                        .getAttributeValueBytes("objectGUID")))
                .isEqualTo(aliceUuid);

        SyncResult idle = engine.run();
        assertThat(idle.full()).isFalse();
        assertThat(idle.counts().anyChange()).as(idle.message()).isFalse();

        String baker = "uid=alice.baker,ou=people," + Fixtures.GENERIC_ROOT;
        production.modify(
                baker, new Modification(ModificationType.REPLACE, "mail", "ab@example.org"));
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
        assertThat(incremental.counts().added()).as(incremental.message()).isEqualTo(1);
        assertThat(incremental.counts().updated()).as(incremental.message()).isEqualTo(1);
        assertThat(incremental.counts().renamed()).as(incremental.message()).isEqualTo(1);
        assertThat(incremental.counts().deleted()).as(incremental.message()).isEqualTo(1);
        assertThat(fixture.accountByGuid(aliceUuid)).isEmpty();
        assertThat(fixture.account("alice.baker").orElseThrow().getAttributeValue("mail"))
                .isEqualTo("ab@example.org");
        assertThat(
                        fixture.accountByGuid(clarkUuid)
                                .orElseThrow()
                                .getAttributeValue("sAMAccountName"))
                .isEqualTo("alice.clark2");
        assertThat(fixture.account("new.person")).isPresent();
        assertThat(engine.run().counts().anyChange()).isFalse();
    }
}
