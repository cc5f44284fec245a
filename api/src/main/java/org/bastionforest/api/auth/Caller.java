package org.bastionforest.api.auth;

import java.security.Principal;
import java.util.Objects;
import java.util.Optional;
import org.bastionforest.shadowgroups.policy.ShadowGroupId;
import org.bastionforest.shadowgroups.policy.UserId;
import org.bastionforest.shadowgroups.token.ApiToken;

/**
 * Who is calling the API, and how they proved it.
 *
 * <p>Immutable and thread-safe.
 *
 * @param user the caller's user id (a person's lower-case logon name, or a token's identity)
 * @param method how the caller authenticated
 * @param token the API token used, if {@code method} is {@link Method#TOKEN}
 */
public record Caller(UserId user, Method method, Optional<ApiToken> token) implements Principal {
    /** How a caller authenticated. */
    public enum Method {
        /** HTTP Basic, verified by an LDAP bind against the production directory. */
        BASIC,
        /** An API token ({@code Authorization: Bearer bft_...}). */
        TOKEN,
        /** Kerberos SPNEGO against the bastion KDC. */
        NEGOTIATE
    }

    /** Checks for null. */
    public Caller {
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(token, "token");
    }

    /** Whether this caller may ask for {@code group}: a token only for the groups in its scope. */
    public boolean mayRequest(ShadowGroupId group) {
        return token.map(t -> t.scope().contains(group)).orElse(true);
    }

    /** Whether this caller is a person (or a service) rather than a scoped token. */
    public boolean isToken() {
        return method == Method.TOKEN;
    }

    @Override
    public String getName() {
        return user.value();
    }
}
