package org.bastionforest.shadowgroups.errors;

/**
 * The object asked for does not exist (or the caller may not know that it exists).
 *
 * <p>The API answers 404. Where telling "not found" from "not allowed" would leak that an object
 * exists, the API answers both the same way.
 *
 * <p>Error id {@value #ERROR_ID}. Immutable once thrown; thread-safe to read.
 */
public class NotFoundException extends BastionException {
    /** The stable error id of this exception: {@value}. */
    public static final String ERROR_ID = "not-found";

    /**
     * @param message what went wrong, for operators; no secrets
     */
    public NotFoundException(String message) {
        this(message, null);
    }

    /**
     * @param message what went wrong, for operators; no secrets
     * @param cause the underlying exception, or {@code null}
     */
    public NotFoundException(String message, Throwable cause) {
        super(ERROR_ID, message, cause);
    }
}
