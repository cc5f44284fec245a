package org.bastionforest.ldapsync.sync;

import com.unboundid.ldap.sdk.Attribute;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Which production attributes become which bastion account and shadow principal attributes. The
 * bastion side always uses the AD names ({@code sAMAccountName}, {@code objectSid}, ...); this
 * record names the production side.
 *
 * <p>The anchor identifies a production object for life (renames and moves keep it): {@code
 * objectGUID} in AD (binary), {@code entryUUID} elsewhere (RFC 4530 text). SIDs are read in either
 * form: binary ({@code objectSid}) or text ({@code S-1-5-21-...}, e.g. {@code sambaSID}).
 *
 * <pre>{@code
 * AttributeMapping ad = AttributeMapping.activeDirectory();
 * AttributeMapping ldap = AttributeMapping.generic().withUserSid(Optional.of("sambaSID"));
 * }</pre>
 *
 * <p>Immutable and thread-safe.
 *
 * @param anchor the immutable identifier ({@code objectGUID} or {@code entryUUID})
 * @param login the logon name, the bastion {@code sAMAccountName} and the user id everywhere
 * @param userPrincipalName the UPN, if the directory has one
 * @param displayName the name shown to people
 * @param mail the e-mail address
 * @param userSid the user's SID, if the directory has one
 * @param accountControl AD's {@code userAccountControl} (bit 2: disabled); empty: always enabled
 * @param groupName the production group's name, the shadow principal's {@code cn}
 * @param groupSid the production group's SID, matched against the managed groups' SIDs
 */
public record AttributeMapping(
        String anchor,
        String login,
        Optional<String> userPrincipalName,
        Optional<String> displayName,
        Optional<String> mail,
        Optional<String> userSid,
        Optional<String> accountControl,
        String groupName,
        String groupSid) {

    /**
     * Validates every attribute name.
     *
     * @throws IllegalArgumentException naming the bad part
     */
    public AttributeMapping {
        check("anchor", anchor);
        check("login", login);
        check("groupName", groupName);
        check("groupSid", groupSid);
        for (var part :
                List.of(
                        java.util.Map.entry("userPrincipalName", userPrincipalName),
                        java.util.Map.entry("displayName", displayName),
                        java.util.Map.entry("mail", mail),
                        java.util.Map.entry("userSid", userSid),
                        java.util.Map.entry("accountControl", accountControl))) {
            Objects.requireNonNull(part.getValue(), part.getKey());
            part.getValue().ifPresent(name -> check(part.getKey(), name));
        }
    }

    private static void check(String part, String name) {
        if (name == null || !Attribute.nameIsValid(name)) {
            throw new IllegalArgumentException(
                    "mapping." + part + ": not a valid attribute name: " + name);
        }
    }

    /** Active Directory's own names. */
    public static AttributeMapping activeDirectory() {
        return new AttributeMapping(
                "objectGUID",
                "sAMAccountName",
                Optional.of("userPrincipalName"),
                Optional.of("displayName"),
                Optional.of("mail"),
                Optional.of("objectSid"),
                Optional.of("userAccountControl"),
                "cn",
                "objectSid");
    }

    /** inetOrgPerson and groupOfNames: {@code entryUUID}, {@code uid}, {@code cn}, Samba's SIDs. */
    public static AttributeMapping generic() {
        return new AttributeMapping(
                "entryUUID",
                "uid",
                Optional.empty(),
                Optional.of("cn"),
                Optional.of("mail"),
                Optional.empty(),
                Optional.empty(),
                "cn",
                "sambaSID");
    }

    /** A copy with another user SID attribute. */
    public AttributeMapping withUserSid(Optional<String> attribute) {
        return new AttributeMapping(
                anchor,
                login,
                userPrincipalName,
                displayName,
                mail,
                attribute,
                accountControl,
                groupName,
                groupSid);
    }

    /** Whether the anchor is AD's binary {@code objectGUID} (else a UUID in text). */
    public boolean binaryAnchor() {
        return anchor.equalsIgnoreCase("objectGUID");
    }

    /** Whether group SIDs are read and matched in binary ({@code objectSid}) or as text. */
    public boolean binaryGroupSid() {
        return groupSid.equalsIgnoreCase("objectSid");
    }

    /** The user attributes to read. */
    public String[] userAttributes() {
        List<String> names = new ArrayList<>(List.of(anchor, login));
        userPrincipalName.ifPresent(names::add);
        displayName.ifPresent(names::add);
        mail.ifPresent(names::add);
        userSid.ifPresent(names::add);
        accountControl.ifPresent(names::add);
        return names.toArray(String[]::new);
    }
}
