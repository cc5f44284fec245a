package org.bastionforest.shadowgroups.errors;

/**
 * The request contradicts the current state: a duplicate, a request that is no longer pending, a
 * concurrent change.
 *
 * <p>The API answers 409. Nothing was changed.
 *
 * <p>Error id {@value #ERROR_ID}. Immutable once thrown; thread-safe to read.
 */
public class ConflictException extends BastionException {
    /** The stable error id of this exception: {@value}. */
    public static final String ERROR_ID = "conflict";

    /**
     * @param message what went wrong, for operators; no secrets
     */
    public ConflictException(String message) {
        this(message, null);
    }

    /**
     * @param message what went wrong, for operators; no secrets
     * @param cause the underlying exception, or {@code null}
     */
    public ConflictException(String message, Throwable cause) {
        super(ERROR_ID, message, cause);
    }
}
