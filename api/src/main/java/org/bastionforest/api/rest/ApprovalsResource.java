package org.bastionforest.api.rest;

import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.SecurityContext;
import org.bastionforest.api.rest.ProblemMapper.BadRequestBody;
import org.bastionforest.api.rest.Views.Page;
import org.bastionforest.api.rest.Views.RequestView;
import org.bastionforest.api.service.BastionCore;
import org.bastionforest.shadowgroups.errors.BastionException;

/**
 * {@code /api/v1/approvals}: the requests waiting for the caller's decision; approve; deny with a
 * reason. Nobody decides their own request, and only a group's approvers decide its requests (the
 * core checks both; somebody else gets "not found").
 */
@Path("api/v1/approvals")
@Produces(MediaType.APPLICATION_JSON)
public final class ApprovalsResource {
    private final BastionCore core;

    @Inject
    public ApprovalsResource(BastionCore core) {
        this.core = core;
    }

    /** A denial's reason. */
    public record DenyBody(String reason) {}

    @GET
    public Page<RequestView> waiting(@Context SecurityContext security) throws BastionException {
        return new Page<>(
                core.requests().pendingFor(Api.caller(security).user()).stream()
                        .map(RequestView::of)
                        .toList(),
                null);
    }

    @POST
    @Path("{id}/approve")
    public RequestView approve(@Context SecurityContext security, @PathParam("id") String id)
            throws BastionException {
        return RequestView.of(
                core.requests().approve(Api.requestId(id), Api.caller(security).user()));
    }

    @POST
    @Path("{id}/deny")
    @Consumes(MediaType.APPLICATION_JSON)
    public RequestView deny(
            @Context SecurityContext security, @PathParam("id") String id, DenyBody body)
            throws BastionException {
        if (body == null || body.reason() == null) {
            throw new BadRequestBody("reason: is required");
        }
        return RequestView.of(
                core.requests()
                        .deny(Api.requestId(id), Api.caller(security).user(), body.reason()));
    }
}
