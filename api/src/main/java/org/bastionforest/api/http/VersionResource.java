package org.bastionforest.api.http;

import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

/** {@code GET /version}: the product version and this installation's identity. */
@Path("/version")
public final class VersionResource {
    private final VersionInfo info;

    @Inject
    public VersionResource(VersionInfo info) {
        this.info = info;
    }

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    public VersionInfo get() {
        return info;
    }

    /** What {@code /version} answers. */
    public record VersionInfo(
            String product,
            String version,
            String installationId,
            String schemaVersion,
            String java) {}
}
