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
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.SecurityContext;
import jakarta.ws.rs.core.UriInfo;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.bastionforest.api.auth.Caller;
import org.bastionforest.api.rest.ProblemMapper.BadRequestBody;
import org.bastionforest.api.rest.Views.Page;
import org.bastionforest.api.rest.Views.RequestView;
import org.bastionforest.api.service.BastionCore;
import org.bastionforest.shadowgroups.errors.AccessDeniedException;
import org.bastionforest.shadowgroups.errors.BastionException;
import org.bastionforest.shadowgroups.errors.NotFoundException;
import org.bastionforest.shadowgroups.policy.ShadowGroupId;
import org.bastionforest.shadowgroups.request.AccessRequest;
import org.bastionforest.shadowgroups.request.NewRequest;
import org.bastionforest.shadowgroups.request.RequestId;
import org.bastionforest.shadowgroups.request.RequestPage;
import org.bastionforest.shadowgroups.request.RequestQuery;
import org.bastionforest.shadowgroups.request.RequestState;

/**
 * {@code /api/v1/requests}: ask for a shadow group, list and read one's requests, activate (with a
 * TOTP code), extend, close early, cancel. An API token may only ask for the groups in its scope.
 */
@Path("api/v1/requests")
@Produces(MediaType.APPLICATION_JSON)
public final class RequestsResource {
    private final BastionCore core;

    @Inject
    public RequestsResource(BastionCore core) {
        this.core = core;
    }

    /**
     * A new request.
     *
     * @param group the shadow group's id
     * @param duration ISO-8601 ({@code PT1H}); the policy default if absent
     * @param justification why
     * @param ticket a ticket reference such as {@code INC0012345}
     * @param start a later start (ISO-8601 instant), if any
     * @param totp a TOTP code, for groups that require MFA at activation
     */
    public record NewRequestBody(
            String group,
            String duration,
            String justification,
            String ticket,
            Instant start,
            String totp) {}

    /** A reason, for close. */
    public record ReasonBody(String reason) {}

    /** An extension. */
    public record ExtendBody(String duration) {}

    /** A TOTP code, for activation. */
    public record ActivateBody(String totp) {}

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    public Response create(
            @Context SecurityContext security, @Context UriInfo uri, NewRequestBody body)
            throws BastionException {
        Caller caller = Api.caller(security);
        if (body == null || body.group() == null) {
            throw new BadRequestBody("group: is required");
        }
        ShadowGroupId group = Api.groupId("group", body.group());
        if (!caller.mayRequest(group)) {
            // as if the group did not exist: a token does not learn what lies outside its scope
            throw new NotFoundException("shadow group " + group.value() + " not found");
        }
        NewRequest ask =
                NewRequest.of(
                        group,
                        body.duration() == null ? null : Api.duration("duration", body.duration()),
                        body.justification() == null ? "" : body.justification(),
                        body.ticket(),
                        body.start());
        AccessRequest r = core.requests().submit(caller.user(), ask);
        if (r.state() == RequestState.APPROVED
                && body.totp() != null
                && r.requestedStart().map(s -> !s.isAfter(core.clock().instant())).orElse(true)) {
            try {
                r = core.requests().activate(r.id(), caller.user(), Optional.of(body.totp()));
            } catch (AccessDeniedException refused) {
                // the request is made; it waits (APPROVED) for a valid code: POST .../activate
                return Response.created(
                                uri.getAbsolutePathBuilder().path(r.id().toString()).build())
                        .header("Bastion-Activation", "mfa-code-refused")
                        .entity(RequestView.of(r))
                        .build();
            }
        }
        return Response.created(uri.getAbsolutePathBuilder().path(r.id().toString()).build())
                .entity(RequestView.of(r))
                .build();
    }

    /**
     * The caller's requests (administrators: everybody's with {@code scope=all}).
     *
     * @param state only these states (repeatable)
     * @param group only this shadow group
     * @param requester with scope=all: only this user
     */
    @GET
    public Page<RequestView> list(
            @Context SecurityContext security,
            @QueryParam("scope") String scope,
            @QueryParam("state") List<String> state,
            @QueryParam("group") String group,
            @QueryParam("requester") String requester,
            @QueryParam("sort") String sort,
            @QueryParam("limit") Integer limit,
            @QueryParam("cursor") String cursor)
            throws BastionException {
        Caller caller = Api.caller(security);
        RequestQuery q = query(scope, state, group, requester, sort, limit, cursor);
        return page(core.requests().search(caller.user(), q));
    }

