package org.bastionforest.ldapsync.sync;

import com.unboundid.ldap.sdk.DN;
import com.unboundid.ldap.sdk.LDAPInterface;
import java.util.Objects;

/**
 * The bastion directory the sync writes: the embedded directory ({@code
 * EmbeddedBastionDirectory#pool()}, {@code usersContainer()}, {@code shadowPrincipalContainer()})
 * or OpenLDAP with the bastion schema. Bastion accounts are written as {@code CN=<logon
 * name>,<accountsBase>}, shadow principals as {@code CN=<group name>,<container>}; the same places
 * where {@code LdapBastionDirectory} looks for them.
 *
 * <p>Immutable; as thread-safe as the {@link LDAPInterface} (a connection pool is).
 *
 * @param ldap a connection (pool) with write access to both places
 * @param accountsBase where bastion accounts live
 * @param shadowPrincipalContainer where shadow principals live
 */
public record BastionTarget(LDAPInterface ldap, DN accountsBase, DN shadowPrincipalContainer) {
    public BastionTarget {
        Objects.requireNonNull(ldap, "ldap");
        Objects.requireNonNull(accountsBase, "accountsBase");
        Objects.requireNonNull(shadowPrincipalContainer, "shadowPrincipalContainer");
        if (accountsBase.isNullDN() || shadowPrincipalContainer.isNullDN()) {
            throw new IllegalArgumentException(
                    "bastion accountsBase and shadowPrincipalContainer must not be empty");
        }
    }
}
