package org.bastionforest.shadowgroups.errors;

/**
 * The database failed or could not be reached.
 *
 * <p>Thrown by the storage layer instead of {@link java.sql.SQLException} and the pool's and
 * migration library's exceptions; the original is the cause. The transaction that failed was rolled
 * back. The API answers 503 without showing the message.
 *
 * <p>Error id {@value #ERROR_ID}. Immutable once thrown; thread-safe to read.
 */
public class StorageException extends BastionException {
    /** The stable error id of this exception: {@value}. */
    public static final String ERROR_ID = "storage-failure";

    /**
     * @param message what went wrong, for operators; no secrets
     */
    public StorageException(String message) {
        this(message, null);
    }

    /**
     * @param message what went wrong, for operators; no secrets
     * @param cause the underlying exception, or {@code null}
     */
    public StorageException(String message, Throwable cause) {
        super(ERROR_ID, message, cause);
    }
}
