package org.bastionforest.shadowgroups.request;

import java.util.Objects;
import java.util.UUID;

/**
 * The id of a request (a random UUID made by the service).
 *
 * <p>Immutable and thread-safe.
 *
 * @param uuid the id
 */
public record RequestId(UUID uuid) {
    /** Checks that the id is not null. */
    public RequestId {
        Objects.requireNonNull(uuid, "uuid");
    }

    /**
     * Parses the string form.
     *
     * @throws IllegalArgumentException if {@code text} is no UUID
     */
    public static RequestId parse(String text) {
        if (text == null
                || !text.matches(
                        "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")) {
            throw new IllegalArgumentException("request id must be a UUID");
        }
        return new RequestId(UUID.fromString(text));
    }

    static RequestId random() {
        return new RequestId(UUID.randomUUID());
    }

    @Override
    public String toString() {
        return uuid.toString();
    }
}
