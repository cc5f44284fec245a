package org.bastionforest.ldapsync.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.unboundid.ldap.sdk.DN;
import com.unboundid.ldap.sdk.Entry;
import com.unboundid.ldap.sdk.ExtendedResult;
import com.unboundid.ldap.sdk.LDAPConnection;
import com.unboundid.ldap.sdk.LDAPException;
import com.unboundid.ldap.sdk.Modification;
import com.unboundid.ldap.sdk.ModificationType;
import com.unboundid.ldap.sdk.ResultCode;
import com.unboundid.ldap.sdk.SearchScope;
import com.unboundid.ldap.sdk.extensions.PasswordModifyExtendedRequest;
import com.unboundid.ldap.sdk.extensions.StartTransactionExtendedRequest;
import com.unboundid.ldap.sdk.extensions.WhoAmIExtendedRequest;
import com.unboundid.ldap.sdk.extensions.WhoAmIExtendedResult;
import com.unboundid.ldap.sdk.schema.Schema;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.bastionforest.ldapsync.testing.TestTls;
import org.bastionforest.shadowgroups.errors.DirectoryUnavailableException;
import org.bastionforest.shadowgroups.model.Sid;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedBastionDirectoryTest {
    static final String ROOT = "DC=priv,DC=example";
    static final String ADMIN = "CN=bastion-admin," + ROOT;
    static final String PASSWORD = "test-admin-password-0123456789";
    static final String CONTAINER =
            "CN=Shadow Principal Configuration,CN=Services,CN=Configuration," + ROOT;

    @TempDir Path dir;
    private EmbeddedBastionDirectory directory;

    static EmbeddedBastionDirectoryOptions options(
            Path data, Optional<javax.net.ssl.SSLContext> tls) throws LDAPException {
        return new EmbeddedBastionDirectoryOptions(
                new DN(ROOT), "127.0.0.1", 0, 0, tls, data, new DN(ADMIN), PASSWORD.toCharArray());
    }

    private EmbeddedBastionDirectory start() throws Exception {
        directory = EmbeddedBastionDirectory.start(options(dir.resolve("data"), Optional.empty()));
        return directory;
    }

    @AfterEach
    void stop() {
        if (directory != null) {
            directory.close();
        }
    }

    private LDAPConnection admin() throws LDAPException {
        LDAPConnection c = new LDAPConnection("127.0.0.1", directory.ldapPort());
        c.bind(ADMIN, PASSWORD);
        return c;
    }

    static Entry shadowPrincipal(String name, String sid) throws LDAPException {
        Entry e = new Entry("CN=" + name + "," + CONTAINER);
        e.addAttribute("objectClass", "top", "msDS-ShadowPrincipal");
        e.addAttribute("cn", name);
        e.addAttribute("msDS-ShadowPrincipalSid", Sid.parse(sid).toBytes());
        return e;
    }

    /**
     * The index set is a performance contract: an index on a low-selectivity attribute turns every
     * AND search that names it into a walk over all entries in UnboundID's in-memory server (found
     * by the kill -9 fault suite: 34 ms per account lookup at 2,000 accounts, with a dispatch
     * backlog of minutes at 1,000 grants), and an index on member makes every membership change
     * cost O(members of the principal). Measured in bench AccountLookup and ApiLoad.
     */
    @Test
    void indexes_whenConfigured_thenOnlySelectiveAttributesAreIndexed() {
        // exactly what the product searches by: each index costs ~200 bytes per entry (bench
        // SyncThroughput memory)
        assertThat(EmbeddedBastionDirectory.INDEXED)
                .containsExactlyInAnyOrder(
                        "sAMAccountName", "objectGUID", "msDS-ShadowPrincipalSid");
    }

    @Test
    void add_whenStored_thenNoGeneratedOperationalAttributesAndUnindexedSearchStillWorks()
            throws Exception {
        start();
        try (LDAPConnection c = admin()) {
            c.add(shadowPrincipal("Domain Admins", "S-1-5-21-1-2-3-512"));
            Entry stored = c.getEntry("CN=Domain Admins," + CONTAINER, "*", "+");
            // with "+" asked for, no createTimestamp, entryUUID, modifiersName, ...
            assertThat(stored.getAttributes())
                    .extracting(a -> a.getName().toLowerCase(java.util.Locale.ROOT))
                    .containsExactlyInAnyOrder("objectclass", "cn", "msds-shadowprincipalsid");
            // cn is no longer indexed: a search by it scans and still finds the entry
            assertThat(c.search(ROOT, SearchScope.SUB, "(cn=Domain Admins)", "1.1").getEntryCount())
                    .isEqualTo(1);
        }
    }

    @Test
    void schema_whenLoaded_thenHasAdElementsWithAdOids() {
        Schema schema = AdSchema.load();
        assertThat(schema.getAttributeType("objectSid").getOID())
                .isEqualTo("1.2.840.113556.1.4.146");
        assertThat(schema.getAttributeType("objectGUID").getOID())
                .isEqualTo("1.2.840.113556.1.4.2");
        assertThat(schema.getAttributeType("sAMAccountName").getOID())
                .isEqualTo("1.2.840.113556.1.4.221");
        assertThat(schema.getAttributeType("userPrincipalName").getOID())
                .isEqualTo("1.2.840.113556.1.4.656");
        assertThat(schema.getAttributeType("msDS-ShadowPrincipalSid").getOID())
                .isEqualTo("1.2.840.113556.1.4.2324");
        assertThat(schema.getObjectClass("msDS-ShadowPrincipal").getOID())
                .isEqualTo("1.2.840.113556.1.5.299");
        assertThat(schema.getObjectClass("msDS-ShadowPrincipalContainer").getOID())
                .isEqualTo("1.2.840.113556.1.5.298");
        assertThat(schema.getObjectClass("user").getOID()).isEqualTo("1.2.840.113556.1.5.9");
        assertThat(schema.getObjectClass("group").getOID()).isEqualTo("1.2.840.113556.1.5.8");
        assertThat(schema.getAttributeType("member")).as("standard schema kept").isNotNull();
    }

    @Test
    void start_whenNew_thenBaseEntriesExist() throws Exception {
        start();
        try (LDAPConnection c = admin()) {
            assertThat(c.getEntry(ROOT)).isNotNull();
            assertThat(c.getEntry("CN=Users," + ROOT)).isNotNull();
            Entry container = c.getEntry(CONTAINER);
            assertThat(container.getObjectClassValues()).contains("msDS-ShadowPrincipalContainer");
            assertThat(directory.check()).startsWith("embedded");
        }
    }

    @Test
    void search_whenAnonymous_thenRefused() throws Exception {
        start();
        try (LDAPConnection c = new LDAPConnection("127.0.0.1", directory.ldapPort())) {
            assertThatThrownBy(() -> c.search(ROOT, SearchScope.SUB, "(objectClass=*)"))
                    .isInstanceOfSatisfying(
                            LDAPException.class,
                            e ->
                                    assertThat(e.getResultCode())
                                            .isEqualTo(ResultCode.INSUFFICIENT_ACCESS_RIGHTS));
        }
    }

    @Test
    void bind_whenWrongPassword_thenInvalidCredentials() throws Exception {
        start();
        try (LDAPConnection c = new LDAPConnection("127.0.0.1", directory.ldapPort())) {
            assertThatThrownBy(() -> c.bind(ADMIN, "wrong"))
                    .isInstanceOfSatisfying(
                            LDAPException.class,
                            e ->
                                    assertThat(e.getResultCode())
                                            .isEqualTo(ResultCode.INVALID_CREDENTIALS));
        }
    }

    @Test
    void add_whenSchemaViolated_thenRefused() throws Exception {
        start();
        Entry noSid = new Entry("CN=broken," + CONTAINER);
        noSid.addAttribute("objectClass", "top", "msDS-ShadowPrincipal");
        noSid.addAttribute("cn", "broken");
        try (LDAPConnection c = admin()) {
            assertThatThrownBy(() -> c.add(noSid))
                    .isInstanceOfSatisfying(
                            LDAPException.class,
                            e ->
                                    assertThat(e.getResultCode())
                                            .isEqualTo(ResultCode.OBJECT_CLASS_VIOLATION));
        }
    }

    @Test
    void writes_whenRestarted_thenKeptIncludingModifyDeleteAndRename() throws Exception {
        start();
        try (LDAPConnection c = admin()) {
            c.add(shadowPrincipal("Domain Admins", "S-1-5-21-1-2-3-512"));
            c.add(shadowPrincipal("SQL Admins", "S-1-5-21-1-2-3-1200"));
            c.add(shadowPrincipal("Gone", "S-1-5-21-1-2-3-1201"));
            c.modify(
                    "CN=Domain Admins," + CONTAINER,
                    new Modification(ModificationType.ADD, "member", "CN=alice,CN=Users," + ROOT));
            c.delete("CN=Gone," + CONTAINER);
            c.modifyDN("CN=SQL Admins," + CONTAINER, "CN=Database Admins", true);
        }
        // an in-process (pool) write too
        directory
                .pool()
                .modify(
                        "CN=Domain Admins," + CONTAINER,
                        new Modification(
                                ModificationType.ADD, "member", "CN=bob,CN=Users," + ROOT));
        directory.close();
        directory = null;

        start();
        try (LDAPConnection c = admin()) {
            assertThat(c.getEntry("CN=Domain Admins," + CONTAINER).getAttributeValues("member"))
                    .containsExactlyInAnyOrder(
                            "CN=alice,CN=Users," + ROOT, "CN=bob,CN=Users," + ROOT);
            assertThat(c.getEntry("CN=Gone," + CONTAINER)).isNull();
            assertThat(c.getEntry("CN=SQL Admins," + CONTAINER)).isNull();
            Entry renamed = c.getEntry("CN=Database Admins," + CONTAINER);
            assertThat(Sid.fromBytes(renamed.getAttributeValueBytes("msDS-ShadowPrincipalSid")))
                    .hasToString("S-1-5-21-1-2-3-1200");
        }
    }

    @Test
    void start_whenJournalHasTornTail_thenLoadsEverythingBeforeIt() throws Exception {
        start();
        try (LDAPConnection c = admin()) {
            c.add(shadowPrincipal("Kept", "S-1-5-21-1-2-3-1300"));
        }
        Path data = dir.resolve("data");
        // simulate a crash: copy the journal aside before the clean close snapshots it
        Path journal = data.resolve(DirectoryJournal.JOURNAL);
        byte[] journalBytes = Files.readAllBytes(journal);
        Path snapshot = data.resolve(DirectoryJournal.SNAPSHOT);
        byte[] snapshotBefore = Files.readAllBytes(snapshot);
        directory.close();
        directory = null;
        Files.write(snapshot, snapshotBefore);
        String torn = "put\ndn: CN=Torn," + CONTAINER + "\nobjectClass: top\nobjectCl";
        Files.write(journal, journalBytes);
        Files.writeString(journal, torn, StandardCharsets.UTF_8, StandardOpenOption.APPEND);

        start();
        try (LDAPConnection c = admin()) {
            assertThat(c.getEntry("CN=Kept," + CONTAINER)).isNotNull();
            assertThat(c.getEntry("CN=Torn," + CONTAINER)).isNull();
        }
    }

    @Test
    void start_whenJournalRecordCorrupted_thenRecordIgnoredNotHalfApplied() throws Exception {
        start();
        try (LDAPConnection c = admin()) {
            c.add(shadowPrincipal("First", "S-1-5-21-1-2-3-1400"));
            c.add(shadowPrincipal("Second", "S-1-5-21-1-2-3-1401"));
        }
        Path data = dir.resolve("data");
        Path journal = data.resolve(DirectoryJournal.JOURNAL);
        String text = Files.readString(journal);
        Path snapshot = data.resolve(DirectoryJournal.SNAPSHOT);
        byte[] snapshotBefore = Files.readAllBytes(snapshot);
        directory.close();
        directory = null;
        Files.write(snapshot, snapshotBefore);
        // flip a byte inside the second record's body: its CRC no longer matches
        int second = text.lastIndexOf("cn: Second");
        Files.writeString(
                journal, text.substring(0, second) + "cn: Secund" + text.substring(second + 10));

        start();
        try (LDAPConnection c = admin()) {
            assertThat(c.getEntry("CN=First," + CONTAINER)).isNotNull();
            assertThat(c.getEntry("CN=Second," + CONTAINER)).isNull();
        }
    }

    @Test
    void ldaps_whenTlsConfigured_thenServesWithTheCertificate() throws Exception {
        directory =
                EmbeddedBastionDirectory.start(
                        options(dir.resolve("data"), Optional.of(TestTls.serverContext(dir))));
        try (LDAPConnection c =
                new LDAPConnection(
                        TestTls.trustAll().createSSLSocketFactory(),
                        "127.0.0.1",
                        directory.ldapsPort())) {
            c.bind(ADMIN, PASSWORD);
            assertThat(c.getEntry(CONTAINER)).isNotNull();
        }
    }

    /** What a start would load if the process died right now: a copy of the data files. */
    private Map<String, Entry> crashImage() throws Exception {
        Path data = dir.resolve("data");
        Path copy = Files.createTempDirectory(dir, "crash-image");
        for (String file : List.of(DirectoryJournal.SNAPSHOT, DirectoryJournal.JOURNAL)) {
            if (Files.exists(data.resolve(file))) {
                Files.copy(data.resolve(file), copy.resolve(file));
            }
        }
        Map<String, Entry> entries = new TreeMap<>();
        for (Entry e : EmbeddedBastionDirectory.storedEntries(copy)) {
            entries.put(e.getParsedDN().toNormalizedString(), e);
        }
        return entries;
    }

    private static String key(String dn) throws LDAPException {
        return new DN(dn).toNormalizedString();
    }

    @Test
    void write_whenAcknowledged_thenAlreadyInTheJournalWhateverTheConnection() throws Exception {
        start();
        try (LDAPConnection network = admin();
                LDAPConnection inProcess = directory.connection()) {
            network.add(shadowPrincipal("Over The Network", "S-1-5-21-1-2-3-1500"));
            inProcess.add(shadowPrincipal("In Process", "S-1-5-21-1-2-3-1501"));
            directory.pool().add(shadowPrincipal("From The Pool", "S-1-5-21-1-2-3-1502"));
            inProcess.modify(
                    "CN=Over The Network," + CONTAINER,
                    new Modification(ModificationType.ADD, "member", "CN=carol,CN=Users," + ROOT));
        }
        Map<String, Entry> image = crashImage();
        assertThat(image)
                .containsKeys(
                        key("CN=In Process," + CONTAINER), key("CN=From The Pool," + CONTAINER));
        assertThat(image.get(key("CN=Over The Network," + CONTAINER)).getAttributeValues("member"))
                .containsExactly("CN=carol,CN=Users," + ROOT);
    }

    @Test
    void journal_whenConcurrentWritesDeletesAndReAdds_thenReplayEqualsLiveState() throws Exception {
        start();
        int threads = 4;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int seed = t;
                done.add(
                        pool.submit(
                                () -> {
                                    Random random = new Random(seed);
                                    try (LDAPConnection c =
                                            seed % 2 == 0 ? admin() : directory.connection()) {
                                        for (int i = 0; i < 150; i++) {
                                            String name = "P" + random.nextInt(5);
                                            String dn = "CN=" + name + "," + CONTAINER;
                                            try {
                                                switch (random.nextInt(3)) {
                                                    case 0 ->
                                                            c.add(
                                                                    shadowPrincipal(
                                                                            name,
                                                                            "S-1-5-21-1-2-3-"
                                                                                    + (2000 + i)));
                                                    case 1 ->
                                                            c.modify(
                                                                    dn,
                                                                    new Modification(
                                                                            ModificationType
                                                                                    .REPLACE,
                                                                            "description",
                                                                            "t" + seed + "i" + i));
                                                    default -> c.delete(dn);
                                                }
                                            } catch (LDAPException expected) {
                                                // exists already / no such object: races are
                                                // the point
                                            }
                                        }
                                    }
                                    return null;
                                }));
            }
            for (Future<?> f : done) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        Map<String, Entry> live = new TreeMap<>();
        try (LDAPConnection c = admin()) {
            for (Entry e :
                    c.search(ROOT, SearchScope.SUB, "(objectClass=*)", "*").getSearchEntries()) {
                live.put(
                        e.getParsedDN().toNormalizedString(),
                        new Entry(e.getDN(), e.getAttributes()));
            }
        }
        assertThat(crashImage()).isEqualTo(live);
    }

    @Test
    void start_whenDataDirectoryInUse_thenRefusedNamingIt() throws Exception {
        start();
        assertThatThrownBy(
                        () ->
                                EmbeddedBastionDirectory.start(
                                        options(dir.resolve("data"), Optional.empty())))
                .isInstanceOf(DirectoryUnavailableException.class)
                .hasMessageContaining("in use")
                .hasMessageContaining(dir.resolve("data").toString());
    }

    @Test
    void start_whenJournalDamagedBeforeItsEnd_thenRefusesToStartNamingTheJournal()
            throws Exception {
        start();
        try (LDAPConnection c = admin()) {
            c.add(shadowPrincipal("First", "S-1-5-21-1-2-3-1600"));
            c.add(shadowPrincipal("Second", "S-1-5-21-1-2-3-1601"));
        }
        Path data = dir.resolve("data");
        Path journal = data.resolve(DirectoryJournal.JOURNAL);
        String text = Files.readString(journal);
        byte[] snapshotBefore = Files.readAllBytes(data.resolve(DirectoryJournal.SNAPSHOT));
        directory.close();
        directory = null;
        Files.write(data.resolve(DirectoryJournal.SNAPSHOT), snapshotBefore);
        int first = text.indexOf("cn: First");
        Files.writeString(
                journal, text.substring(0, first) + "cn: Furst" + text.substring(first + 9));

        assertThatThrownBy(this::start)
                .isInstanceOf(DirectoryUnavailableException.class)
                .hasMessageContaining(journal.toString())
                .hasMessageContaining("before its end");
    }

    @Test
    void extendedOperation_whenPasswordModifyOrTransaction_thenRefusedAndWhoAmIAnswered()
            throws Exception {
        start();
        try (LDAPConnection c = admin()) {
            ExtendedResult passwordModify =
                    c.processExtendedOperation(
                            new PasswordModifyExtendedRequest(
                                    "dn:CN=Users," + ROOT, null, "new-password-123"));
            assertThat(passwordModify.getResultCode()).isEqualTo(ResultCode.UNWILLING_TO_PERFORM);
            ExtendedResult transaction =
                    c.processExtendedOperation(new StartTransactionExtendedRequest());
            assertThat(transaction.getResultCode()).isEqualTo(ResultCode.UNWILLING_TO_PERFORM);
            WhoAmIExtendedResult whoAmI =
                    (WhoAmIExtendedResult) c.processExtendedOperation(new WhoAmIExtendedRequest());
            assertThat(whoAmI.getAuthorizationID()).isEqualToIgnoringCase("dn:" + ADMIN);
        }
    }

    @Test
    void anonymous_whenRootDseCompareOrExtended_thenRefused() throws Exception {
        start();
        try (LDAPConnection c = new LDAPConnection("127.0.0.1", directory.ldapPort())) {
            assertThatThrownBy(() -> c.getEntry("", "namingContexts"))
                    .isInstanceOfSatisfying(
                            LDAPException.class,
                            e ->
                                    assertThat(e.getResultCode())
                                            .isEqualTo(ResultCode.INSUFFICIENT_ACCESS_RIGHTS));
            assertThatThrownBy(() -> c.compare(ROOT, "dc", "priv"))
                    .isInstanceOf(LDAPException.class);
            assertThat(c.processExtendedOperation(new WhoAmIExtendedRequest()).getResultCode())
                    .isEqualTo(ResultCode.INSUFFICIENT_ACCESS_RIGHTS);
        }
    }

    @Test
    void maintain_whenJournalPastThreshold_thenCompactedIntoTheSnapshot() throws Exception {
        directory =
                EmbeddedBastionDirectory.start(options(dir.resolve("data"), Optional.empty()), 1);
        try (LDAPConnection c = admin()) {
            c.add(shadowPrincipal("Compacted", "S-1-5-21-1-2-3-1700"));
        }
        Path data = dir.resolve("data");
        assertThat(Files.size(data.resolve(DirectoryJournal.JOURNAL))).isPositive();
        directory.maintain();
        assertThat(data.resolve(DirectoryJournal.JOURNAL)).doesNotExist();
        assertThat(Files.readString(data.resolve(DirectoryJournal.SNAPSHOT)))
                .contains("CN=Compacted");
        try (LDAPConnection c = admin()) {
            c.add(shadowPrincipal("After", "S-1-5-21-1-2-3-1701"));
        }
        assertThat(crashImage())
                .containsKeys(key("CN=Compacted," + CONTAINER), key("CN=After," + CONTAINER));
    }

    @Test
    void check_whenUpThenClosed_thenUpWithDetailThenDown() throws Exception {
        start();
        assertThat(directory.check())
                .contains("entries")
                .contains("ldap port " + directory.ldapPort());
        directory.close();
        EmbeddedBastionDirectory closed = directory;
        directory = null;
        assertThatThrownBy(closed::check).isInstanceOf(DirectoryUnavailableException.class);
        closed.close(); // idempotent
    }

    @Test
    void options_whenInvalid_thenRejectedNamingTheField() throws Exception {
        assertThatThrownBy(
                        () ->
                                new EmbeddedBastionDirectoryOptions(
                                        new DN(ROOT),
                                        "127.0.0.1",
                                        -1,
                                        0,
                                        Optional.empty(),
                                        dir,
                                        new DN(ADMIN),
                                        PASSWORD.toCharArray()))
                .hasMessageStartingWith("ldapPort");
        assertThatThrownBy(
                        () ->
                                new EmbeddedBastionDirectoryOptions(
                                        new DN(ROOT),
                                        "127.0.0.1",
                                        0,
                                        0,
                                        Optional.empty(),
                                        dir,
                                        new DN(ADMIN),
                                        "short".toCharArray()))
                .hasMessageStartingWith("adminPassword");
        assertThat(options0().toString()).doesNotContain(PASSWORD);
    }

    private EmbeddedBastionDirectoryOptions options0() throws LDAPException {
        return options(dir, Optional.empty());
    }
}
