package org.bastionforest.api.rest;

import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.SecurityContext;
import java.util.List;
import org.bastionforest.api.rest.ProblemMapper.BadRequestBody;
import org.bastionforest.api.rest.Views.Page;
import org.bastionforest.api.rest.Views.RequestView;
import org.bastionforest.api.service.BastionCore;
import org.bastionforest.shadowgroups.errors.BastionException;

/**
 * {@code /api/v1/grants}: active grants (the caller's; everybody's for administrators with {@code
 * scope=all}); an administrator revokes one with a reason. A grant is addressed by its request's
 * id.
 */
@Path("api/v1/grants")
@Produces(MediaType.APPLICATION_JSON)
public final class GrantsResource {
    private final BastionCore core;

    @Inject
    public GrantsResource(BastionCore core) {
        this.core = core;
    }

    /** A revocation's reason. */
    public record RevokeBody(String reason) {}

    @GET
    public Page<RequestView> active(
            @Context SecurityContext security,
            @QueryParam("scope") String scope,
            @QueryParam("group") String group,
            @QueryParam("requester") String requester,
            @QueryParam("sort") String sort,
            @QueryParam("limit") Integer limit,
            @QueryParam("cursor") String cursor)
            throws BastionException {
        return RequestsResource.page(
                core.requests()
                        .search(
                                Api.caller(security).user(),
                                RequestsResource.query(
                                        scope,
                                        List.of("ACTIVE"),
                                        group,
                                        requester,
                                        sort,
                                        limit,
                                        cursor)));
    }

    @POST
    @Path("{id}/revoke")
    @Consumes(MediaType.APPLICATION_JSON)
    public RequestView revoke(
            @Context SecurityContext security, @PathParam("id") String id, RevokeBody body)
            throws BastionException {
        if (body == null || body.reason() == null) {
            throw new BadRequestBody("reason: is required");
        }
        return RequestView.of(
                core.requests()
                        .revoke(Api.requestId(id), Api.caller(security).user(), body.reason()));
    }
}
