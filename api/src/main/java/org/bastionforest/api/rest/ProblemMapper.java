package org.bastionforest.api.rest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;
import jakarta.ws.rs.ext.Provider;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import org.bastionforest.shadowgroups.errors.AccessDeniedException;
import org.bastionforest.shadowgroups.errors.BastionException;
import org.bastionforest.shadowgroups.errors.ConflictException;
import org.bastionforest.shadowgroups.errors.DirectoryUnavailableException;
import org.bastionforest.shadowgroups.errors.InvalidInputException;
import org.bastionforest.shadowgroups.errors.NotFoundException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place where exceptions become HTTP answers (problem+json): the core's exceptions by kind
 * (404, 403, 409, 422, 503), JSON that cannot be read (400, naming an unknown field), JAX-RS's own
 * (their status), and anything else a 500 whose body shows only a correlation id that is also in
 * the log with the stack trace.
 *
 * <p>Stateless and thread-safe.
 */
@Provider
public final class ProblemMapper implements ExceptionMapper<Throwable> {
    private static final Logger LOG = LoggerFactory.getLogger(ProblemMapper.class);

    @Override
    public Response toResponse(Throwable e) {
        if (e instanceof BastionException b) {
            return bastion(b);
        }
        if (e instanceof Api.NotFoundProblem nf) {
            return Problems.response(404, NotFoundException.ERROR_ID, "Not found", nf.getMessage());
        }
        if (e instanceof BadRequestBody bad) {
            return Problems.response(400, "bad-request", "Bad request", bad.getMessage());
        }
        if (e instanceof UnrecognizedPropertyException u) {
            return Problems.response(
                    400,
                    "unknown-field",
                    "Unknown field",
                    "unknown field '" + printable(u.getPropertyName()) + "'" + path(u));
        }
        if (e instanceof JsonMappingException m) {
            return Problems.response(
                    400,
                    "bad-json",
                    "Malformed JSON",
                    "the body does not have the expected shape" + path(m));
        }
        if (e instanceof JsonProcessingException) {
            return Problems.response(400, "bad-json", "Malformed JSON", "the body is not JSON");
        }
        if (e instanceof WebApplicationException w) {
            int status = w.getResponse().getStatus();
            if (status < 500) {
                Response.StatusType type = w.getResponse().getStatusInfo();
                return Problems.response(
                        status,
                        "http-" + status,
                        type.getReasonPhrase(),
                        status == 413 ? "the request body is too large" : "");
            }
        }
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof java.io.EOFException) {
                // the client sent less than its Content-Length and closed: its error, not ours
                return Problems.response(
                        400, "http-400", "Bad Request", "the request body ended early");
            }
        }
        String correlation = UUID.randomUUID().toString();
        LOG.error("api.internal-error: correlation {}", correlation, e);
        return Problems.response(
                500,
                "internal-error",
                "Internal error",
                "the request failed; quote the correlation id to your administrator",
                Map.of("correlationId", correlation));
    }

    private static Response bastion(BastionException e) {
        String message = e.getMessage();
        if (e instanceof NotFoundException) {
            return Problems.response(404, e.errorId(), "Not found", message);
        }
        if (e instanceof AccessDeniedException) {
            return Problems.response(403, e.errorId(), "Forbidden", message);
        }
        if (e instanceof ConflictException) {
            return Problems.response(409, e.errorId(), "Conflict", message);
        }
        if (e instanceof InvalidInputException) {
            return Problems.response(422, e.errorId(), "Invalid input", message);
        }
        if (e instanceof DirectoryUnavailableException) {
            String correlation = UUID.randomUUID().toString();
            LOG.warn("api.directory-unavailable: correlation {}: {}", correlation, message);
            return Problems.response(
                    503,
                    e.errorId(),
                    "Directory unavailable",
                    "a directory the service needs is not reachable now; try again later",
                    Map.of("correlationId", correlation));
        }
        String correlation = UUID.randomUUID().toString();
        LOG.error("api.internal-error: correlation {} ({})", correlation, e.errorId(), e);
        return Problems.response(
                500,
                "internal-error",
                "Internal error",
                "the request failed; quote the correlation id to your administrator",
                Map.of("correlationId", correlation));
    }

    private static String path(JsonMappingException e) {
        String p =
                e.getPath().stream()
                        .map(
                                r ->
                                        r.getFieldName() != null
                                                ? printable(r.getFieldName())
                                                : "[" + r.getIndex() + "]")
                        .collect(Collectors.joining("."))
                        .replace(".[", "[");
        return p.isEmpty() ? "" : " at " + p;
    }

    /** At most 64 printable ASCII characters of text that came from the caller. */
    static String printable(String s) {
        if (s == null) {
            return "";
        }
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length() && b.length() < 64; i++) {
            char c = s.charAt(i);
            b.append(c >= 0x20 && c < 0x7f ? c : '?');
        }
        return b.toString();
    }

    /** A request whose parameters or body cannot be understood; the message is shown. */
    public static final class BadRequestBody extends RuntimeException {
        private static final long serialVersionUID = 1L;

        /**
         * @param message what is wrong, without internal details
         */
        public BadRequestBody(String message) {
            super(message);
        }
    }
}
