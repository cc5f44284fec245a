package org.bastionforest.ldapsync.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.unboundid.ldap.sdk.DN;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Bad options fail at construction, naming the key. */
class SyncOptionsTest {
    static final DN ROOT = dn("DC=corp,DC=example");

    static DN dn(String s) {
        try {
            return new DN(s);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void activeDirectory_whenDefaults_thenAdNamesAndTenPercent() {
        SyncOptions o = SyncOptions.activeDirectory(SourceKind.AD_DIRSYNC, ROOT);

        assertThat(o.mapping().anchor()).isEqualTo("objectGUID");
        assertThat(o.mapping().login()).isEqualTo("sAMAccountName");
        assertThat(o.massDeleteShare()).isEqualTo(0.10);
        assertThat(o.userBases()).containsExactly(ROOT);
        assertThat(o.userFilter().toString())
                .isEqualTo("(&(objectClass=user)(!(objectClass=computer)))");
    }

    @Test
    void constructor_whenAValueIsOutOfRange_thenRefusedNamingTheKey() {
        SyncOptions o = SyncOptions.activeDirectory(SourceKind.AD_USN, ROOT);

        assertThatThrownBy(() -> o.withMassDeleteShare(0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("sync.massDeleteShare");
        assertThatThrownBy(() -> o.withMassDeleteShare(1.5))
                .hasMessageContaining("sync.massDeleteShare");
        assertThatThrownBy(() -> o.withPaging(0, 10)).hasMessageContaining("sync.pageSize");
        assertThatThrownBy(() -> o.withPaging(10, 20_000)).hasMessageContaining("sync.batchSize");
        assertThatThrownBy(() -> o.withUserBases(List.of())).hasMessageContaining("sync.userBases");
        assertThatThrownBy(() -> o.withUserBases(List.of(DN.NULL_DN)))
                .hasMessageContaining("sync.userBases");
        assertThatThrownBy(() -> o.withMapping(AttributeMapping.generic()))
                .hasMessageContaining("sync.mapping.anchor");
        assertThatThrownBy(() -> SyncOptions.activeDirectory(SourceKind.GENERIC, ROOT))
                .hasMessageContaining("sync.source");
    }

    @Test
    void mapping_whenAnAttributeNameIsInvalid_thenRefusedNamingThePart() {
        assertThatThrownBy(
                        () ->
                                AttributeMapping.generic()
                                        .withUserSid(Optional.of("bad name)(objectClass=*")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("mapping.userSid");
    }

    @Test
    void generic_whenDefaults_thenEntryUuidAndUid() {
        SyncOptions o = SyncOptions.generic(dn("dc=example,dc=org"));

        assertThat(o.mapping().binaryAnchor()).isFalse();
        assertThat(o.mapping().userAttributes()).contains("entryUUID", "uid", "cn", "mail");
    }
}
