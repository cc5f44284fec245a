package org.bastionforest.ldapsync.sync;

import com.unboundid.ldap.sdk.Attribute;
import com.unboundid.ldap.sdk.DN;
import com.unboundid.ldap.sdk.Entry;
import com.unboundid.ldap.sdk.Filter;
import com.unboundid.ldap.sdk.LDAPConnection;
import com.unboundid.ldap.sdk.LDAPConnectionPool;
import com.unboundid.ldap.sdk.LDAPException;
import com.unboundid.ldap.sdk.LDAPInterface;
import com.unboundid.ldap.sdk.Modification;
import com.unboundid.ldap.sdk.ModificationType;
import com.unboundid.ldap.sdk.RDN;
import com.unboundid.ldap.sdk.SearchResultEntry;
import com.unboundid.ldap.sdk.SearchScope;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;
import org.bastionforest.ldapsync.sync.SyncPlan.Action;
import org.bastionforest.ldapsync.sync.SyncPlan.ObjectKind;
import org.bastionforest.shadowgroups.model.ObjectGuid;
import org.bastionforest.shadowgroups.model.Sid;

/**
 * Reads and writes bastion accounts and shadow principals. Every filter and DN is built with the
 * SDK. Thread-safe when the target's {@link LDAPInterface} is.
 */
final class BastionWriter {
    static final String[] ACCOUNT_ATTRIBUTES = {
        "objectClass",
        "sAMAccountName",
        "userPrincipalName",
        "displayName",
        "mail",
        "objectSid",
        "objectGUID",
        "userAccountControl"
    };
    static final int ENABLED = 512;
    static final int DISABLED = 514;

    private final BastionTarget target;

    BastionWriter(BastionTarget target) {
        this.target = target;
    }

    /** A bastion account made by the sync: its DN, logon name and enabled state. */
    record Account(DN dn, String login, boolean enabled, ObjectGuid anchor) {}

    /**
     * The objectGUID alone: the in-memory directory evaluates an AND with {@code objectClass=user}
     * by scanning every user (10x slower at 2,000 accounts); the class is checked on the result.
     */
    static Filter accountFilter(ObjectGuid anchor) {
        return Filter.createEqualityFilter("objectGUID", anchor.toBytes());
    }

    static final Filter SYNCED_ACCOUNTS =
            Filter.createANDFilter(
                    Filter.createEqualityFilter("objectClass", "user"),
                    Filter.createPresenceFilter("objectGUID"));

    Optional<SearchResultEntry> findAccountEntry(ObjectGuid anchor) throws LDAPException {
        return Optional.ofNullable(
                        target.ldap()
                                .searchForEntry(
                                        target.accountsBase().toString(),
                                        SearchScope.SUB,
                                        accountFilter(anchor),
                                        ACCOUNT_ATTRIBUTES))
                .filter(e -> e.hasObjectClass("user"));
    }

    Optional<Account> findAccount(ObjectGuid anchor) throws LDAPException {
        return findAccountEntry(anchor).map(e -> account(e, anchor));
    }

    private static Account account(Entry e, ObjectGuid anchor) {
        Integer control = e.getAttributeValueAsInteger("userAccountControl");
        try {
            return new Account(
                    e.getParsedDN(),
                    Objects.requireNonNullElse(e.getAttributeValue("sAMAccountName"), ""),
                    control == null || (control & 0x2) == 0,
                    anchor);
        } catch (LDAPException x) {
            throw new IllegalStateException("the bastion returned a bad DN", x);
        }
    }

    /** The DN a user's bastion account should have. */
    DN accountDn(String login) {
        return new DN(new RDN("CN", login), target.accountsBase());
    }

    /** What an upsert did, for the lifecycle: the account that was, if any. */
    record Upserted(Optional<Account> before, boolean changed) {}

