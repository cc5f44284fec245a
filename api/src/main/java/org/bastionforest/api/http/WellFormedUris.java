package org.bastionforest.api.http;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import org.glassfish.grizzly.http.server.HttpHandler;
import org.glassfish.grizzly.http.server.Request;
import org.glassfish.grizzly.http.server.Response;

/**
 * Answers 400 to a request whose URI has a broken percent-encoding before it reaches Jersey, which
 * would otherwise fail building the request URI and answer 500 (found by RestFuzzIT with {@code GET
 * /api/v1/requests/%ZZ}). Wraps the Jersey handler; everything else passes through.
 */
public final class WellFormedUris extends HttpHandler {
    private static final String PROBLEM =
            "{\"type\":\"urn:bastion-forest:problem:http-400\",\"title\":\"Bad Request\","
                    + "\"status\":400,\"detail\":\"the request URI has a broken percent-encoding\"}";

    private final HttpHandler next;

    /**
     * @param next the handler that serves well-formed requests
     */
    public WellFormedUris(HttpHandler next) {
        this.next = next;
    }

    @Override
    public void service(Request request, Response response) throws Exception {
        if (!wellEncoded(request.getRequestURI()) || !wellEncoded(request.getQueryString())) {
            response.setStatus(400);
            response.setContentType("application/problem+json");
            response.getWriter().write(PROBLEM);
            return;
        }
        next.service(request, response);
    }

    @Override
    public void start() {
        next.start();
    }

    @Override
    public void destroy() {
        next.destroy();
    }

    /** Whether every {@code %} starts a two-digit hex escape and the escapes decode as UTF-8. */
    public static boolean wellEncoded(String raw) {
        if (raw == null || raw.indexOf('%') < 0) {
            return true;
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c != '%') {
                bytes.writeBytes(String.valueOf(c).getBytes(StandardCharsets.UTF_8));
                continue;
            }
            if (i + 2 >= raw.length()
                    || Character.digit(raw.charAt(i + 1), 16) < 0
                    || Character.digit(raw.charAt(i + 2), 16) < 0) {
                return false;
            }
            bytes.write(Integer.parseInt(raw.substring(i + 1, i + 3), 16));
            i += 2;
        }
        try {
            StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes.toByteArray()));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }
}
