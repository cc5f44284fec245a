package org.bastionforest.shadowgroups.errors;

/**
 * The input is malformed or out of range (a bad duration, SID, DN, name, ...).
 *
 * <p>The API answers 400; the message says which field is wrong and why, without echoing secrets.
 * Nothing was changed (invariant 5).
 *
 * <p>Error id {@value #ERROR_ID}. Immutable once thrown; thread-safe to read.
 */
public class InvalidInputException extends BastionException {
    /** The stable error id of this exception: {@value}. */
    public static final String ERROR_ID = "invalid-input";

    /**
     * @param message what went wrong, for operators; no secrets
     */
    public InvalidInputException(String message) {
        this(message, null);
    }

    /**
     * @param message what went wrong, for operators; no secrets
     * @param cause the underlying exception, or {@code null}
     */
    public InvalidInputException(String message, Throwable cause) {
        super(ERROR_ID, message, cause);
    }
}
