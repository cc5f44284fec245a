package org.bastionforest.kerberos.pac;

/**
 * A PAC could not be decoded, or one of its signatures does not verify.
 *
 * <pre>{@code
 * try {
 *     Pac.parse(bytes).verifyServerSignature(serviceKey);
 * } catch (PacException e) {
 *     // reject the ticket; e.getMessage() names what is wrong, never key material
 * }
 * }</pre>
 *
 * <p>Immutable and thread-safe.
 */
public final class PacException extends Exception {
    private static final long serialVersionUID = 1L;

    /** A PAC problem described by {@code message}. */
    public PacException(String message) {
        super(message);
    }

    /** A PAC problem described by {@code message}, caused by {@code cause}. */
    public PacException(String message, Throwable cause) {
        super(message, cause);
    }
}
