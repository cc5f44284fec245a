package org.bastionforest.shadowgroups.policy;

import java.util.Locale;
import java.util.Objects;

/**
 * A user (a person or a non-human identity) as the production directory names them: a logon name
 * such as {@code alice} or a UPN such as {@code alice@corp.example}.
 *
 * <p>Directory logon names are case-insensitive, so the value is kept in lower case: {@code
 * UserId.of("Alice").equals(UserId.of("alice"))}. This matters for separation of duties: nobody
 * approves their own request under another spelling of their name.
 *
 * <pre>{@code
 * UserId alice = UserId.of("Alice@Corp.Example"); // alice@corp.example
 * }</pre>
 *
 * <p>Immutable and thread-safe.
 *
 * @param value the name, lower case, 1 to {@value #MAX_LENGTH} characters, without control
 *     characters or surrounding blanks
 */
public record UserId(String value) implements Comparable<UserId> {
    /** The longest accepted name. */
    public static final int MAX_LENGTH = 256;

    /**
     * Validates and normalizes the name.
     *
     * @throws IllegalArgumentException if the name is null, blank, too long, has surrounding blanks
     *     or control characters
     */
    public UserId {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException("user id must not be blank");
        }
        if (value.length() > MAX_LENGTH) {
            throw new IllegalArgumentException(
                    "user id must be at most " + MAX_LENGTH + " characters");
        }
        if (!value.equals(value.strip())) {
            throw new IllegalArgumentException("user id must not start or end with a blank");
        }
        if (value.chars().anyMatch(Character::isISOControl)) {
            throw new IllegalArgumentException("user id must not contain control characters");
        }
        value = value.toLowerCase(Locale.ROOT);
    }

    /** Same as the constructor. */
    public static UserId of(String value) {
        return new UserId(value);
    }

    @Override
    public int compareTo(UserId o) {
        return value.compareTo(Objects.requireNonNull(o).value);
    }

    @Override
    public String toString() {
        return value;
    }
}
