package org.bastionforest.api.cli;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A failed command: the message (one line, shown as {@code bastion: <message>}) and the exit code.
 *
 * <table>
 *   <caption>exit codes</caption>
 *   <tr><td>1</td><td>usage or input error</td></tr>
 *   <tr><td>3</td><td>authentication (401, 429)</td></tr>
 *   <tr><td>4</td><td>refused: not found, not allowed, conflict, invalid (403, 404, 409, 422, other 4xx)</td></tr>
 *   <tr><td>5</td><td>service unavailable: 5xx, cannot connect</td></tr>
 * </table>
 */
final class CliFailure extends Exception {
    private static final long serialVersionUID = 1L;

    static final int USAGE = 1;
    static final int AUTHENTICATION = 3;
    static final int REFUSED = 4;
    static final int UNAVAILABLE = 5;

    private final int exitCode;

    CliFailure(int exitCode, String message) {
        super(message);
        this.exitCode = exitCode;
    }

    int exitCode() {
        return exitCode;
    }

    static CliFailure of(int status, JsonNode problem, String path) {
        String title = problem.path("title").asText("HTTP " + status);
        String detail = problem.path("detail").asText("");
        String correlation = problem.path("correlationId").asText("");
        String message = title + (detail.isEmpty() ? "" : ": " + detail);
        if (!correlation.isEmpty()) {
            message += " (correlation id " + correlation + ")";
        }
        if (status == 404 && problem.path("type").asText("").endsWith("http-404")) {
            message = "this service does not offer " + path;
        }
        int code =
                status == 401 || status == 429
                        ? AUTHENTICATION
                        : status >= 500 ? UNAVAILABLE : REFUSED;
        return new CliFailure(code, message);
    }
}
