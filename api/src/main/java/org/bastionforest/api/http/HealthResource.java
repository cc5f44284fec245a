package org.bastionforest.api.http;

import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.bastionforest.api.service.ComponentHealth;
import org.bastionforest.api.service.HealthRegistry;

/**
 * {@code GET /health}: 200 with every component UP, 503 when any is DOWN. No authentication: it
 * shows component states and short details, nothing about users or grants.
 */
@Path("/health")
public final class HealthResource {
    private final HealthRegistry health;

    @Inject
    public HealthResource(HealthRegistry health) {
        this.health = health;
    }

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    public Response get() {
        HealthRegistry.Report report = health.report();
        int status = report.status() == ComponentHealth.Status.UP ? 200 : 503;
        return Response.status(status).entity(report).header("Cache-Control", "no-store").build();
    }
}