    @GET
    @Path("{id}")
    public RequestView get(@Context SecurityContext security, @PathParam("id") String id)
            throws BastionException {
        return RequestView.of(core.requests().get(Api.requestId(id), Api.caller(security).user()));
    }

    @POST
    @Path("{id}/activate")
    @Consumes(MediaType.APPLICATION_JSON)
    public RequestView activate(
            @Context SecurityContext security, @PathParam("id") String id, ActivateBody body)
            throws BastionException {
        return RequestView.of(
                core.requests()
                        .activate(
                                Api.requestId(id),
                                Api.caller(security).user(),
                                Optional.ofNullable(body == null ? null : body.totp())));
    }

    @POST
    @Path("{id}/extend")
    @Consumes(MediaType.APPLICATION_JSON)
    public RequestView extend(
            @Context SecurityContext security, @PathParam("id") String id, ExtendBody body)
            throws BastionException {
        if (body == null || body.duration() == null) {
            throw new BadRequestBody("duration: is required");
        }
        return RequestView.of(
                core.requests()
                        .extend(
                                Api.requestId(id),
                                Api.caller(security).user(),
                                Api.duration("duration", body.duration())));
    }

    @POST
    @Path("{id}/close")
    @Consumes(MediaType.APPLICATION_JSON)
    public RequestView close(
            @Context SecurityContext security, @PathParam("id") String id, ReasonBody body)
            throws BastionException {
        return RequestView.of(
                core.requests()
                        .close(
                                Api.requestId(id),
                                Api.caller(security).user(),
                                body == null || body.reason() == null ? "" : body.reason()));
    }

    @POST
    @Path("{id}/cancel")
    public RequestView cancel(@Context SecurityContext security, @PathParam("id") String id)
            throws BastionException {
        return RequestView.of(
                core.requests().cancel(Api.requestId(id), Api.caller(security).user()));
    }

    static RequestQuery query(
            String scope,
            List<String> state,
            String group,
            String requester,
            String sort,
            Integer limit,
            String cursor) {
        RequestQuery q;
        if (scope == null || scope.equals("mine")) {
            q = RequestQuery.mine();
            if (requester != null) {
                throw new BadRequestBody("requester: only with scope=all");
            }
        } else if (scope.equals("all")) {
            q = RequestQuery.all();
            if (requester != null) {
                try {
                    q = q.requester(org.bastionforest.shadowgroups.policy.UserId.of(requester));
                } catch (IllegalArgumentException e) {
                    throw new BadRequestBody("requester: not a user id");
                }
            }
        } else {
            throw new BadRequestBody("scope: must be mine or all");
        }
        if (state != null && !state.isEmpty()) {
            Set<RequestState> states = EnumSet.noneOf(RequestState.class);
            for (String s : state) {
                try {
                    states.add(RequestState.valueOf(s));
                } catch (IllegalArgumentException e) {
                    throw new BadRequestBody(
                            "state: must be one of " + List.of(RequestState.values()));
                }
            }
            q = q.states(states);
        }
        if (group != null) {
            q = q.group(Api.groupId("group", group));
        }
        q = q.newestFirst(Api.newestFirst(sort)).limit(Api.limit(limit));
        if (cursor != null) {
            String raw = Api.decodeCursor(cursor);
            int bar = raw.indexOf('|');
            try {
                q =
                        q.after(
                                new RequestQuery.Cursor(
                                        Instant.parse(raw.substring(0, bar)),
                                        RequestId.parse(raw.substring(bar + 1))));
            } catch (RuntimeException e) {
                throw new BadRequestBody("cursor: not a cursor from a previous page");
            }
        }
        return q;
    }

    static Page<RequestView> page(RequestPage page) {
        return new Page<>(
                page.items().stream().map(RequestView::of).toList(),
                page.next().map(c -> Api.encodeCursor(c.createdAt() + "|" + c.id())).orElse(null));
    }
}
