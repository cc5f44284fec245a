package org.bastionforest.api.rest;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.SecurityContext;
import org.bastionforest.api.auth.Caller;
import org.bastionforest.api.service.BastionCore;
import org.bastionforest.shadowgroups.errors.AccessDeniedException;
import org.bastionforest.shadowgroups.errors.BastionException;

/**
 * {@code GET /metrics}: Prometheus text format. Open on the loopback management port; on the API
 * port only for administrators.
 */
@Path("metrics")
public final class MetricsResource {
    private final PrometheusMeterRegistry registry;
    private final BastionCore core;

    @Inject
    public MetricsResource(PrometheusMeterRegistry registry, BastionCore core) {
        this.registry = registry;
        this.core = core;
    }

    @GET
    @Produces("text/plain; version=0.0.4; charset=utf-8")
    public String scrape(@Context SecurityContext security) throws BastionException {
        if (security.getUserPrincipal() instanceof Caller c
                && (c.isToken() || !core.administrators().includes(c.user(), core.facts()))) {
            throw new AccessDeniedException("only administrators read metrics on the API port");
        }
        return registry.scrape();
    }
}
