package org.bastionforest.api.service;

import com.unboundid.ldap.sdk.DN;
import com.unboundid.ldap.sdk.Filter;
import com.unboundid.ldap.sdk.LDAPException;
import com.unboundid.ldap.sdk.LDAPInterface;
import com.unboundid.ldap.sdk.SearchRequest;
import com.unboundid.ldap.sdk.SearchResultEntry;
import com.unboundid.ldap.sdk.SearchScope;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.bastionforest.kerberos.AccountSource;
import org.bastionforest.shadowgroups.errors.DirectoryUnavailableException;
import org.bastionforest.shadowgroups.model.Sid;
import org.bastionforest.shadowgroups.policy.UserId;

/**
 * The KDC's view of bastion accounts, read from the bastion directory where the sync writes them:
 * found by {@code sAMAccountName} (a filter built by the SDK), disabled when {@code
 * userAccountControl} has bit 2, with the account's {@code objectSid}, UPN and display name for the
 * PAC.
 *
 * <p>Thread-safe (the LDAP interface is a pool).
 */
final class BastionDirectoryAccounts implements AccountSource {
    private static final int ACCOUNTDISABLE = 0x2;

    private final LDAPInterface ldap;
    private final DN base;

    BastionDirectoryAccounts(LDAPInterface ldap, DN base) {
        this.ldap = Objects.requireNonNull(ldap, "ldap");
        this.base = Objects.requireNonNull(base, "base");
    }

    @Override
    public Optional<Account> find(UserId user) throws DirectoryUnavailableException {
        try {
            SearchRequest request =
                    new SearchRequest(
                            base.toString(),
                            SearchScope.SUB,
                            Filter.createANDFilter(
                                    Filter.createEqualityFilter("objectClass", "user"),
                                    Filter.createEqualityFilter("sAMAccountName", user.value())),
                            "objectSid",
                            "userPrincipalName",
                            "displayName",
                            "userAccountControl");
            request.setSizeLimit(2);
            List<SearchResultEntry> found = ldap.search(request).getSearchEntries();
            if (found.size() != 1) {
                return Optional.empty();
            }
            SearchResultEntry e = found.get(0);
            Integer control = e.getAttributeValueAsInteger("userAccountControl");
            Optional<Sid> sid = Optional.empty();
            byte[] raw = e.getAttributeValueBytes("objectSid");
            if (raw != null) {
                try {
                    sid = Optional.of(Sid.fromBytes(raw));
                } catch (IllegalArgumentException bad) {
                    sid = Optional.empty();
                }
            }
            return Optional.of(
                    new Account(
                            user,
                            control == null || (control & ACCOUNTDISABLE) == 0,
                            sid,
                            Optional.ofNullable(e.getAttributeValue("userPrincipalName")),
                            Optional.ofNullable(e.getAttributeValue("displayName")).orElse("")));
        } catch (LDAPException e) {
            throw new DirectoryUnavailableException(
                    "bastion directory: cannot read account "
                            + user.value()
                            + " ("
                            + e.getResultCode().getName()
                            + ")",
                    e);
        }
    }
}
