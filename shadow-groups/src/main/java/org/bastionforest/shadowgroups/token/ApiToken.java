package org.bastionforest.shadowgroups.token;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.bastionforest.shadowgroups.policy.ShadowGroupId;
import org.bastionforest.shadowgroups.policy.UserId;

/**
 * An API token as stored (without the token itself, which is never stored).
 *
 * <p>Immutable and thread-safe.
 *
 * @param id the token's id (shown in listings and the audit log; not a secret)
 * @param subject the non-human identity the token acts as
 * @param description what it is for
 * @param scope the shadow groups it may request; a token can do nothing else with requests
 * @param createdBy the administrator who created it
 * @param createdAt when
 * @param expiresAt when it stops working
 * @param revokedAt when it was revoked, if it was
 * @param lastUsedAt when it last authenticated, if ever
 */
public record ApiToken(
        UUID id,
        UserId subject,
        String description,
        Set<ShadowGroupId> scope,
        UserId createdBy,
        Instant createdAt,
        Instant expiresAt,
        Optional<Instant> revokedAt,
        Optional<Instant> lastUsedAt) {
    /** Copies the scope. */
    public ApiToken {
        Objects.requireNonNull(id, "id");
        scope = Set.copyOf(scope);
    }

    /** Whether it authenticates at {@code now}. */
    public boolean usableAt(Instant now) {
        return revokedAt.isEmpty() && now.isBefore(expiresAt);
    }
}
