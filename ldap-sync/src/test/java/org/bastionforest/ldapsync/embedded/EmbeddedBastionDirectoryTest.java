package org.bastionforest.ldapsync.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.unboundid.ldap.sdk.DN;
import com.unboundid.ldap.sdk.Entry;
import com.unboundid.ldap.sdk.LDAPConnection;
import com.unboundid.ldap.sdk.LDAPException;
import com.unboundid.ldap.sdk.Modification;
import com.unboundid.ldap.sdk.ModificationType;
import com.unboundid.ldap.sdk.ResultCode;
import com.unboundid.ldap.sdk.SearchScope;
import com.unboundid.ldap.sdk.schema.Schema;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
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
