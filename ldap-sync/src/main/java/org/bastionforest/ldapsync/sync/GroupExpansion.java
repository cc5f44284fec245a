package org.bastionforest.ldapsync.sync;

import com.unboundid.ldap.sdk.Attribute;
import com.unboundid.ldap.sdk.DN;
import com.unboundid.ldap.sdk.LDAPException;
import com.unboundid.ldap.sdk.LDAPInterface;
import com.unboundid.ldap.sdk.SearchResultEntry;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The transitive members of some groups: {@code member} values read with AD's ranged retrieval
 * ({@code member;range=0-1499}, then {@code member;range=1500-*}, ... until the server answers a
 * range ending in {@code *}), groups among them (any entry the group filter finds under the group
 * bases) expanded in turn, each group once (cycles are fine). Servers without ranges answer plain
 * {@code member}. Not thread-safe; one per run.
 */
public final class GroupExpansion {
    private static final Pattern RANGE =
            Pattern.compile("member;range=(\\d+)-(\\d+|\\*)", Pattern.CASE_INSENSITIVE);

    private final LDAPInterface ldap;
    private final SyncOptions options;
    private final int rangeStep;

    /**
     * @param rangeStep 0: ask for plain {@code member} (the server decides whether to answer in
     *     ranges); n: ask for ranges of n values explicitly
     */
    public GroupExpansion(LDAPInterface ldap, SyncOptions options, int rangeStep) {
        this.ldap = ldap;
        this.options = options;
        this.rangeStep = rangeStep;
    }

    /** The expanded members that are not groups, as normalized DNs, and a digest of the set. */
    public record Members(Set<String> dns, String digest) {}

    public Members expand(List<DN> groups) throws LDAPException {
        Set<String> allGroups = new HashSet<>();
        for (DN base : options.groupBases()) {
            PagedSearch search =
                    new PagedSearch(
                            ldap,
                            base,
                            options.groupFilter(),
                            options.pageSize(),
                            List.of(),
                            "1.1");
            for (Optional<List<SearchResultEntry>> page; (page = search.next()).isPresent(); ) {
                for (SearchResultEntry e : page.get()) {
                    allGroups.add(e.getParsedDN().toNormalizedString());
                }
            }
        }
        Set<String> users = new TreeSet<>();
        Set<String> visited = new HashSet<>();
        Deque<DN> queue = new ArrayDeque<>(groups);
        while (!queue.isEmpty()) {
            DN group = queue.pop();
            if (!visited.add(group.toNormalizedString())) {
                continue;
            }
            for (String value : members(group)) {
                DN member = new DN(value);
                if (allGroups.contains(member.toNormalizedString())) {
                    queue.add(member);
                } else {
                    users.add(member.toNormalizedString());
                }
            }
        }
        return new Members(users, digest(users));
    }

    /** The {@code member} values of one group, range by range. */
    List<String> members(DN group) throws LDAPException {
        List<String> values = new ArrayList<>();
        String ask = rangeStep > 0 ? "member;range=0-" + (rangeStep - 1) : "member";
        while (ask != null) {
            SearchResultEntry entry = ldap.getEntry(group.toString(), ask);
            if (entry == null) {
                break; // gone: no members
            }
            String next = null;
            boolean ranged = false;
            for (Attribute a : entry.getAttributes()) {
                Matcher m = RANGE.matcher(a.getName());
                if (m.matches()) {
                    ranged = true;
                    values.addAll(List.of(a.getValues()));
                    if (!m.group(2).equals("*")) {
                        long from = Long.parseLong(m.group(2)) + 1;
                        next =
                                "member;range="
                                        + from
                                        + "-"
                                        + (rangeStep > 0 ? from + rangeStep - 1 + "" : "*");
                    }
                } else if (a.getBaseName().equalsIgnoreCase("member") && !a.hasOptions()) {
                    values.addAll(List.of(a.getValues()));
                }
            }
            if (!ranged && rangeStep > 0 && values.isEmpty() && ask.contains(";range=0-")) {
                ask = "member"; // no ranges here: ask plainly once
                continue;
            }
            ask = next;
        }
        return values;
    }

    private static String digest(Set<String> sorted) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            for (String dn : sorted) {
                sha.update(dn.getBytes(StandardCharsets.UTF_8));
                sha.update((byte) 0);
            }
            return HexFormat.of().formatHex(sha.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
