package org.bastionforest.api.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import java.util.Arrays;

/**
 * A configured secret (a password or key). Its {@link #toString()} never shows the value, so a
 * configuration record can be logged or printed in an error without leaking it.
 *
 * <p>Immutable and thread-safe.
 */
public final class Secret {
    private static final Secret EMPTY = new Secret(new char[0]);

    private final char[] value;

    private Secret(char[] value) {
        this.value = value;
    }

    /** A secret from its text (empty or null: no secret). */
    @JsonCreator
    public static Secret of(String value) {
        return value == null || value.isEmpty() ? EMPTY : new Secret(value.toCharArray());
    }

    public static Secret empty() {
        return EMPTY;
    }

    public boolean isEmpty() {
        return value.length == 0;
    }

    /** A copy of the secret's characters; the caller should clear it after use. */
    public char[] chars() {
        return value.clone();
    }

    /** The secret as a string, for APIs that only take one (LDAP bind, JDBC). */
    public String reveal() {
        return new String(value);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Secret other && Arrays.equals(value, other.value);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(value);
    }

    @Override
    public String toString() {
        return isEmpty() ? "(none)" : "(secret)";
    }
}
