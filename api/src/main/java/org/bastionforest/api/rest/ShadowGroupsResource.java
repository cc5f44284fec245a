package org.bastionforest.api.rest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.SecurityContext;
import jakarta.ws.rs.core.UriInfo;
import java.util.List;
import org.bastionforest.api.auth.Caller;
import org.bastionforest.api.rest.ProblemMapper.BadRequestBody;
import org.bastionforest.api.rest.Views.Page;
import org.bastionforest.api.service.BastionCore;
import org.bastionforest.shadowgroups.errors.AccessDeniedException;
import org.bastionforest.shadowgroups.errors.BastionException;
import org.bastionforest.shadowgroups.errors.NotFoundException;
import org.bastionforest.shadowgroups.policy.PolicyFile;
import org.bastionforest.shadowgroups.policy.ShadowGroup;
import org.bastionforest.shadowgroups.policy.ShadowGroupId;
import org.bastionforest.shadowgroups.request.RequestService.GroupView;

/**
 * {@code /api/v1/shadow-groups}: administrators create, read, update and delete shadow groups (the
 * body has the shape of one entry of a policy file, see docs/shadow-groups.md); everybody else sees
 * the groups they may request or approve, each with its policy and the caller's eligibility.
 */
@Path("api/v1/shadow-groups")
@Produces(MediaType.APPLICATION_JSON)
public final class ShadowGroupsResource {
    private final BastionCore core;

    @Inject
    public ShadowGroupsResource(BastionCore core) {
        this.core = core;
    }

    @GET
    public Page<JsonNode> list(@Context SecurityContext security) throws BastionException {
        Caller c = Api.caller(security);
        return new Page<>(
                visible(c).stream()
                        .filter(v -> c.mayRequest(v.group().id()) || !c.isToken())
                        .map(ShadowGroupsResource::view)
                        .toList(),
                null);
    }

    @GET
    @Path("{id}")
    public JsonNode get(@Context SecurityContext security, @PathParam("id") String id)
            throws BastionException {
        Caller c = Api.caller(security);
        ShadowGroupId wanted = groupId(id);
        for (GroupView v : visible(c)) {
            if (v.group().id().equals(wanted) && (c.mayRequest(wanted) || !c.isToken())) {
                return view(v);
            }
        }
        throw new NotFoundException("shadow group " + wanted.value() + " not found");
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    public Response create(@Context SecurityContext security, @Context UriInfo uri, JsonNode body)
            throws BastionException {
        ShadowGroup g = core.groups().create(admin(security), PolicyFile.parseGroup(body));
        return Response.created(uri.getAbsolutePathBuilder().path(g.id().value()).build())
                .entity(PolicyFile.toTree(g))
                .build();
    }

    @PUT
    @Path("{id}")
    @Consumes(MediaType.APPLICATION_JSON)
    public JsonNode update(
            @Context SecurityContext security, @PathParam("id") String id, JsonNode body)
            throws BastionException {
        ShadowGroup g = PolicyFile.parseGroup(body);
        if (!g.id().equals(groupId(id))) {
            throw new BadRequestBody("id: the body's id must be the id in the path");
        }
        return PolicyFile.toTree(core.groups().update(admin(security), g));
    }

    @DELETE
    @Path("{id}")
    public Response delete(@Context SecurityContext security, @PathParam("id") String id)
            throws BastionException {
        core.groups().delete(admin(security), groupId(id));
        return Response.noContent().build();
    }

    private List<GroupView> visible(Caller c) throws BastionException {
        return core.requests().visibleGroups(c.user());
    }

    private static ShadowGroupId groupId(String id) {
        try {
            return ShadowGroupId.of(id);
        } catch (IllegalArgumentException e) {
            throw new Api.NotFoundProblem(
                    "shadow group " + ProblemMapper.printable(id) + " not found");
        }
    }

    /** An administrator's id; tokens never administer. */
    static org.bastionforest.shadowgroups.policy.UserId admin(SecurityContext security)
            throws AccessDeniedException {
        Caller c = Api.caller(security);
        if (c.isToken()) {
            throw new AccessDeniedException("an API token cannot administer the service");
        }
        return c.user();
    }

    private static JsonNode view(GroupView v) {
        ObjectNode n = PolicyFile.toTree(v.group());
        n.put("eligible", v.eligible());
        n.put("approver", v.approver());
        return n;
    }
}
