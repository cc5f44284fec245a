package org.bastionforest.ldapsync.facts;

import com.unboundid.ldap.sdk.DN;
import com.unboundid.ldap.sdk.Filter;
import com.unboundid.ldap.sdk.LDAPException;
import com.unboundid.ldap.sdk.LDAPInterface;
import com.unboundid.ldap.sdk.SearchResultEntry;
import com.unboundid.ldap.sdk.SearchScope;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.bastionforest.shadowgroups.directory.DirectoryFacts;
import org.bastionforest.shadowgroups.errors.DirectoryUnavailableException;
import org.bastionforest.shadowgroups.model.Sid;
import org.bastionforest.shadowgroups.policy.UserId;

/**
 * The core's {@link DirectoryFacts}, read live from the production directory: a user is found by
 * {@code sAMAccountName}, a group by its binary {@code objectSid}, under the configured base DNs,
 * with filters built by the SDK's escaping.
 *
 * <p>Nested membership is decided in one of two ways ({@link Nesting}): AD's in-chain matching rule
 * ({@code memberOf:1.2.840.113556.1.4.1941:=}, one query, answered by AD and Samba), or a
 * breadth-first walk up from the user through the groups whose {@code member} values list it
 * (directories without that rule, such as the embedded demo directory), with a cycle guard and a
 * depth limit.
 *
 * <pre>{@code
 * DirectoryFacts facts = new ProductionDirectoryFacts(pool, List.of(new DN("DC=corp,DC=example")), Nesting.IN_CHAIN_RULE);
 * facts.isMemberOf(new UserId("alice"), Sid.parse("S-1-5-21-...-512"));
 * }</pre>
 *
 * <p>Thread-safe when the {@link LDAPInterface} is (a connection pool is). Immutable.
 */
public final class ProductionDirectoryFacts implements DirectoryFacts {
    /** AD's LDAP_MATCHING_RULE_IN_CHAIN. */
    public static final String IN_CHAIN_RULE = "1.2.840.113556.1.4.1941";

    /** The deepest group nesting followed by {@link Nesting#EXPAND}. */
    public static final int MAX_DEPTH = 32;

    /** How nested groups are resolved. */
    public enum Nesting {
        /** One search with AD's in-chain matching rule. */
        IN_CHAIN_RULE,
        /** Walk up {@code member} links breadth-first, from the user. */
        EXPAND
    }

    private final LDAPInterface ldap;
    private final List<DN> baseDns;
    private final Nesting nesting;

    public ProductionDirectoryFacts(LDAPInterface ldap, List<DN> baseDns, Nesting nesting) {
        this.ldap = Objects.requireNonNull(ldap, "ldap");
        this.baseDns = List.copyOf(baseDns);
        this.nesting = Objects.requireNonNull(nesting, "nesting");
        if (this.baseDns.isEmpty()) {
            throw new IllegalArgumentException("baseDns: at least one is required");
        }
    }

    @Override
    public boolean isMemberOf(UserId user, Sid group) throws DirectoryUnavailableException {
        Optional<SearchResultEntry> account = findOne(userFilter(user), "objectSid");
        // the group's DN only: never its member values (thousands, for a big group)
        Optional<SearchResultEntry> groupEntry = findOne(groupFilter(group), "1.1");
        if (account.isEmpty() || groupEntry.isEmpty()) {
            return false;
        }
        DN userDn = dn(account.get());
        DN groupDn = dn(groupEntry.get());
        return nesting == Nesting.IN_CHAIN_RULE
                ? inChain(userDn, groupDn)
                : expand(userDn, groupDn);
    }

    @Override
    public Optional<Sid> userSid(UserId user) throws DirectoryUnavailableException {
        Optional<SearchResultEntry> account = findOne(userFilter(user), "objectSid");
        if (account.isEmpty() || !account.get().hasAttribute("objectSid")) {
            return Optional.empty();
        }
        try {
            return Optional.of(Sid.fromBytes(account.get().getAttributeValueBytes("objectSid")));
        } catch (IllegalArgumentException e) {
            throw new DirectoryUnavailableException(
                    "the production directory holds an invalid objectSid for " + user.value());
        }
    }

    private static Filter userFilter(UserId user) {
        return Filter.createANDFilter(
                Filter.createEqualityFilter("objectClass", "user"),
                Filter.createEqualityFilter("sAMAccountName", user.value()));
    }

    private static Filter groupFilter(Sid group) {
        return Filter.createANDFilter(
                Filter.createEqualityFilter("objectClass", "group"),
                Filter.createEqualityFilter("objectSid", group.toBytes()));
    }

    private boolean inChain(DN user, DN group) throws DirectoryUnavailableException {
        try {
            Filter f =
                    Filter.createExtensibleMatchFilter(
                            "memberOf", IN_CHAIN_RULE, false, group.toString());
            SearchResultEntry hit =
                    ldap.searchForEntry(user.toString(), SearchScope.BASE, f, "1.1");
            return hit != null;
        } catch (LDAPException e) {
            throw unavailable(e);
        }
    }

    /**
     * Walks up from the user: the groups that list it as a member, then the groups that list those,
     * breadth-first, until {@code group} is reached. Each step is one search on the (indexed)
     * {@code member} attribute that returns DNs only, so the cost follows how many groups the user
     * is in, not how many members the groups have (reading a 2,000-member group per check was most
     * of a request's cost against the demo directory).
     */
    private boolean expand(DN user, DN group) throws DirectoryUnavailableException {
        Set<DN> seen = new HashSet<>(List.of(user));
        List<DN> level = List.of(user);
        for (int depth = 0; depth < MAX_DEPTH && !level.isEmpty(); depth++) {
            List<DN> next = new java.util.ArrayList<>();
            for (DN member : level) {
                for (DN parent : groupsListing(member)) {
                    if (parent.equals(group)) {
                        return true;
                    }
                    if (seen.add(parent)) { // a cycle, or reached twice
                        next.add(parent);
                    }
                }
            }
            level = next;
        }
        return false;
    }

    /** The groups under the base DNs whose {@code member} values include {@code member}. */
    private List<DN> groupsListing(DN member) throws DirectoryUnavailableException {
        Filter f =
                Filter.createANDFilter(
                        Filter.createEqualityFilter("objectClass", "group"),
                        Filter.createEqualityFilter("member", member.toString()));
        List<DN> out = new java.util.ArrayList<>();
        for (DN base : baseDns) {
            try {
                for (SearchResultEntry e :
                        ldap.search(base.toString(), SearchScope.SUB, f, "1.1")
                                .getSearchEntries()) {
                    out.add(dn(e));
                }
            } catch (LDAPException e) {
                throw unavailable(e);
            }
        }
        return out;
    }

    private Optional<SearchResultEntry> findOne(Filter filter, String attribute)
            throws DirectoryUnavailableException {
        for (DN base : baseDns) {
            try {
                SearchResultEntry e =
                        ldap.searchForEntry(base.toString(), SearchScope.SUB, filter, attribute);
                if (e != null) {
                    return Optional.of(e);
                }
            } catch (LDAPException e) {
                throw unavailable(e);
            }
        }
        return Optional.empty();
    }

    private static DN dn(SearchResultEntry e) throws DirectoryUnavailableException {
        try {
            return e.getParsedDN();
        } catch (LDAPException ex) {
            throw unavailable(ex);
        }
    }

    private static DirectoryUnavailableException unavailable(LDAPException e) {
        return new DirectoryUnavailableException(
                "reading the production directory failed: " + e.getResultCode().getName(), e);
    }
}
