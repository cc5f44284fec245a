package org.bastionforest.ldapsync.sync;

import com.unboundid.ldap.sdk.DN;
import java.util.Objects;
import java.util.Optional;
import org.bastionforest.shadowgroups.model.ObjectGuid;
import org.bastionforest.shadowgroups.model.Sid;

/**
 * One production user in scope, as mapped by {@link ProductionMapper}. Immutable.
 *
 * @param anchor the objectGUID (or entryUUID)
 * @param dn where it lives in production
 * @param login the logon name (bastion {@code sAMAccountName})
 * @param userPrincipalName the UPN
 * @param displayName the display name
 * @param mail the mail address
 * @param sid the objectSid
 * @param enabled false when the production account is disabled
 */
public record ProductionUser(
        ObjectGuid anchor,
        DN dn,
        String login,
        Optional<String> userPrincipalName,
        Optional<String> displayName,
        Optional<String> mail,
        Optional<Sid> sid,
        boolean enabled) {
    public ProductionUser {
        Objects.requireNonNull(anchor, "anchor");
        Objects.requireNonNull(dn, "dn");
        Objects.requireNonNull(login, "login");
        Objects.requireNonNull(userPrincipalName, "userPrincipalName");
        Objects.requireNonNull(displayName, "displayName");
        Objects.requireNonNull(mail, "mail");
        Objects.requireNonNull(sid, "sid");
    }
}
