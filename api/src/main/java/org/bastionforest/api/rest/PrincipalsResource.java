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
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.SecurityContext;
import org.bastionforest.api.auth.Caller;
import org.bastionforest.api.rest.ProblemMapper.BadRequestBody;
import org.bastionforest.api.service.BastionCore;
import org.bastionforest.kerberos.BastionKdc;
import org.bastionforest.shadowgroups.errors.AccessDeniedException;
import org.bastionforest.shadowgroups.errors.BastionException;
import org.bastionforest.shadowgroups.policy.UserId;

/**
 * Kerberos principals of the bastion KDC: a user enrols (or changes) their own Kerberos password;
 * administrators register service principals, download their keytabs (MIT format, audited) and
 * rotate keys (also the realm's {@code krbtgt}); everybody may fetch a {@code krb5.conf} snippet.
 */
@Path("api/v1/principals")
@Produces(MediaType.APPLICATION_JSON)
public final class PrincipalsResource {
    private final BastionCore core;
    private final BastionKdc kdc;
    private final KdcAddress address;

    @Inject
    public PrincipalsResource(BastionCore core, BastionKdc kdc, KdcAddress address) {
        this.core = core;
        this.kdc = kdc;
        this.address = address;
    }

    /** The host name clients reach the KDC at (for krb5.conf). */
    public record KdcAddress(String host) {}

    /** A new Kerberos password. */
    public record PasswordBody(String password) {
        @Override
        public String toString() {
            return "PasswordBody[***]";
        }
    }

    /** A service principal to register, e.g. {@code HTTP/web01.corp.example}. */
    public record ServiceBody(String name) {}

    /** A principal and its key version. */
    public record PrincipalView(String principal, int kvno) {}

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    public Response register(@Context SecurityContext security, ServiceBody body)
            throws BastionException {
        UserId admin = admin(security);
        if (body == null || body.name() == null) {
            throw new BadRequestBody("name: is required");
        }
        int kvno = kdc.principals().registerService(body.name(), admin);
        return Response.status(201)
                .entity(new PrincipalView(body.name() + "@" + kdc.options().realm(), kvno))
                .build();
    }

    @GET
    @Path("{name: .+}/keytab")
    @Produces(MediaType.APPLICATION_OCTET_STREAM)
    public Response keytab(@Context SecurityContext security, @PathParam("name") String name)
            throws BastionException {
        byte[] keytab = kdc.principals().exportKeytab(name, admin(security));
        return Response.ok(keytab)
                .header("Cache-Control", "no-store")
                .header(
                        "Content-Disposition",
                        "attachment; filename=\""
                                + name.replaceAll("[^A-Za-z0-9.-]", "_")
                                + ".keytab\"")
                .build();
    }

    @POST
    @Path("{name: .+}/rotate")
    public PrincipalView rotate(@Context SecurityContext security, @PathParam("name") String name)
            throws BastionException {
        UserId admin = admin(security);
        if (name.equals("krbtgt")) {
            return new PrincipalView(
                    kdc.principals().krbtgt(), kdc.principals().rotateKrbtgt(admin));
        }
        return new PrincipalView(
                name + "@" + kdc.options().realm(), kdc.principals().rotate(name, admin));
    }

    private UserId admin(SecurityContext security) throws BastionException {
        UserId admin = ShadowGroupsResource.admin(security);
        if (!core.administrators().includes(admin, core.facts())) {
            throw new AccessDeniedException("only administrators manage service principals");
        }
        return admin;
    }

    /** {@code POST /api/v1/me/kerberos-password}: the caller's own Kerberos password. */
    @Path("api/v1/me/kerberos-password")
    @Produces(MediaType.APPLICATION_JSON)
    public static final class Password {
        private final BastionKdc kdc;

        @Inject
        public Password(BastionKdc kdc) {
            this.kdc = kdc;
        }

        /**
         * Sets it (at least 12 characters); the keys are derived per enctype with the realm's salt.
         */
        @POST
        @Consumes(MediaType.APPLICATION_JSON)
        public PrincipalView set(@Context SecurityContext security, PasswordBody body)
                throws BastionException {
            Caller c = Api.caller(security);
            if (c.isToken()) {
                throw new AccessDeniedException("an API token cannot set a Kerberos password");
            }
            if (body == null || body.password() == null) {
                throw new BadRequestBody("password: is required");
            }
            int kvno = kdc.principals().setPassword(c.user(), body.password().toCharArray());
            return new PrincipalView(kdc.principals().principalOf(c.user()), kvno);
        }
    }

    /** {@code GET /api/v1/krb5.conf}: a client configuration snippet for the bastion realm. */
    @Path("api/v1/krb5.conf")
    public static final class Krb5Conf {
        private final BastionKdc kdc;
        private final KdcAddress address;

        @Inject
        public Krb5Conf(BastionKdc kdc, KdcAddress address) {
            this.kdc = kdc;
            this.address = address;
        }

        @GET
        @Produces(MediaType.TEXT_PLAIN)
        public String get(@Context SecurityContext security) {
            Api.caller(security);
            return kdc.krb5Conf(address.host());
        }
    }
}