    /**
     * Adds or updates the user's bastion account (renaming it when the logon name changed).
     *
     * @throws LDAPException if the bastion refused a write
     */
    Upserted upsert(ProductionUser user, RunContext run) throws LDAPException {
        Optional<SearchResultEntry> existing = findAccountEntry(user.anchor());
        DN wanted = accountDn(user.login());
        if (existing.isEmpty()) {
            if (run.write) {
                target.ldap().add(newAccount(wanted, user));
            }
            run.record(Action.ADD, ObjectKind.ACCOUNT, wanted.toString(), "");
            return new Upserted(Optional.empty(), true);
        }
        Entry old = existing.get();
        Account before = account(old, user.anchor());
        boolean rename = !old.getParsedDN().equals(wanted);
        List<Modification> mods = differences(old, user);
        if (rename && run.write) {
            target.ldap().modifyDN(old.getDN(), wanted.getRDN().toString(), true, null);
            // the embedded directory and OpenLDAP keep no referential integrity: member values
            // follow the rename here; a new logon name is a new user, whose grants end
            boolean sameUser = before.login().equalsIgnoreCase(user.login());
            rewriteMemberships(
                    old.getParsedDN(), sameUser ? Optional.of(wanted) : Optional.empty());
        }
        if (!mods.isEmpty() && run.write) {
            target.ldap().modify(wanted.toString(), mods);
        }
        String changed =
                String.join(",", mods.stream().map(Modification::getAttributeName).toList());
        if (rename) {
            run.record(Action.RENAME, ObjectKind.ACCOUNT, wanted.toString(), "was " + old.getDN());
        } else if (!mods.isEmpty()) {
            run.record(Action.UPDATE, ObjectKind.ACCOUNT, wanted.toString(), changed);
        } else {
            run.unchanged++;
        }
        return new Upserted(Optional.of(before), rename || !mods.isEmpty());
    }

    private static Entry newAccount(DN dn, ProductionUser user) {
        Entry e = new Entry(dn);
        e.addAttribute("objectClass", "top", "person", "organizationalPerson", "user");
        e.addAttribute("cn", user.login());
        e.addAttribute("sn", user.login());
        e.addAttribute("sAMAccountName", user.login());
        user.userPrincipalName().ifPresent(v -> e.addAttribute("userPrincipalName", v));
        user.displayName().ifPresent(v -> e.addAttribute("displayName", v));
        user.mail().ifPresent(v -> e.addAttribute("mail", v));
        user.sid().ifPresent(v -> e.addAttribute("objectSid", v.toBytes()));
        e.addAttribute("objectGUID", user.anchor().toBytes());
        e.addAttribute("userAccountControl", Integer.toString(user.enabled() ? ENABLED : DISABLED));
        return e;
    }

    private static List<Modification> differences(Entry old, ProductionUser user) {
        List<Modification> mods = new ArrayList<>();
        text(old, "sAMAccountName", Optional.of(user.login()), mods);
        text(old, "userPrincipalName", user.userPrincipalName(), mods);
        text(old, "displayName", user.displayName(), mods);
        text(old, "mail", user.mail(), mods);
        byte[] oldSid = old.getAttributeValueBytes("objectSid");
        byte[] newSid = user.sid().map(Sid::toBytes).orElse(null);
        if (!Arrays.equals(oldSid, newSid)) {
            mods.add(
                    newSid == null
                            ? new Modification(ModificationType.REPLACE, "objectSid")
                            : new Modification(ModificationType.REPLACE, "objectSid", newSid));
        }
        text(
                old,
                "userAccountControl",
                Optional.of(Integer.toString(user.enabled() ? ENABLED : DISABLED)),
                mods);
        return mods;
    }

    private static void text(
            Entry old, String attribute, Optional<String> wanted, List<Modification> mods) {
        String current = old.getAttributeValue(attribute);
        if (!Objects.equals(current, wanted.orElse(null))) {
            mods.add(
                    wanted.isEmpty()
                            ? new Modification(ModificationType.REPLACE, attribute)
                            : new Modification(ModificationType.REPLACE, attribute, wanted.get()));
        }
    }

    /** Deletes a bastion account and its memberships (no-op in a dry run). */
    void deleteAccount(Account account, RunContext run) throws LDAPException {
        if (run.write) {
            rewriteMemberships(account.dn(), Optional.empty());
            target.ldap().delete(account.dn().toString());
        }
        run.record(Action.DELETE, ObjectKind.ACCOUNT, account.dn().toString(), "");
    }

    /** Streams every account the sync made (those with an objectGUID), page by page. */
    void forEachAccount(Consumer<Account> each) throws LDAPException {
        withConnection(
                c -> {
                    PagedSearch search =
                            new PagedSearch(
                                    c,
                                    target.accountsBase(),
                                    SYNCED_ACCOUNTS,
                                    target.pageSize(),
                                    List.of(),
                                    "sAMAccountName",
                                    "objectGUID",
                                    "userAccountControl");
                    for (Optional<List<SearchResultEntry>> page;
                            (page = search.next()).isPresent(); ) {
                        for (SearchResultEntry e : page.get()) {
                            byte[] guid = e.getAttributeValueBytes("objectGUID");
                            if (guid != null && guid.length == 16) {
                                each.accept(account(e, ObjectGuid.fromBytes(guid)));
                            }
                        }
                    }
                });
    }

