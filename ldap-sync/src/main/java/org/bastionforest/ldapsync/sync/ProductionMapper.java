package org.bastionforest.ldapsync.sync;

import com.unboundid.ldap.sdk.Entry;
import com.unboundid.ldap.sdk.LDAPException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.UUID;
import org.bastionforest.shadowgroups.model.ObjectGuid;
import org.bastionforest.shadowgroups.model.Sid;

/**
 * Turns production entries into {@link ProductionUser}s and typed ids, by an {@link
 * AttributeMapping}. Stateless and thread-safe.
 */
public final class ProductionMapper {
    private static final int ACCOUNTDISABLE = 0x2;

    private final AttributeMapping mapping;

    public ProductionMapper(AttributeMapping mapping) {
        this.mapping = mapping;
    }

    public AttributeMapping mapping() {
        return mapping;
    }

    /** The entry's anchor, if it has a readable one. */
    public Optional<ObjectGuid> anchor(Entry entry) {
        byte[] value = entry.getAttributeValueBytes(mapping.anchor());
        if (value == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(
                    mapping.binaryAnchor()
                            ? ObjectGuid.fromBytes(value)
                            : new ObjectGuid(
                                    UUID.fromString(
                                            new String(value, StandardCharsets.UTF_8).strip())));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /**
     * Maps a user entry.
     *
     * @return the user, or an {@link SourceChange.Unreadable} naming what is missing
     */
    public SourceChange user(Entry entry) {
        Optional<ObjectGuid> anchor = anchor(entry);
        if (anchor.isEmpty()) {
            return new SourceChange.Unreadable(entry.getDN(), "no readable " + mapping.anchor());
        }
        String login = entry.getAttributeValue(mapping.login());
        if (login == null || login.isBlank()) {
            return new SourceChange.Unreadable(entry.getDN(), "no " + mapping.login());
        }
        Optional<Sid> sid = Optional.empty();
        if (mapping.userSid().isPresent()) {
            byte[] raw = entry.getAttributeValueBytes(mapping.userSid().get());
            if (raw != null) {
                try {
                    sid = Optional.of(sid(raw));
                } catch (IllegalArgumentException e) {
                    return new SourceChange.Unreadable(
                            entry.getDN(), "unreadable " + mapping.userSid().get());
                }
            }
        }
        boolean enabled = true;
        if (mapping.accountControl().isPresent()) {
            Integer control = entry.getAttributeValueAsInteger(mapping.accountControl().get());
            enabled = control == null || (control & ACCOUNTDISABLE) == 0;
        }
        try {
            return new SourceChange.Upsert(
                    new ProductionUser(
                            anchor.get(),
                            entry.getParsedDN(),
                            login.strip(),
                            text(entry, mapping.userPrincipalName()),
                            text(entry, mapping.displayName()),
                            text(entry, mapping.mail()),
                            sid,
                            enabled));
        } catch (LDAPException e) {
            return new SourceChange.Unreadable(entry.getDN(), "not a valid DN");
        }
    }

    private static Optional<String> text(Entry entry, Optional<String> attribute) {
        return attribute.map(entry::getAttributeValue).filter(v -> !v.isEmpty());
    }

    /** A SID in binary ({@code objectSid}) or text ({@code S-1-5-...}) form. */
    public static Sid sid(byte[] raw) {
        if (raw.length > 4 && raw[0] == 'S' && raw[1] == '-') {
            return Sid.parse(new String(raw, StandardCharsets.US_ASCII).strip());
        }
        return Sid.fromBytes(raw);
    }
}
