package org.bastionforest.shadowgroups.policy;

import org.bastionforest.shadowgroups.errors.InvalidInputException;
import org.bastionforest.shadowgroups.model.Sid;

/**
 * A shadow group: a privileged production group, the shadow principal standing for it in the
 * bastion directory, and the policy for activating it.
 *
 * <p>The production group's DN is kept as the text the administrator gave (the core knows no LDAP;
 * the sync validates and resolves it). Its SID is what the shadow principal ({@code
 * msDS-ShadowPrincipalSid}) and the Kerberos tickets carry.
 *
 * <pre>{@code
 * ShadowGroup sqlAdmins = ShadowGroup.of(ShadowGroupId.of("sql-admins"), "SQL Admins",
 *         "Administrators of the SQL estate", "CN=SQL Admins,OU=Groups,DC=corp,DC=example",
 *         Sid.parse("S-1-5-21-1-2-3-1108"), policy);
 * }</pre>
 *
 * <p>Immutable and thread-safe.
 *
 * @param id the id
 * @param displayName a name for people, 1 to {@value #MAX_NAME_LENGTH} characters
 * @param description what the group is for, at most {@value #MAX_DESCRIPTION_LENGTH} characters
 *     (may be empty)
 * @param productionGroupDn the production group's DN as text, 1 to {@value #MAX_DN_LENGTH}
 *     characters
 * @param productionGroupSid the production group's SID
 * @param policy the activation policy
 */
public record ShadowGroup(
        ShadowGroupId id,
        String displayName,
        String description,
        String productionGroupDn,
        Sid productionGroupSid,
        ActivationPolicy policy) {

    /** The longest display name. */
    public static final int MAX_NAME_LENGTH = 256;

    /** The longest description. */
    public static final int MAX_DESCRIPTION_LENGTH = 2000;

    /** The longest DN. */
    public static final int MAX_DN_LENGTH = 1024;

    /**
     * Validates every field.
     *
     * @throws IllegalArgumentException naming the bad field
     */
    public ShadowGroup {
        if (id == null) {
            throw new IllegalArgumentException("id must be set");
        }
        checkText("displayName", displayName, 1, MAX_NAME_LENGTH);
        checkText("description", description, 0, MAX_DESCRIPTION_LENGTH);
        checkText("productionGroupDn", productionGroupDn, 1, MAX_DN_LENGTH);
        if (productionGroupSid == null) {
            throw new IllegalArgumentException("productionGroupSid must be set");
        }
        if (policy == null) {
            throw new IllegalArgumentException("policy must be set");
        }
    }

    /**
     * Like the constructor, but reports a bad field as an {@link InvalidInputException}.
     *
     * @throws InvalidInputException naming the bad field
     */
    public static ShadowGroup of(
            ShadowGroupId id,
            String displayName,
            String description,
            String productionGroupDn,
            Sid productionGroupSid,
            ActivationPolicy policy)
            throws InvalidInputException {
        try {
            return new ShadowGroup(
                    id, displayName, description, productionGroupDn, productionGroupSid, policy);
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException("shadow group: " + e.getMessage(), e);
        }
    }

    private static void checkText(String field, String value, int min, int max) {
        if (value == null) {
            throw new IllegalArgumentException(field + " must be set");
        }
        if (min > 0 && value.isBlank()) {
            throw new IllegalArgumentException(field + " must not be blank");
        }
        if (value.length() > max) {
            throw new IllegalArgumentException(
                    field + " must be at most " + max + " characters long");
        }
        if (value.chars().anyMatch(c -> c < 0x20 && c != '\n' && c != '\t')) {
            throw new IllegalArgumentException(field + " must not contain control characters");
        }
    }
}
