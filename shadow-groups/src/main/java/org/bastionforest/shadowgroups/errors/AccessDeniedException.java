package org.bastionforest.shadowgroups.errors;

/**
 * The caller is not allowed to do this (not eligible, not an approver, approving their own request,
 * ...).
 *
 * <p>The API answers 403, or 404 where the caller may not learn that the object exists.
 *
 * <p>Error id {@value #ERROR_ID}. Immutable once thrown; thread-safe to read.
 */
public class AccessDeniedException extends BastionException {
    /** The stable error id of this exception: {@value}. */
    public static final String ERROR_ID = "access-denied";

    /**
     * @param message what went wrong, for operators; no secrets
     */
    public AccessDeniedException(String message) {
        this(message, null);
    }

    /**
     * @param message what went wrong, for operators; no secrets
     * @param cause the underlying exception, or {@code null}
     */
    public AccessDeniedException(String message, Throwable cause) {
        super(ERROR_ID, message, cause);
    }
}
