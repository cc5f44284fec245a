package org.bastionforest.ldapsync.sync.ad;

import com.unboundid.ldap.sdk.DN;
import com.unboundid.ldap.sdk.Entry;
import com.unboundid.ldap.sdk.LDAPException;
import com.unboundid.ldap.sdk.LDAPInterface;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.bastionforest.shadowgroups.errors.DirectoryUnavailableException;

/**
 * What an AD domain controller says about itself in its root DSE. Samba answers a critical control
 * it does not support in a way that makes the SDK throw a non-LDAP exception, so every AD control
 * is checked here before it is sent. Immutable.
 *
 * @param supportedControls the OIDs of {@code supportedControl}
 * @param defaultNamingContext the domain's root
 * @param dsServiceName which DC answered (its NTDS settings DN)
 * @param highestCommittedUsn the DC's highest committed USN
 */
public record RootDse(
        List<String> supportedControls,
        Optional<DN> defaultNamingContext,
        Optional<String> dsServiceName,
        Optional<Long> highestCommittedUsn) {

    /** The Show Deleted control: tombstones are returned. */
    public static final String SHOW_DELETED_OID = "1.2.840.113556.1.4.417";

    /** The DirSync control. */
    public static final String DIRSYNC_OID = "1.2.840.113556.1.4.841";

    public RootDse {
        supportedControls = List.copyOf(supportedControls);
    }

    /** Reads it over {@code ldap}. */
    public static RootDse read(LDAPInterface ldap) throws LDAPException {
        Entry root =
                ldap.getEntry(
                        "",
                        "supportedControl",
                        "defaultNamingContext",
                        "dsServiceName",
                        "highestCommittedUSN");
        if (root == null) {
            return new RootDse(List.of(), Optional.empty(), Optional.empty(), Optional.empty());
        }
        String[] controls = root.getAttributeValues("supportedControl");
        String nc = root.getAttributeValue("defaultNamingContext");
        return new RootDse(
                controls == null ? List.of() : Arrays.asList(controls),
                nc == null ? Optional.empty() : Optional.of(new DN(nc)),
                Optional.ofNullable(root.getAttributeValue("dsServiceName")),
                Optional.ofNullable(root.getAttributeValueAsLong("highestCommittedUSN")));
    }

    public boolean supports(String oid) {
        return supportedControls.contains(oid);
    }

    /**
     * The naming context, checked to contain every base.
     *
     * @throws DirectoryUnavailableException if there is none or a base is outside it
     */
    public DN namingContext(List<DN> bases) throws DirectoryUnavailableException {
        DN nc =
                defaultNamingContext.orElseThrow(
                        () ->
                                new DirectoryUnavailableException(
                                        "the production directory names no defaultNamingContext:"
                                                + " is it Active Directory?"));
        for (DN base : bases) {
            if (!base.isDescendantOf(nc, true)) {
                throw new DirectoryUnavailableException(
                        "sync.userBases: " + base + " is not in the domain " + nc);
            }
        }
        return nc;
    }
}
