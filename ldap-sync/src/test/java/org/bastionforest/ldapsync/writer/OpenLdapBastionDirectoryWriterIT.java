package org.bastionforest.ldapsync.writer;

import com.unboundid.ldap.sdk.DN;
import com.unboundid.ldap.sdk.Entry;
import com.unboundid.ldap.sdk.LDAPConnectionPool;
import com.unboundid.ldap.sdk.LDAPException;
import com.unboundid.ldap.sdk.LDAPInterface;
import com.unboundid.ldap.sdk.SimpleBindRequest;
import com.unboundid.ldap.sdk.SingleServerSet;
import com.unboundid.ldif.LDIFReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import org.bastionforest.shadowgroups.model.Sid;
import org.bastionforest.testsupport.SlapdServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/**
 * The writer against a real OpenLDAP slapd as the bastion directory, with the same AD schema
 * elements the embedded directory uses ({@code ad-schema.ldif}) loaded into cn=config.
 */
class OpenLdapBastionDirectoryWriterIT extends BastionDirectoryContract {
    static final String ROOT = "dc=priv,dc=example";
    static final String CONTAINER =
            "CN=Shadow Principal Configuration,CN=Services,CN=Configuration," + ROOT;
    static final Sid SID = Sid.parse("S-1-5-21-2614736917-1203569437-3412578221-1105");
    @TempDir static Path dir;
    static SlapdServer slapd;
    static LDAPConnectionPool pool;

    @BeforeAll
    static void start() throws Exception {
        Entry schema;
        try (LDIFReader reader =
                new LDIFReader(
                        LdapBastionDirectory.class.getResourceAsStream(
                                "/org/bastionforest/ldapsync/embedded/ad-schema.ldif"))) {
            schema = reader.readEntry();
        }
        String ldif =
                String.join(
                        "\n",
                        "dn: " + ROOT,
                        "objectClass: top",
                        "objectClass: dcObject",
                        "objectClass: organization",
                        "dc: priv",
                        "o: bastion",
                        "",
                        "dn: CN=Users," + ROOT,
                        "objectClass: top",
                        "objectClass: container",
                        "cn: Users",
                        "",
                        "dn: CN=Configuration," + ROOT,
                        "objectClass: top",
                        "objectClass: container",
                        "cn: Configuration",
                        "",
                        "dn: CN=Services,CN=Configuration," + ROOT,
                        "objectClass: top",
                        "objectClass: container",
                        "cn: Services",
                        "",
                        "dn: " + CONTAINER,
                        "objectClass: top",
                        "objectClass: container",
                        "objectClass: msDS-ShadowPrincipalContainer",
                        "cn: Shadow Principal Configuration",
                        "",
                        account("alice"),
                        account("bob"),
                        "dn: CN=SQL Admins," + CONTAINER,
                        "objectClass: top",
                        "objectClass: msDS-ShadowPrincipal",
                        "cn: SQL Admins",
                        "msDS-ShadowPrincipalSid:: "
                                + Base64.getEncoder().encodeToString(SID.toBytes()),
                        "");
        Path initial = Files.writeString(dir.resolve("bastion.ldif"), ldif, StandardCharsets.UTF_8);
        slapd =
                SlapdServer.start(
                        ROOT,
                        Optional.of(initial),
                        List.of(schema.getAttributeValues("attributeTypes")),
                        List.of(schema.getAttributeValues("objectClasses")));
        pool =
                new LDAPConnectionPool(
                        new SingleServerSet("127.0.0.1", slapd.port()),
                        new SimpleBindRequest(slapd.rootDn(), slapd.rootPassword()),
                        1,
                        4);
    }

    private static String account(String sam) {
        return String.join(
                "\n",
                "dn: CN=" + sam + ",CN=Users," + ROOT,
                "objectClass: top",
                "objectClass: person",
                "objectClass: organizationalPerson",
                "objectClass: user",
                "cn: " + sam,
                "sn: " + sam,
                "sAMAccountName: " + sam,
                "");
    }

    @AfterAll
    static void stop() {
        pool.close();
        slapd.close();
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
        return dn("CN=SQL Admins," + CONTAINER);
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
