package org.bastionforest.testldif;

import static org.assertj.core.api.Assertions.assertThat;

import com.unboundid.ldap.sdk.Entry;
import com.unboundid.ldap.sdk.schema.AttributeTypeDefinition;
import com.unboundid.ldap.sdk.schema.EntryValidator;
import com.unboundid.ldap.sdk.schema.ObjectClassDefinition;
import com.unboundid.ldap.sdk.schema.Schema;
import com.unboundid.ldif.LDIFReader;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The bastion schema has AD's elements with AD's OIDs, and the fixtures are valid under it. */
class BastionSchemaFixtureTest {
    static Schema bastionOnly;
    static Schema merged;

    @BeforeAll
    static void load() throws Exception {
        try (LDIFReader reader = new LDIFReader(Fixtures.open(Fixtures.BASTION_SCHEMA))) {
            bastionOnly = new Schema(reader.readEntry());
        }
        merged = Schema.mergeSchemas(Schema.getDefaultStandardSchema(), bastionOnly);
    }

    @ParameterizedTest
    @CsvSource({
        "objectSid, 1.2.840.113556.1.4.146, true",
        "objectGUID, 1.2.840.113556.1.4.2, true",
        "sAMAccountName, 1.2.840.113556.1.4.221, false",
        "userPrincipalName, 1.2.840.113556.1.4.656, false",
        "userAccountControl, 1.2.840.113556.1.4.8, false",
        "sAMAccountType, 1.2.840.113556.1.4.302, false",
        "groupType, 1.2.840.113556.1.4.750, false",
        "primaryGroupID, 1.2.840.113556.1.4.98, false",
        "memberOf, 1.2.840.113556.1.2.102, false",
        "uSNCreated, 1.2.840.113556.1.2.19, false",
        "uSNChanged, 1.2.840.113556.1.2.120, false",
        "whenCreated, 1.2.840.113556.1.2.2, false",
        "whenChanged, 1.2.840.113556.1.2.3, false",
        "isDeleted, 1.2.840.113556.1.2.48, false",
        "lastKnownParent, 1.2.840.113556.1.4.781, false",
        "objectCategory, 1.2.840.113556.1.4.782, false",
        "msDS-ShadowPrincipalSid, 1.2.840.113556.1.4.2324, true",
    })
    void attributeType_whenLookedUpByAdName_thenHasAdOid(String name, String oid, boolean binary) {
        AttributeTypeDefinition type = merged.getAttributeType(name);
        assertThat(type).as(name).isNotNull();
        assertThat(type.getOID()).isEqualTo(oid);
        assertThat(type.getNameOrOID()).isEqualTo(name);
        if (binary) {
            assertThat(type.getSyntaxOID())
                    .as("octet string")
                    .isEqualTo("1.3.6.1.4.1.1466.115.121.1.40");
        }
    }

    @ParameterizedTest
    @CsvSource({
        "user, 1.2.840.113556.1.5.9, organizationalPerson",
        "group, 1.2.840.113556.1.5.8, top",
        "container, 1.2.840.113556.1.3.23, top",
        "domainDNS, 1.2.840.113556.1.5.67, top",
        "msDS-ShadowPrincipal, 1.2.840.113556.1.5.299, top",
        "msDS-ShadowPrincipalContainer, 1.2.840.113556.1.5.298, container",
    })
    void objectClass_whenLookedUpByAdName_thenHasAdOidAndSuperior(
            String name, String oid, String superior) {
        ObjectClassDefinition oc = merged.getObjectClass(name);
        assertThat(oc).as(name).isNotNull();
        assertThat(oc.getOID()).isEqualTo(oid);
        assertThat(oc.getSuperiorClasses()).containsExactly(superior);
    }

    @Test
    void merge_whenStandardNamesExist_thenStandardDefinitionsAreKept() throws Exception {
        Schema standard = Schema.getDefaultStandardSchema();
        for (AttributeTypeDefinition type : bastionOnly.getAttributeTypes()) {
            assertThat(standard.getAttributeType(type.getNameOrOID()))
                    .as("%s redefines a standard attribute", type.getNameOrOID())
                    .isNull();
        }
        for (ObjectClassDefinition oc : bastionOnly.getObjectClasses()) {
            assertThat(standard.getObjectClass(oc.getNameOrOID()))
                    .as("%s redefines a standard class", oc.getNameOrOID())
                    .isNull();
        }
        assertThat(merged.getAttributeType("displayName").getOID())
                .isEqualTo("2.16.840.1.113730.3.1.241");
        assertThat(merged.getAttributeType("member").getOID()).isEqualTo("2.5.4.31");
    }

    @Test
    void demoForest_whenValidatedAgainstTheSchema_thenEveryEntryConforms() throws Exception {
        assertThat(violations(Fixtures.DEMO_AD_FOREST, merged)).isEmpty();
    }

    @Test
    void genericTree_whenValidatedAgainstTheStandardSchema_thenConformsWithoutAdAttributes()
            throws Exception {
        assertThat(violations(Fixtures.GENERIC_LDAP, Schema.getDefaultStandardSchema())).isEmpty();
        Set<String> adOnly = Set.of("objectsid", "objectguid", "samaccountname", "memberof");
        try (LDIFReader reader = new LDIFReader(Fixtures.open(Fixtures.GENERIC_LDAP))) {
            int people = 0;
            for (Entry e = reader.readEntry(); e != null; e = reader.readEntry()) {
                e.getAttributes()
                        .forEach(
                                a ->
                                        assertThat(adOnly)
                                                .doesNotContain(a.getBaseName().toLowerCase()));
                if (e.hasObjectClass("inetOrgPerson")) {
                    people++;
                }
            }
            assertThat(people).isEqualTo(50);
        }
    }

    private static List<String> violations(String fixture, Schema schema) throws Exception {
        EntryValidator validator = new EntryValidator(schema);
        List<String> problems = new ArrayList<>();
        try (LDIFReader reader = new LDIFReader(Fixtures.open(fixture))) {
            for (Entry e = reader.readEntry(); e != null; e = reader.readEntry()) {
                List<String> invalid = new ArrayList<>();
                if (!validator.entryIsValid(e, invalid)) {
                    problems.add(e.getDN() + ": " + invalid);
                }
            }
        }
        return problems;
    }
}
