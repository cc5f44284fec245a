package org.bastionforest.ldapsync.writer;

import com.unboundid.ldap.listener.interceptor.InMemoryInterceptedModifyRequest;
import com.unboundid.ldap.listener.interceptor.InMemoryInterceptedSearchEntry;
import com.unboundid.ldap.listener.interceptor.InMemoryOperationInterceptor;
import com.unboundid.ldap.sdk.Attribute;
import com.unboundid.ldap.sdk.DN;
import com.unboundid.ldap.sdk.Entry;
import com.unboundid.ldap.sdk.LDAPException;
import com.unboundid.ldap.sdk.Modification;
import com.unboundid.ldap.sdk.ModificationType;
import com.unboundid.ldap.sdk.ModifyRequest;
import com.unboundid.ldap.sdk.ResultCode;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A TEST DOUBLE, not Active Directory: an interceptor that makes UnboundID's in-memory server
 * behave like an AD 2016 bastion forest with the PAM feature for {@code member} time-to-live links,
 * as far as the membership writer relies on it (MS-ADTS 3.1.1.3.1.2.x "LDAP_SERVER_LINK_TTL"):
 *
 * <ul>
 *   <li>adding {@code <TTL=n,DN>} stores DN and remembers that it expires n seconds from now;
 *   <li>adding a TTL link for a DN that is already a permanent member fails with {@code
 *       entryAlreadyExists}; adding one for a DN that already has a link renews it;
 *   <li>an expired link is invisible (AD removes it on its own);
 *   <li>reads with control 1.2.840.113556.1.4.2309 return links as {@code <TTL=remaining,DN>};
 *   <li>deleting the DN value removes the link.
 * </ul>
 *
 * Samba does not implement TTL links, so this emulation is what the TTL mode is tested against.
 */
final class AdTtlLinkEmulator extends InMemoryOperationInterceptor {
    private static final Pattern TTL = Pattern.compile("<TTL=(\\d+),(.+)>", Pattern.DOTALL);
    private final Clock clock;

    /** (principal DN, member DN), both normalized, to the instant the link expires. */
    private final Map<String, Instant> links = new ConcurrentHashMap<>();

    private final java.util.function.Function<String, Entry> reader;

    AdTtlLinkEmulator(Clock clock, java.util.function.Function<String, Entry> reader) {
        this.clock = clock;
        this.reader = reader;
    }

    private static String key(String principal, String member) throws LDAPException {
        return new DN(principal).toNormalizedString() + "|" + new DN(member).toNormalizedString();
    }

    @Override
    public void processModifyRequest(InMemoryInterceptedModifyRequest request)
            throws LDAPException {
        String principal = request.getRequest().getDN();
        Entry current = reader.apply(principal);
        List<String> stored =
                current == null || !current.hasAttribute("member")
                        ? new ArrayList<>()
                        : new ArrayList<>(List.of(current.getAttributeValues("member")));
        List<Modification> rewritten = new ArrayList<>();
        for (Modification m : request.getRequest().getModifications()) {
            if (!m.getAttributeName().equalsIgnoreCase("member")) {
                rewritten.add(m);
                continue;
            }
            if (m.getModificationType() == ModificationType.DELETE) {
                for (String value : m.getValues()) {
                    links.remove(key(principal, value));
                    stored.removeIf(v -> sameDn(v, value));
                }
                rewritten.add(m);
                continue;
            }
            if (m.getModificationType() != ModificationType.ADD) {
                rewritten.add(m);
                continue;
            }
            for (String value : m.getValues()) {
                Matcher ttl = TTL.matcher(value);
                if (!ttl.matches()) {
                    rewritten.add(new Modification(ModificationType.ADD, "member", value));
                    continue;
                }
                String member = ttl.group(2);
                String k = key(principal, member);
                boolean present = stored.stream().anyMatch(v -> sameDn(v, member));
                if (present && !links.containsKey(k)) {
                    throw new LDAPException(
                            ResultCode.ENTRY_ALREADY_EXISTS, "permanent member already present");
                }
                links.put(k, clock.instant().plusSeconds(Long.parseLong(ttl.group(1))));
                if (present) {
                    // renewal of an existing (perhaps expired) link: keep the stored value
                    rewritten.add(new Modification(ModificationType.DELETE, "member", member));
                }
                rewritten.add(new Modification(ModificationType.ADD, "member", member));
                stored.add(member);
            }
        }
        request.setRequest(
                new ModifyRequest(principal, rewritten, request.getRequest().getControls()));
    }

    @Override
    public void processSearchEntry(InMemoryInterceptedSearchEntry result) {
        Entry entry = result.getSearchEntry();
        if (!entry.hasAttribute("member")) {
            return;
        }
        boolean showTtl = result.getRequest().hasControl(LdapBastionDirectory.LINK_TTL_CONTROL);
        Instant now = clock.instant();
        List<String> visible = new ArrayList<>();
        for (String value : entry.getAttributeValues("member")) {
            try {
                Instant expires = links.get(key(entry.getDN(), value));
                if (expires == null) {
                    visible.add(value);
                } else if (expires.isAfter(now)) {
                    long remaining = java.time.Duration.between(now, expires).toSeconds();
                    visible.add(showTtl ? "<TTL=" + remaining + "," + value + ">" : value);
                } // expired: AD has removed it
            } catch (LDAPException e) {
                visible.add(value);
            }
        }
        Entry copy = entry.duplicate();
        copy.removeAttribute("member");
        if (!visible.isEmpty()) {
            copy.addAttribute(new Attribute("member", visible));
        }
        result.setSearchEntry(copy);
    }

    private static boolean sameDn(String a, String b) {
        try {
            return new DN(a).equals(new DN(b));
        } catch (LDAPException e) {
            return a.equalsIgnoreCase(b);
        }
    }
}
