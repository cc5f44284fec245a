package org.bastionforest.shadowgroups.errors;

/**
 * A directory (the production directory or the bastion directory) could not be reached or failed.
 *
 * <p>The API answers 503. The operation may be retried; whatever was written to the database before
 * the failure was rolled back or will be reconciled.
 *
 * <p>Error id {@value #ERROR_ID}. Immutable once thrown; thread-safe to read.
 */
public class DirectoryUnavailableException extends BastionException {
    /** The stable error id of this exception: {@value}. */
    public static final String ERROR_ID = "directory-unavailable";

    /**
     * @param message what went wrong, for operators; no secrets
     */
    public DirectoryUnavailableException(String message) {
        this(message, null);
    }

    /**
     * @param message what went wrong, for operators; no secrets
     * @param cause the underlying exception, or {@code null}
     */
    public DirectoryUnavailableException(String message, Throwable cause) {
        super(ERROR_ID, message, cause);
    }
}
