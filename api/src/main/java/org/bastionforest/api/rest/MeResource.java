package org.bastionforest.api.rest;

import com.google.zxing.BarcodeFormat;
import com.google.zxing.WriterException;
import com.google.zxing.common.BitMatrix;
import com.google.zxing.qrcode.QRCodeWriter;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.SecurityContext;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.bastionforest.api.auth.Caller;
import org.bastionforest.api.rest.ProblemMapper.BadRequestBody;
import org.bastionforest.api.service.BastionCore;
import org.bastionforest.shadowgroups.errors.AccessDeniedException;
import org.bastionforest.shadowgroups.errors.BastionException;
import org.bastionforest.shadowgroups.mfa.TotpEnrolment;
import org.bastionforest.shadowgroups.model.Sid;
import org.bastionforest.shadowgroups.request.EffectiveWindow;

/**
 * {@code /api/v1/me}: who the caller is, what they hold now ({@code effective-window}: the SIDs of
 * their active grants and the instant their Kerberos tickets are capped at), and TOTP enrolment.
 */
@Path("api/v1/me")
@Produces(MediaType.APPLICATION_JSON)
public final class MeResource {
    private final BastionCore core;

    @Inject
    public MeResource(BastionCore core) {
        this.core = core;
    }

    /**
     * The caller.
     *
     * @param user the user id
     * @param authentication BASIC, TOKEN or NEGOTIATE
     * @param administrator whether the caller administers the service
     * @param mfaEnrolled whether the caller has a confirmed TOTP enrolment
     */
    public record MeView(
            String user, String authentication, boolean administrator, boolean mfaEnrolled) {}

    /**
     * What the caller holds now.
     *
     * @param user the user id
     * @param asOf when this was computed
     * @param sids the production group SIDs of the active grants
     * @param until the earliest end of those grants: tickets end no later; null without grants
     * @param grants each SID's grant end
     */
    public record WindowView(
            String user,
            Instant asOf,
            List<String> sids,
            Instant until,
            Map<String, Instant> grants) {}

    /**
     * A new TOTP enrolment: shown once; confirm it with a first code.
     *
     * @param otpauthUri the {@code otpauth://} URI for authenticator apps
     * @param secret the Base32 secret, for manual entry
     * @param qrCodePng the URI as a QR code, PNG, base64
     */
    public record EnrolmentView(String otpauthUri, String secret, String qrCodePng) {
        @Override
        public String toString() {
            return "EnrolmentView[***]";
        }
    }

    /** A TOTP code. */
    public record CodeBody(String code) {}

    @GET
    public MeView me(@Context SecurityContext security) throws BastionException {
        Caller c = Api.caller(security);
        return new MeView(
                c.user().value(),
                c.method().name(),
                core.administrators().includes(c.user(), core.facts()),
                core.totp().isEnrolled(c.user()));
    }

    @GET
    @Path("effective-window")
    public WindowView window(@Context SecurityContext security) throws BastionException {
        EffectiveWindow w = core.requests().effectiveWindow(Api.caller(security).user());
        Map<String, Instant> grants = new java.util.TreeMap<>();
        w.grants().forEach((sid, end) -> grants.put(sid.toString(), end));
        return new WindowView(
                w.user().value(),
                w.asOf(),
                w.sids().stream().map(Sid::toString).sorted().toList(),
                w.until().orElse(null),
                grants);
    }

    @POST
    @Path("mfa")
    public EnrolmentView enrol(@Context SecurityContext security) throws BastionException {
        Caller c = Api.caller(security);
        if (c.isToken()) {
            throw new AccessDeniedException("an API token cannot enrol MFA");
        }
        TotpEnrolment e = core.totp().enrol(c.user());
        return new EnrolmentView(e.uri(), e.secretBase32(), qrPng(e.uri()));
    }

    @POST
    @Path("mfa/confirm")
    @Consumes(MediaType.APPLICATION_JSON)
    public MeView confirm(@Context SecurityContext security, CodeBody body)
            throws BastionException {
        Caller c = Api.caller(security);
        if (body == null || body.code() == null) {
            throw new BadRequestBody("code: is required");
        }
        if (!core.totp().confirm(c.user(), body.code())) {
            throw new AccessDeniedException("the code was not accepted");
        }
        return me(security);
    }

    static String qrPng(String text) {
        try {
            BitMatrix m = new QRCodeWriter().encode(text, BarcodeFormat.QR_CODE, 256, 256);
            BufferedImage image =
                    new BufferedImage(m.getWidth(), m.getHeight(), BufferedImage.TYPE_BYTE_BINARY);
            for (int y = 0; y < m.getHeight(); y++) {
                for (int x = 0; x < m.getWidth(); x++) {
                    image.setRGB(x, y, m.get(x, y) ? 0x000000 : 0xFFFFFF);
                }
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ImageIO.write(image, "png", out);
            return Base64.getEncoder().encodeToString(out.toByteArray());
        } catch (WriterException e) {
            throw new IllegalStateException("cannot encode the QR code", e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
