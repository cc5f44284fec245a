package org.bastionforest.api.rest;

import jakarta.annotation.Priority;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.container.PreMatching;
import jakarta.ws.rs.core.Response;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * Refuses request bodies over {@value #LIMIT} bytes ({@value #IMPORT_LIMIT} for a policy import)
 * with 413: at once when {@code Content-Length} says so, otherwise as soon as more is read.
 */
@PreMatching
@Priority(Priorities.AUTHENTICATION - 100)
public final class BodyLimitFilter implements ContainerRequestFilter {
    /** The largest body of an ordinary request. */
    public static final int LIMIT = 64 * 1024;

    /** The largest policy file ({@code POST /api/v1/shadow-groups:import}). */
    public static final int IMPORT_LIMIT = 1024 * 1024;

    @Override
    public void filter(ContainerRequestContext request) {
        // the first filter to look at the URI: a broken percent-encoding is the client's error
        // (400), not an exception in whatever decodes it later (found by RestFuzzIT: %ZZ gave 500)
        if (!wellEncoded(request.getUriInfo().getRequestUri().getRawPath())
                || !wellEncoded(request.getUriInfo().getRequestUri().getRawQuery())) {
            throw new WebApplicationException(Response.Status.BAD_REQUEST);
        }
        long limit = request.getUriInfo().getPath(false).endsWith(":import") ? IMPORT_LIMIT : LIMIT;
        if (request.getLength() > limit) {
            throw new WebApplicationException(Response.Status.REQUEST_ENTITY_TOO_LARGE);
        }
        if (request.hasEntity()) {
            request.setEntityStream(new Limited(request.getEntityStream(), limit));
        }
    }

    /** Whether every {@code %} starts a two-digit hex escape of a valid UTF-8 sequence. */
    static boolean wellEncoded(String raw) {
        return org.bastionforest.api.http.WellFormedUris.wellEncoded(raw);
    }

    private static final class Limited extends FilterInputStream {
        private final long limit;
        private long read;

        Limited(InputStream in, long limit) {
            super(in);
            this.limit = limit;
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                count(1);
            }
            return b;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            int n = super.read(buffer, offset, length);
            if (n > 0) {
                count(n);
            }
            return n;
        }

        private void count(int n) {
            read += n;
            if (read > limit) {
                throw new WebApplicationException(Response.Status.REQUEST_ENTITY_TOO_LARGE);
            }
        }
    }
}
