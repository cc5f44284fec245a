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
 * @param pageSize the page size for reading every account back (the diff of a full sync): {@link
 *     #DEFAULT_PAGE_SIZE} for a directory server, which may cap pages at its size limit; {@link
 *     #EMBEDDED_PAGE_SIZE} for the embedded directory, which scans all entries for every page
 */
public record BastionTarget(
        LDAPInterface ldap, DN accountsBase, DN shadowPrincipalContainer, int pageSize) {
    /** Page size for an external bastion directory (OpenLDAP's default size limit). */
    public static final int DEFAULT_PAGE_SIZE = 500;

    /**
     * Page size for the embedded directory: UnboundID's in-memory server evaluates the filter over
     * every entry for each page, so reading 50,000 accounts in pages of 500 costs 100 full scans.
     */
    public static final int EMBEDDED_PAGE_SIZE = 10_000;

    /** A target read back in pages of {@link #DEFAULT_PAGE_SIZE}. */
    public BastionTarget(LDAPInterface ldap, DN accountsBase, DN shadowPrincipalContainer) {
        this(ldap, accountsBase, shadowPrincipalContainer, DEFAULT_PAGE_SIZE);
    }

    public BastionTarget {
        if (pageSize < 1) {
            throw new IllegalArgumentException("bastion pageSize must be positive");
        }
        Objects.requireNonNull(ldap, "ldap");
        Objects.requireNonNull(accountsBase, "accountsBase");
        Objects.requireNonNull(shadowPrincipalContainer, "shadowPrincipalContainer");
        if (accountsBase.isNullDN() || shadowPrincipalContainer.isNullDN()) {
            throw new IllegalArgumentException(
                    "bastion accountsBase and shadowPrincipalContainer must not be empty");
        }
    }
}
