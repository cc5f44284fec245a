package org.bastionforest.api.rest;

import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * RFC 9457 problem details: {@code application/problem+json} bodies with a stable {@code type} per
 * error ({@code urn:bastion-forest:problem:<id>}), the HTTP status, a short title and a detail that
 * never holds internal information. Stateless.
 */
public final class Problems {
    /** The media type of problem bodies. */
    public static final String MEDIA_TYPE = "application/problem+json";

    /** The prefix of every problem type. */
    public static final String TYPE_PREFIX = "urn:bastion-forest:problem:";

    private Problems() {}

    /** A problem response. */
    public static Response response(int status, String id, String title, String detail) {
        return response(status, id, title, detail, Map.of());
    }

    /** A problem response with extra members (such as {@code correlationId}). */
    public static Response response(
            int status, String id, String title, String detail, Map<String, Object> extra) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("type", TYPE_PREFIX + id);
        body.put("title", title);
        body.put("status", status);
        if (detail != null && !detail.isEmpty()) {
            body.put("detail", detail);
        }
        body.putAll(extra);
        return Response.status(status)
                .type(MediaType.valueOf(MEDIA_TYPE))
                .header("Cache-Control", "no-store")
                .entity(body)
                .build();
    }
}
