package org.bastionforest.shadowgroups.storage;

import java.util.Objects;

/**
 * The answer of a health probe: {@link Status#UP} or {@link Status#DOWN}, and a short detail for
 * operators (e.g. {@code "no connection (SQLState 08001)"}) that never holds a password, URL
 * credentials or raw driver messages.
 *
 * <p>Immutable and thread-safe.
 *
 * @param status up or down
 * @param detail a short, non-secret explanation; never null
 */
public record Health(Status status, String detail) {
    /** Whether the component answered. */
    public enum Status {
        /** The component answered in time. */
        UP,
        /** The component did not answer, or answered with an error. */
        DOWN
    }

    /** Checks that neither part is null. */
    public Health {
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(detail, "detail");
    }

    /** An {@link Status#UP} answer. */
    public static Health up(String detail) {
        return new Health(Status.UP, detail);
    }

    /** A {@link Status#DOWN} answer. */
    public static Health down(String detail) {
        return new Health(Status.DOWN, detail);
    }

    /** True when {@link #status()} is {@link Status#UP}. */
    public boolean isUp() {
        return status == Status.UP;
    }
}
