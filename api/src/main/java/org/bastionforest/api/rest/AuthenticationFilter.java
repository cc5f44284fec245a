package org.bastionforest.api.rest;

import jakarta.annotation.Priority;
import jakarta.inject.Inject;
import jakarta.inject.Provider;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.SecurityContext;
import java.security.Principal;
import java.util.Optional;
import org.bastionforest.api.auth.Authenticator;
import org.bastionforest.api.auth.Caller;
import org.glassfish.grizzly.http.server.Request;

/**
 * Authenticates every request under {@code /api/}: sets the {@link Caller} as the security
 * context's principal, or answers 401 (with {@code WWW-Authenticate} challenges), 429 (with {@code
 * Retry-After}) or 503 before any resource runs. {@code /health}, {@code /version} and {@code
 * /openapi.json} need no authentication.
 */
@Priority(Priorities.AUTHENTICATION)
public final class AuthenticationFilter implements ContainerRequestFilter {
    private final Authenticator authenticator;
    private final Provider<Request> grizzly;

    @Inject
    public AuthenticationFilter(Authenticator authenticator, Provider<Request> grizzly) {
        this.authenticator = authenticator;
        this.grizzly = grizzly;
    }

    @Override
    public void filter(ContainerRequestContext request) {
        String path = request.getUriInfo().getPath();
        if (!path.startsWith("api/") && !path.startsWith("/api/") && !path.equals("metrics")) {
            return;
        }
        String client = grizzly.get().getRemoteAddr();
        Authenticator.Outcome outcome =
                authenticator.authenticate(
                        Optional.ofNullable(request.getHeaderString(HttpHeaders.AUTHORIZATION)),
                        client == null ? "unknown" : client);
        if (outcome instanceof Authenticator.Authenticated a) {
            boolean secure = request.getSecurityContext().isSecure();
            request.setSecurityContext(new CallerContext(a.caller(), secure));
            a.responseToken().ifPresent(t -> request.setProperty(NegotiateResponse.PROPERTY, t));
            return;
        }
        Authenticator.Refused r = (Authenticator.Refused) outcome;
        Response.ResponseBuilder b =
                Response.fromResponse(
                        Problems.response(
                                r.status(),
                                r.status() == 429
                                        ? "too-many-attempts"
                                        : r.status() == 503
                                                ? "directory-unavailable"
                                                : "unauthenticated",
                                r.status() == 429
                                        ? "Too many attempts"
                                        : r.status() == 503
                                                ? "Service unavailable"
                                                : "Unauthenticated",
                                r.detail()));
        if (r.status() == 401) {
            for (String challenge : authenticator.challenges()) {
                b.header(HttpHeaders.WWW_AUTHENTICATE, challenge);
            }
        }
        r.retryAfter()
                .ifPresent(d -> b.header(HttpHeaders.RETRY_AFTER, Math.max(1, d.toSeconds() + 1)));
        request.abortWith(b.build());
    }

    /** The caller as JAX-RS sees it. */
    private record CallerContext(Caller caller, boolean secure) implements SecurityContext {
        @Override
        public Principal getUserPrincipal() {
            return caller;
        }

        @Override
        public boolean isUserInRole(String role) {
            return false; // roles are decided by the core services, not here
        }

        @Override
        public boolean isSecure() {
            return secure;
        }

        @Override
        public String getAuthenticationScheme() {
            return switch (caller.method()) {
                case BASIC -> BASIC_AUTH;
                case TOKEN -> "Bearer";
                case NEGOTIATE -> "Negotiate";
            };
        }
    }
}
