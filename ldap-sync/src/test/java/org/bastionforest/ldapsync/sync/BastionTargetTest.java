package org.bastionforest.ldapsync.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.unboundid.ldap.sdk.DN;
import com.unboundid.ldap.sdk.LDAPConnection;
import org.junit.jupiter.api.Test;

class BastionTargetTest {
    static final DN USERS = dn("CN=Users,DC=priv,DC=example");
    static final DN SHADOW = dn("CN=Shadow Principal Configuration,DC=priv,DC=example");

    static DN dn(String s) {
        try {
            return new DN(s);
        } catch (com.unboundid.ldap.sdk.LDAPException e) {
            throw new IllegalArgumentException(e);
        }
    }

    @Test
    void construct_whenNoPageSizeIsGiven_thenAnExternalDirectorysSafeDefault() {
        BastionTarget t = new BastionTarget(new LDAPConnection(), USERS, SHADOW);

        assertThat(t.pageSize()).isEqualTo(BastionTarget.DEFAULT_PAGE_SIZE).isEqualTo(500);
        assertThat(BastionTarget.EMBEDDED_PAGE_SIZE).isGreaterThan(t.pageSize());
    }

    @Test
    void construct_whenThePageSizeIsNotPositive_thenRefused() {
        assertThatThrownBy(() -> new BastionTarget(new LDAPConnection(), USERS, SHADOW, 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("pageSize");
        assertThatThrownBy(() -> new BastionTarget(new LDAPConnection(), USERS, SHADOW, -5))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
