package org.bastionforest.shadowgroups.policy;

import java.util.regex.Pattern;

/**
 * The id of a shadow group, chosen by the administrator who defines it: lower-case letters, digits
 * and inner hyphens, 1 to 63 characters, such as {@code sql-admins}. It appears in URLs and audit
 * events and never changes.
 *
 * <pre>{@code
 * ShadowGroupId id = ShadowGroupId.of("sql-admins");
 * }</pre>
 *
 * <p>Immutable and thread-safe.
 *
 * @param value the id
 */
public record ShadowGroupId(String value) implements Comparable<ShadowGroupId> {
    private static final Pattern SYNTAX = Pattern.compile("[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?");

    /**
     * Checks the syntax.
     *
     * @throws IllegalArgumentException if the id is not 1 to 63 lower-case letters, digits and
     *     inner hyphens
     */
    public ShadowGroupId {
        if (value == null || !SYNTAX.matcher(value).matches()) {
            throw new IllegalArgumentException(
                    "shadow group id must be 1 to 63 lower-case letters, digits and inner"
                            + " hyphens, e.g. sql-admins");
        }
    }

    /** Same as the constructor. */
    public static ShadowGroupId of(String value) {
        return new ShadowGroupId(value);
    }

    @Override
    public int compareTo(ShadowGroupId o) {
        return value.compareTo(o.value);
    }

    @Override
    public String toString() {
        return value;
    }
}
