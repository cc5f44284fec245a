package org.bastionforest.shadowgroups.storage;

import java.time.Instant;
import java.util.Objects;
import java.util.UUID;

/**
 * This installation of the service: a random id made on first start and kept for ever (it survives
 * restarts and upgrades, and all nodes sharing one database see the same id), and when it was made.
 *
 * <p>Immutable and thread-safe.
 *
 * @param id the installation id
 * @param createdAt when the service first started on this database
 */
public record Installation(UUID id, Instant createdAt) {
    /** Checks that neither part is null. */
    public Installation {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(createdAt, "createdAt");
    }
}
