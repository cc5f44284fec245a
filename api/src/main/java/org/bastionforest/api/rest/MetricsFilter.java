package org.bastionforest.api.rest;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.container.ContainerResponseFilter;
import jakarta.ws.rs.container.PreMatching;
import org.glassfish.jersey.server.ExtendedUriInfo;

/**
 * Times every request: {@code http.server.requests} by method, matched path template (never the raw
 * path: ids would make unbounded series) and status.
 */
@PreMatching
public final class MetricsFilter implements ContainerRequestFilter, ContainerResponseFilter {
    private static final String START = "org.bastionforest.metrics.start";

    private final MeterRegistry registry;

    public MetricsFilter(MeterRegistry registry) {
        this.registry = registry;
    }

    @Override
    public void filter(ContainerRequestContext request) {
        request.setProperty(START, System.nanoTime());
    }

    @Override
    public void filter(ContainerRequestContext request, ContainerResponseContext response) {
        Object start = request.getProperty(START);
        if (!(start instanceof Long t0)) {
            return;
        }
        String template = "unmatched";
        if (request.getUriInfo() instanceof ExtendedUriInfo info
                && !info.getMatchedTemplates().isEmpty()) {
            StringBuilder b = new StringBuilder();
            for (int i = info.getMatchedTemplates().size() - 1; i >= 0; i--) {
                String t = info.getMatchedTemplates().get(i).getTemplate();
                if (!t.startsWith("/") && b.length() > 0 && b.charAt(b.length() - 1) != '/') {
                    b.append('/');
                }
                b.append(t);
            }
            template = b.toString();
        }
        Timer.builder("http.server.requests")
                .tag("method", request.getMethod())
                .tag("uri", template)
                .tag("status", Integer.toString(response.getStatus()))
                .register(registry)
                .record(System.nanoTime() - t0, java.util.concurrent.TimeUnit.NANOSECONDS);
    }
}
