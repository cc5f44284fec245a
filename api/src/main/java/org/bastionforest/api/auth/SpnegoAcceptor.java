package org.bastionforest.api.auth;

import java.util.Optional;
import org.bastionforest.shadowgroups.policy.UserId;

/**
 * Accepts a Kerberos SPNEGO token ({@code Authorization: Negotiate <base64>}) for the service's own
 * HTTP principal. Implementations are thread-safe and never log tokens.
 */
public interface SpnegoAcceptor {
    /**
     * The accepted client.
     *
     * @param user the client principal's user name (the part before {@code @REALM}), lower case
     * @param responseToken a token to send back in {@code WWW-Authenticate: Negotiate}, if any
     */
    record Accepted(UserId user, Optional<String> responseToken) {}

    /** The client, if {@code base64Token} is a valid SPNEGO/Kerberos token for this service. */
    Optional<Accepted> accept(String base64Token);
}
