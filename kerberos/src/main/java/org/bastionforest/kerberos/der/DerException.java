package org.bastionforest.kerberos.der;

/** A message that is not the DER this codec reads; the message says what was wrong. */
public final class DerException extends Exception {
    private static final long serialVersionUID = 1L;
    private final boolean badVersion;

    public DerException(String message) {
        this(message, false);
    }

    private DerException(String message, boolean badVersion) {
        super(message);
        this.badVersion = badVersion;
    }

    /** A well-formed message whose protocol version (pvno) is not 5. */
    static DerException version() {
        return new DerException("not Kerberos 5", true);
    }

    /** Whether only the protocol version was wrong. */
    public boolean badVersion() {
        return badVersion;
    }
}
