package org.bastionforest.api.rest;

import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.SecurityContext;
import jakarta.ws.rs.core.UriInfo;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.bastionforest.api.rest.ProblemMapper.BadRequestBody;
import org.bastionforest.api.rest.Views.Page;
import org.bastionforest.shadowgroups.errors.BastionException;
import org.bastionforest.shadowgroups.policy.ShadowGroupId;
import org.bastionforest.shadowgroups.policy.UserId;
import org.bastionforest.shadowgroups.token.ApiToken;
import org.bastionforest.shadowgroups.token.ApiTokenService;

/**
 * {@code /api/v1/tokens}: administrators create API tokens for non-human identities (shown once in
 * the answer, stored hashed), list them and revoke them.
 */
@Path("api/v1/tokens")
@Produces(MediaType.APPLICATION_JSON)
public final class TokensResource {
    private final ApiTokenService tokens;

    @Inject
    public TokensResource(ApiTokenService tokens) {
        this.tokens = tokens;
    }

    /**
     * A new token.
     *
     * @param subject the identity it acts as, e.g. {@code ci-deploy}
     * @param description what it is for
     * @param scope the shadow groups it may request
     * @param lifetime ISO-8601 duration, at most P366D
     */
    public record NewTokenBody(
            String subject, String description, List<String> scope, String lifetime) {}

    /** A token as listed; {@code token} is only set in the answer to its creation. */
    public record TokenView(
            String id,
            String subject,
            String description,
            List<String> scope,
            String createdBy,
            Instant createdAt,
            Instant expiresAt,
            Instant revokedAt,
            Instant lastUsedAt,
            String token) {
        static TokenView of(ApiToken t, String secret) {
            return new TokenView(
                    t.id().toString(),
                    t.subject().value(),
                    t.description(),
                    t.scope().stream().map(ShadowGroupId::value).sorted().toList(),
                    t.createdBy().value(),
                    t.createdAt(),
                    t.expiresAt(),
                    t.revokedAt().orElse(null),
                    t.lastUsedAt().orElse(null),
                    secret);
        }

        @Override
        public String toString() {
            return "TokenView[" + id + "]";
        }
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    public Response create(
            @Context SecurityContext security, @Context UriInfo uri, NewTokenBody body)
            throws BastionException {
        UserId admin = ShadowGroupsResource.admin(security);
        if (body == null || body.subject() == null || body.scope() == null) {
            throw new BadRequestBody("subject and scope: are required");
        }
        UserId subject;
        try {
            subject = UserId.of(body.subject());
        } catch (IllegalArgumentException e) {
            throw new BadRequestBody("subject: " + e.getMessage());
        }
        Set<ShadowGroupId> scope = new LinkedHashSet<>();
        for (String g : body.scope()) {
            scope.add(Api.groupId("scope", g));
        }
        ApiTokenService.Created c =
                tokens.create(
                        admin,
                        subject,
                        body.description() == null ? "" : body.description(),
                        scope,
                        Api.duration(
                                "lifetime", body.lifetime() == null ? "P90D" : body.lifetime()));
        return Response.created(uri.getAbsolutePathBuilder().path(c.info().id().toString()).build())
                .header("Cache-Control", "no-store")
                .entity(TokenView.of(c.info(), c.token()))
                .build();
    }

    @GET
    public Page<TokenView> list(@Context SecurityContext security) throws BastionException {
        return new Page<>(
                tokens.list(ShadowGroupsResource.admin(security)).stream()
                        .map(t -> TokenView.of(t, null))
                        .toList(),
                null);
    }

    @DELETE
    @Path("{id}")
    public Response revoke(@Context SecurityContext security, @PathParam("id") String id)
            throws BastionException {
        UUID uuid;
        try {
            uuid = UUID.fromString(id);
        } catch (IllegalArgumentException e) {
            throw new Api.NotFoundProblem("token not found");
        }
        tokens.revoke(ShadowGroupsResource.admin(security), uuid);
        return Response.noContent().build();
    }
}
