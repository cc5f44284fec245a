package org.bastionforest.api.rest;

import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.container.ContainerResponseFilter;
import jakarta.ws.rs.core.HttpHeaders;

/** Sends the SPNEGO acceptor's response token back ({@code WWW-Authenticate: Negotiate ...}). */
public final class NegotiateResponse implements ContainerResponseFilter {
    static final String PROPERTY = "org.bastionforest.negotiate-response";

    @Override
    public void filter(ContainerRequestContext request, ContainerResponseContext response) {
        Object token = request.getProperty(PROPERTY);
        if (token instanceof String t) {
            response.getHeaders().add(HttpHeaders.WWW_AUTHENTICATE, "Negotiate " + t);
        }
    }
}
