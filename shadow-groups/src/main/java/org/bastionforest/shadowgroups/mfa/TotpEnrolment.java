package org.bastionforest.shadowgroups.mfa;

import java.util.Objects;

/**
 * What a user needs to set up their authenticator app: the secret in base32 and the {@code
 * otpauth://} URI (shown once, as a QR code or text; never logged, never stored in clear).
 *
 * <p>Immutable and thread-safe. {@link #toString()} hides the secret.
 *
 * @param secretBase32 the shared secret, RFC 4648 base32 without padding
 * @param uri the {@code otpauth://totp/...} URI holding the secret and the parameters
 */
public record TotpEnrolment(String secretBase32, String uri) {
    /** Checks that neither part is null. */
    public TotpEnrolment {
        Objects.requireNonNull(secretBase32, "secretBase32");
        Objects.requireNonNull(uri, "uri");
    }

    @Override
    public String toString() {
        return "TotpEnrolment[secret=***]";
    }
}
