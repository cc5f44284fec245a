package org.bastionforest.shadowgroups.errors;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The root of the core's checked exceptions: something a caller is expected to handle.
 *
 * <p>Each subclass carries a stable {@linkplain #errorId() error id}, a short lower-case kebab-case
 * word such as {@code not-found}. The id never changes once released: the API uses it as the last
 * segment of the RFC 9457 problem {@code type} URI and the log uses it as the event id, so clients
 * and log queries may match on it. The message is for operators and the log; it may name objects
 * but never holds a password, key or token, and the API does not show it for server-side failures.
 *
 * <pre>{@code
 * try {
 *     grants.revoke(id);
 * } catch (NotFoundException e) {
 *     log.info("{}: {}", e.errorId(), e.getMessage()); // "not-found: ..."
 * }
 * }</pre>
 *
 * <p>Immutable once thrown (apart from the suppressed exceptions and stack trace that {@link
 * Throwable} manages); thread-safe to read.
 */
public abstract class BastionException extends Exception {
    private static final Pattern ERROR_ID = Pattern.compile("[a-z][a-z0-9]*(?:-[a-z0-9]+)*");

    private final String errorId;

    /**
     * @param errorId the stable id, lower-case kebab-case, e.g. {@code not-found}
     * @param message what went wrong, for operators; no secrets
     * @param cause the underlying exception, or {@code null}
     * @throws IllegalArgumentException if {@code errorId} is not lower-case kebab-case
     */
    protected BastionException(String errorId, String message, Throwable cause) {
        super(Objects.requireNonNull(message, "message"), cause);
        if (errorId == null || !ERROR_ID.matcher(errorId).matches()) {
            throw new IllegalArgumentException(
                    "errorId must be lower-case kebab-case, e.g. not-found");
        }
        this.errorId = errorId;
    }

    /** The stable id of this kind of failure, e.g. {@code not-found}; never null. */
    public final String errorId() {
        return errorId;
    }
}
