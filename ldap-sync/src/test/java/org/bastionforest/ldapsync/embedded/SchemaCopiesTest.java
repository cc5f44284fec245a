package org.bastionforest.ldapsync.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import org.bastionforest.testldif.Fixtures;
import org.junit.jupiter.api.Test;

/**
 * The bastion schema exists twice: at run time next to {@link AdSchema}, and among the fixtures
 * (test-ldif's {@code bastion-schema.ldif}) for tests that load it into other servers. They must
 * not drift.
 */
class SchemaCopiesTest {
    @Test
    void runtimeSchema_whenComparedWithTheFixture_thenByteForByteTheSame() throws Exception {
        byte[] runtime;
        try (InputStream in = AdSchema.class.getResourceAsStream(AdSchema.RESOURCE)) {
            runtime = in.readAllBytes();
        }
        byte[] fixture;
        try (InputStream in = Fixtures.open(Fixtures.BASTION_SCHEMA)) {
            fixture = in.readAllBytes();
        }
        assertThat(runtime)
                .as(
                        "copy ldap-sync/src/main/resources/org/bastionforest/ldapsync/embedded/"
                                + "ad-schema.ldif to test-ldif/src/main/resources/test-ldif/"
                                + "bastion-schema.ldif")
                .isEqualTo(fixture);
    }
}