    /**
     * Removes {@code account} from every shadow principal's {@code member}, or replaces it by
     * {@code replacement}.
     */
    private void rewriteMemberships(DN account, Optional<DN> replacement) throws LDAPException {
        for (SearchResultEntry p :
                target.ldap()
                        .search(
                                target.shadowPrincipalContainer().toString(),
                                SearchScope.ONE,
                                Filter.createANDFilter(
                                        Filter.createEqualityFilter(
                                                "objectClass", "msDS-ShadowPrincipal"),
                                        Filter.createEqualityFilter("member", account.toString())),
                                "1.1")
                        .getSearchEntries()) {
            List<Modification> mods = new ArrayList<>();
            mods.add(new Modification(ModificationType.DELETE, "member", account.toString()));
            replacement.ifPresent(
                    dn ->
                            mods.add(
                                    new Modification(
                                            ModificationType.ADD, "member", dn.toString())));
            target.ldap().modify(p.getDN(), mods);
        }
    }

    // ------------------------------------------------------------ shadow principals

    /** A shadow principal in the container. */
    record Principal(DN dn, String name, Sid sid) {}

    List<Principal> principals() throws LDAPException {
        List<Principal> out = new ArrayList<>();
        for (SearchResultEntry e :
                target.ldap()
                        .search(
                                target.shadowPrincipalContainer().toString(),
                                SearchScope.ONE,
                                Filter.createEqualityFilter("objectClass", "msDS-ShadowPrincipal"),
                                "cn",
                                "msDS-ShadowPrincipalSid")
                        .getSearchEntries()) {
            byte[] sid = e.getAttributeValueBytes("msDS-ShadowPrincipalSid");
            if (sid == null) {
                continue;
            }
            try {
                out.add(
                        new Principal(
                                e.getParsedDN(),
                                Objects.requireNonNullElse(e.getAttributeValue("cn"), ""),
                                Sid.fromBytes(sid)));
            } catch (IllegalArgumentException bad) {
                // not a SID we can read: not ours to touch
            }
        }
        return out;
    }

    DN principalDn(String name) {
        return new DN(new RDN("CN", name), target.shadowPrincipalContainer());
    }

    void addPrincipal(String name, Sid sid, RunContext run) throws LDAPException {
        DN dn = principalDn(name);
        if (run.write) {
            Entry e = new Entry(dn);
            e.addAttribute("objectClass", "top", "msDS-ShadowPrincipal");
            e.addAttribute("cn", name);
            e.addAttribute(new Attribute("msDS-ShadowPrincipalSid", sid.toBytes()));
            target.ldap().add(e);
        }
        run.record(Action.ADD, ObjectKind.SHADOW_PRINCIPAL, dn.toString(), sid.toString());
    }

    void renamePrincipal(Principal p, String name, RunContext run) throws LDAPException {
        DN dn = principalDn(name);
        if (run.write) {
            target.ldap().modifyDN(p.dn().toString(), dn.getRDN().toString(), true, null);
        }
        run.record(Action.RENAME, ObjectKind.SHADOW_PRINCIPAL, dn.toString(), "was " + p.dn());
    }

    void deletePrincipal(Principal p, RunContext run) throws LDAPException {
        if (run.write) {
            target.ldap().delete(p.dn().toString());
        }
        run.record(
                Action.DELETE, ObjectKind.SHADOW_PRINCIPAL, p.dn().toString(), p.sid().toString());
    }

    // ------------------------------------------------------------ connections

    interface WithConnection {
        void run(LDAPInterface connection) throws LDAPException;
    }

    /** Runs {@code work} on one connection (paging cookies are bound to it). */
    void withConnection(WithConnection work) throws LDAPException {
        withConnection(target.ldap(), work);
    }

    static void withConnection(LDAPInterface ldap, WithConnection work) throws LDAPException {
        if (ldap instanceof LDAPConnectionPool pool) {
            LDAPConnection c = pool.getConnection();
            boolean ok = false;
            try {
                work.run(c);
                ok = true;
            } finally {
                if (ok) {
                    pool.releaseConnection(c);
                } else {
                    pool.releaseDefunctConnection(c);
                }
            }
        } else {
            work.run(ldap);
        }
    }
}
