package org.bastionforest.ldapsync.writer;

import com.unboundid.ldap.sdk.Control;
import com.unboundid.ldap.sdk.DN;
import com.unboundid.ldap.sdk.Entry;
import com.unboundid.ldap.sdk.Filter;
import com.unboundid.ldap.sdk.LDAPException;
import com.unboundid.ldap.sdk.LDAPInterface;
import com.unboundid.ldap.sdk.Modification;
import com.unboundid.ldap.sdk.ModificationType;
import com.unboundid.ldap.sdk.ResultCode;
import com.unboundid.ldap.sdk.SearchRequest;
import com.unboundid.ldap.sdk.SearchResultEntry;
import com.unboundid.ldap.sdk.SearchScope;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bastionforest.shadowgroups.directory.BastionDirectory;
import org.bastionforest.shadowgroups.errors.DirectoryUnavailableException;
import org.bastionforest.shadowgroups.model.Sid;
import org.bastionforest.shadowgroups.policy.UserId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes grant memberships into an LDAP bastion directory as {@code member} values of the shadow
 * principal whose {@code msDS-ShadowPrincipalSid} is the production group's SID.
 *
 * <p>Two modes ({@link Mode}): {@code PLAIN} member values for the embedded directory and OpenLDAP,
 * where removal is the scheduler's job (through the core's outbox); and {@code TTL_LINKS} for an AD
 * bastion forest with the Windows Server 2016 PAM feature, where each value is a time-to-live link
 * {@code <TTL=seconds,DN>} that AD expires on its own at the grant's end (the scheduler still
 * removes it, so an early end is immediate). In TTL mode members are read with the link-TTL control
 * {@code 1.2.840.113556.1.4.2309}, and adding a link for an account that is a permanent member (AD
 * answers {@code entryAlreadyExists}) replaces the permanent value by the link in one modify.
 *
 * <p>Bastion accounts are found by {@code sAMAccountName} under {@code accountsBase}, shadow
 * principals by their SID under {@code shadowPrincipalContainer}; every filter is built with the
 * SDK's escaping. Adding a member that is already there and removing one that is not both succeed.
 *
 * <p>A member value that is not a bastion account (for example added by hand) is reported by {@link
 * #members} as the user id {@code dn:<DN>}; {@link #removeMember} with such an id removes exactly
 * that value, so the reconciler can take away standing privilege of any kind.
 *
 * <pre>{@code
 * BastionDirectory writer = new LdapBastionDirectory(pool, accountsBase, container);
 * writer.addMember(new UserId("alice"), Sid.parse("S-1-5-21-...-512"), grantEnd);
 * }</pre>
 *
 * <p>Thread-safe when the {@link LDAPInterface} is (a connection pool is).
 */
public final class LdapBastionDirectory implements BastionDirectory {
    private static final Logger LOG = LoggerFactory.getLogger(LdapBastionDirectory.class);

    /** Prefix of the user ids that stand for a member DN that is not a bastion account. */
    public static final String FOREIGN_MEMBER_PREFIX = "dn:";

    /** The OID of AD's LDAP_SERVER_LINK_TTL control: return TTL links as {@code <TTL=n,DN>}. */
    public static final String LINK_TTL_CONTROL = "1.2.840.113556.1.4.2309";

    private static final Pattern TTL_VALUE = Pattern.compile("<TTL=(\\d+),(.+)>", Pattern.DOTALL);

    /** How memberships are written. */
    public enum Mode {
        /** Plain DN values (embedded directory, OpenLDAP). */
        PLAIN,
        /** AD time-to-live links (Windows Server 2016 PAM feature). */
        TTL_LINKS
    }

    private final LDAPInterface ldap;
    private final DN accountsBase;
    private final DN shadowPrincipalContainer;
    private final Mode mode;
    private final Clock clock;

    /** A writer of plain member values. */
    public LdapBastionDirectory(LDAPInterface ldap, DN accountsBase, DN shadowPrincipalContainer) {
        this(ldap, accountsBase, shadowPrincipalContainer, Mode.PLAIN, Clock.systemUTC());
    }

    public LdapBastionDirectory(
            LDAPInterface ldap,
            DN accountsBase,
            DN shadowPrincipalContainer,
            Mode mode,
            Clock clock) {
        this.ldap = Objects.requireNonNull(ldap, "ldap");
        this.accountsBase = Objects.requireNonNull(accountsBase, "accountsBase");
        this.shadowPrincipalContainer =
                Objects.requireNonNull(shadowPrincipalContainer, "shadowPrincipalContainer");
        this.mode = Objects.requireNonNull(mode, "mode");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    @Override
    public void addMember(UserId account, Sid shadowPrincipal, Instant until)
            throws DirectoryUnavailableException {
        DN principal = principal(shadowPrincipal);
        DN member =
                accountDn(account)
                        .orElseThrow(
                                () ->
                                        new DirectoryUnavailableException(
                                                "no bastion account for user "
                                                        + account.value()
                                                        + " yet (has the sync run?)"));
        if (mode == Mode.TTL_LINKS) {
            addLink(principal, member, until);
        } else {
            try {
                ldap.modify(
                        principal.toString(),
                        new Modification(ModificationType.ADD, "member", member.toString()));
            } catch (LDAPException e) {
                if (e.getResultCode() != ResultCode.ATTRIBUTE_OR_VALUE_EXISTS) {
                    throw unavailable("adding a member", e);
                } // already a member: idempotent
            }
        }
        LOG.info(
                "directory.member.added: {} to {} until {}",
                account.value(),
                shadowPrincipal,
                until);
    }

    private void addLink(DN principal, DN member, Instant until)
            throws DirectoryUnavailableException {
        long seconds = Math.max(1, Duration.between(clock.instant(), until).toSeconds());
        String link = "<TTL=" + seconds + "," + member + ">";
        try {
            ldap.modify(
                    principal.toString(), new Modification(ModificationType.ADD, "member", link));
        } catch (LDAPException e) {
            if (e.getResultCode() != ResultCode.ENTRY_ALREADY_EXISTS
                    && e.getResultCode() != ResultCode.ATTRIBUTE_OR_VALUE_EXISTS) {
                throw unavailable("adding a time-to-live member", e);
            }
            // a permanent (or older) value of this member: replace it by the link, atomically
            try {
                ldap.modify(
                        principal.toString(),
                        new Modification(ModificationType.DELETE, "member", member.toString()),
                        new Modification(ModificationType.ADD, "member", link));
            } catch (LDAPException again) {
                throw unavailable("replacing a member by a time-to-live link", again);
            }
        }
    }

    @Override
    public void removeMember(UserId account, Sid shadowPrincipal)
            throws DirectoryUnavailableException {
        DN principal = principal(shadowPrincipal);
        Optional<DN> member =
                account.value().startsWith(FOREIGN_MEMBER_PREFIX)
                        ? Optional.of(
                                parse(account.value().substring(FOREIGN_MEMBER_PREFIX.length())))
                        : accountDn(account);
        if (member.isEmpty()) {
            return; // no such account, so no value of it to remove
        }
        try {
            ldap.modify(
                    principal.toString(),
                    new Modification(ModificationType.DELETE, "member", member.get().toString()));
            LOG.info("directory.member.removed: {} from {}", account.value(), shadowPrincipal);
        } catch (LDAPException e) {
            if (e.getResultCode() == ResultCode.NO_SUCH_ATTRIBUTE) {
                return; // not a member: idempotent
            }
            throw unavailable("removing a member", e);
        }
    }

    @Override
    public Set<UserId> members(Sid shadowPrincipal) throws DirectoryUnavailableException {
        DN principal = principal(shadowPrincipal);
        try {
            SearchRequest read =
                    new SearchRequest(
                            principal.toString(), SearchScope.BASE, "(objectClass=*)", "member");
            if (mode == Mode.TTL_LINKS) {
                read.addControl(new Control(LINK_TTL_CONTROL, false));
            }
            Entry entry = ldap.searchForEntry(read);
            Set<UserId> members = new LinkedHashSet<>();
            if (entry == null || !entry.hasAttribute("member")) {
                return members;
            }
            for (String raw : entry.getAttributeValues("member")) {
                Matcher link = TTL_VALUE.matcher(raw);
                String value = link.matches() ? link.group(2) : raw;
                Entry account = ldap.getEntry(value, "sAMAccountName", "objectClass");
                if (account != null
                        && account.hasAttribute("sAMAccountName")
                        && parse(value).isDescendantOf(accountsBase, false)) {
                    members.add(new UserId(account.getAttributeValue("sAMAccountName")));
                } else {
                    members.add(new UserId(FOREIGN_MEMBER_PREFIX + value));
                }
            }
            return members;
        } catch (LDAPException e) {
            throw unavailable("reading members", e);
        }
    }

    private DN principal(Sid sid) throws DirectoryUnavailableException {
        try {
            SearchResultEntry entry =
                    ldap.searchForEntry(
                            shadowPrincipalContainer.toString(),
                            SearchScope.ONE,
                            Filter.createANDFilter(
                                    Filter.createEqualityFilter(
                                            "objectClass", "msDS-ShadowPrincipal"),
                                    Filter.createEqualityFilter(
                                            "msDS-ShadowPrincipalSid", sid.toBytes())),
                            "1.1");
            if (entry == null) {
                throw new DirectoryUnavailableException(
                        "no shadow principal for " + sid + " in the bastion directory yet");
            }
            return entry.getParsedDN();
        } catch (LDAPException e) {
            throw unavailable("finding the shadow principal", e);
        }
    }

    private Optional<DN> accountDn(UserId user) throws DirectoryUnavailableException {
        try {
            SearchResultEntry entry =
                    ldap.searchForEntry(
                            accountsBase.toString(),
                            SearchScope.SUB,
                            Filter.createANDFilter(
                                    Filter.createEqualityFilter("objectClass", "user"),
                                    Filter.createEqualityFilter("sAMAccountName", user.value())),
                            "1.1");
            return entry == null ? Optional.empty() : Optional.of(entry.getParsedDN());
        } catch (LDAPException e) {
            throw unavailable("finding the bastion account", e);
        }
    }

    private static DN parse(String dn) throws DirectoryUnavailableException {
        try {
            return new DN(dn);
        } catch (LDAPException e) {
            throw new DirectoryUnavailableException("not a DN: " + e.getResultCode().getName(), e);
        }
    }

    private static DirectoryUnavailableException unavailable(String what, LDAPException e) {
        return new DirectoryUnavailableException(
                what + " in the bastion directory failed: " + e.getResultCode().getName(), e);
    }
}
