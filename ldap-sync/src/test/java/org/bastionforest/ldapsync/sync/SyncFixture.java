package org.bastionforest.ldapsync.sync;

import com.unboundid.ldap.sdk.DN;
import com.unboundid.ldap.sdk.Filter;
import com.unboundid.ldap.sdk.LDAPException;
import com.unboundid.ldap.sdk.LDAPInterface;
import com.unboundid.ldap.sdk.SearchResultEntry;
import com.unboundid.ldap.sdk.SearchScope;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.bastionforest.ldapsync.embedded.EmbeddedBastionDirectory;
import org.bastionforest.ldapsync.embedded.EmbeddedBastionDirectoryOptions;
import org.bastionforest.shadowgroups.audit.AuditLog;
import org.bastionforest.shadowgroups.audit.AuditQuery;
import org.bastionforest.shadowgroups.audit.AuditRecord;
import org.bastionforest.shadowgroups.directory.AccountLifecycle;
import org.bastionforest.shadowgroups.model.ObjectGuid;
import org.bastionforest.shadowgroups.model.Sid;
import org.bastionforest.shadowgroups.storage.Database;
import org.bastionforest.shadowgroups.storage.DatabaseOptions;

/**
 * What every sync test needs: a real embedded bastion directory (or another bastion target), a
 * fresh in-memory HSQLDB migrated to the current schema, the audit log, and a lifecycle that
 * records whom it was told to retire.
 */
final class SyncFixture implements AutoCloseable {
    static final String BASTION_ROOT = "DC=priv,DC=example";

    final EmbeddedBastionDirectory embedded;
    final BastionTarget target;
    final Database db;
    final AuditLog audit;
    final Map<String, String> retired = new ConcurrentHashMap<>();
    final AccountLifecycle lifecycle =
            (user, reason) -> {
                retired.put(user.value(), reason);
                return 1;
            };

    /** With the embedded bastion under {@code dir} and an in-memory HSQLDB. */
    SyncFixture(Path dir) throws Exception {
        this(dir, hsqldb());
    }

    /** With the embedded bastion under {@code dir} and the database {@code database}. */
    SyncFixture(Path dir, DatabaseOptions database) throws Exception {
        embedded =
                EmbeddedBastionDirectory.start(
                        new EmbeddedBastionDirectoryOptions(
                                new DN(BASTION_ROOT),
                                "127.0.0.1",
                                0,
                                0,
                                Optional.empty(),
                                dir,
                                new DN("CN=bastion-admin," + BASTION_ROOT),
                                "sync-test-password-0123456789".toCharArray()));
        target =
                new BastionTarget(
                        embedded.pool(),
                        embedded.usersContainer(),
                        embedded.shadowPrincipalContainer());
        db = Database.open(database);
        audit = new AuditLog(db);
    }

    /** With another bastion target. */
    SyncFixture(BastionTarget target) throws Exception {
        embedded = null;
        this.target = target;
        db = Database.open(hsqldb());
        audit = new AuditLog(db);
    }

    static DatabaseOptions hsqldb() {
        return new DatabaseOptions(
                "jdbc:hsqldb:mem:sync" + System.nanoTime(), "SA", "", 4, Duration.ofSeconds(5));
    }

    SyncEngine engine(SyncOptions options, LDAPInterface production, Set<Sid> managed) {
        return engine(options, production, managed, Clock.systemUTC());
    }

    SyncEngine engine(
            SyncOptions options, LDAPInterface production, Set<Sid> managed, Clock clock) {
        return new SyncEngine(
                options,
                production,
                target,
                db,
                audit,
                ManagedGroups.fixed(managed),
                lifecycle,
                clock);
    }

    List<SearchResultEntry> accounts() throws LDAPException {
        return target.ldap()
                .search(
                        target.accountsBase().toString(),
                        SearchScope.SUB,
                        BastionWriter.SYNCED_ACCOUNTS,
                        "*")
                .getSearchEntries();
    }

    Optional<SearchResultEntry> account(String sam) throws LDAPException {
        return Optional.ofNullable(
                target.ldap()
                        .searchForEntry(
                                target.accountsBase().toString(),
                                SearchScope.SUB,
                                Filter.createANDFilter(
                                        Filter.createEqualityFilter("objectClass", "user"),
                                        Filter.createEqualityFilter("sAMAccountName", sam)),
                                "*"));
    }

    Optional<SearchResultEntry> accountByGuid(ObjectGuid guid) throws LDAPException {
        return Optional.ofNullable(
                target.ldap()
                        .searchForEntry(
                                target.accountsBase().toString(),
                                SearchScope.SUB,
                                BastionWriter.accountFilter(guid),
                                "*"));
    }

    List<SearchResultEntry> principals() throws LDAPException {
        return target.ldap()
                .search(
                        target.shadowPrincipalContainer().toString(),
                        SearchScope.ONE,
                        Filter.createEqualityFilter("objectClass", "msDS-ShadowPrincipal"),
                        "*")
                .getSearchEntries();
    }

    List<String> auditTypes() throws Exception {
        return audit.query(AuditQuery.all()).records().stream()
                .map(AuditRecord::event)
                .map(e -> e.type())
                .toList();
    }

    @Override
    public void close() {
        db.close();
        if (embedded != null) {
            embedded.close();
        }
    }
}
