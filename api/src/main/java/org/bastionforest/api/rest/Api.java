package org.bastionforest.api.rest;

import jakarta.ws.rs.core.SecurityContext;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Base64;
import java.util.Optional;
import org.bastionforest.api.auth.Caller;
import org.bastionforest.api.rest.ProblemMapper.BadRequestBody;
import org.bastionforest.shadowgroups.policy.ShadowGroupId;
import org.bastionforest.shadowgroups.request.RequestId;

/**
 * What every resource shares: the caller, and parsing of path and query parameters into the core's
 * types (a bad value is a 400 naming the parameter). One convention for every listing: {@code
 * limit} (1 to 200, default 50), an opaque {@code cursor} from the previous page's {@code next},
 * {@code sort} ({@code createdAt} or {@code -createdAt}), and filters named after the field.
 */
final class Api {
    private Api() {}

    /** The authenticated caller (the authentication filter guarantees one under /api/). */
    static Caller caller(SecurityContext security) {
        if (!(security.getUserPrincipal() instanceof Caller c)) {
            throw new IllegalStateException("no authenticated caller");
        }
        return c;
    }

    static RequestId requestId(String value) {
        try {
            return RequestId.parse(value);
        } catch (IllegalArgumentException e) {
            // an id that cannot exist is as unknown as one that does not
            throw new NotFoundProblem("request " + ProblemMapper.printable(value) + " not found");
        }
    }

    static ShadowGroupId groupId(String name, String value) {
        try {
            return ShadowGroupId.of(value);
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new BadRequestBody(name + ": not a shadow group id");
        }
    }

    static int limit(Integer limit) {
        if (limit == null) {
            return 50;
        }
        if (limit < 1 || limit > 200) {
            throw new BadRequestBody("limit: must be between 1 and 200");
        }
        return limit;
    }

    static boolean newestFirst(String sort) {
        if (sort == null || sort.equals("-createdAt")) {
            return true;
        }
        if (sort.equals("createdAt")) {
            return false;
        }
        throw new BadRequestBody("sort: must be createdAt or -createdAt");
    }

    static Optional<Instant> instant(String name, String value) {
        if (value == null || value.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(Instant.parse(value));
        } catch (DateTimeParseException e) {
            throw new BadRequestBody(
                    name + ": must be an ISO-8601 instant such as 2026-11-22T10:00:00Z");
        }
    }

    static Duration duration(String name, String value) {
        try {
            Duration d = Duration.parse(value);
            if (d.isNegative() || d.isZero()) {
                throw new BadRequestBody(name + ": must be positive");
            }
            return d;
        } catch (DateTimeParseException | NullPointerException e) {
            throw new BadRequestBody(name + ": must be an ISO-8601 duration such as PT1H");
        }
    }

    static String encodeCursor(String raw) {
        return Base64.getUrlEncoder()
                .withoutPadding()
                .encodeToString(raw.getBytes(StandardCharsets.UTF_8));
    }

    static String decodeCursor(String cursor) {
        try {
            return new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new BadRequestBody("cursor: not a cursor from a previous page");
        }
    }

    /** A 404 for a malformed id: handled by {@link ProblemMapper} like the core's. */
    static final class NotFoundProblem extends RuntimeException {
        private static final long serialVersionUID = 1L;

        NotFoundProblem(String message) {
            super(message);
        }
    }
}
