package org.bastionforest.api.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * The client subcommands of {@code bastion}. Each calls the REST API through {@link ApiClient},
 * prints a table (or the JSON with {@code --json}) and returns the exit code of {@link CliFailure}.
 */
public final class ClientCommands {
    private ClientCommands() {}

    /** Every client subcommand, for registration on the {@code bastion} command. */
    public static final List<Class<?>> ALL =
            List.of(
                    WhoAmI.class,
                    Sync.class,
                    Groups.class,
                    Request.class,
                    Requests.class,
                    Approve.class,
                    Deny.class,
                    Close.class,
                    Extend.class,
                    Cancel.class,
                    Grants.class,
                    Revoke.class,
                    Audit.class,
                    Keytab.class,
                    Krb5Conf.class,
                    Token.class);

    /** What every client command shares: the connection, output and error handling. */
    abstract static class Base implements Callable<Integer> {
        @Mixin Connection connection;
        @Spec CommandSpec spec;

        abstract void run(ApiClient api, PrintWriter out) throws CliFailure;

        @Override
        public final Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            try {
                run(connection.client(), out);
                out.flush();
                return 0;
            } catch (CliFailure f) {
                PrintWriter err = spec.commandLine().getErr();
                err.println("bastion: " + f.getMessage());
                err.flush();
                return f.exitCode();
            }
        }

        void print(PrintWriter out, JsonNode json, String[] columns, String... fields) {
            if (connection.json) {
                out.println(json.toPrettyString());
                return;
            }
            JsonNode items = json.has("items") ? json.get("items") : json;
            List<String[]> rows = new ArrayList<>();
            rows.add(columns);
            if (items.isArray()) {
                items.forEach(i -> rows.add(row(i, fields)));
            } else {
                rows.add(row(items, fields));
            }
            table(out, rows);
        }

        private static String[] row(JsonNode n, String[] fields) {
            String[] r = new String[fields.length];
            for (int i = 0; i < fields.length; i++) {
                JsonNode v = n.at("/" + fields[i].replace('.', '/'));
                r[i] =
                        v.isMissingNode() || v.isNull()
                                ? "-"
                                : v.isValueNode() ? v.asText() : v.toString();
            }
            return r;
        }

        static void table(PrintWriter out, List<String[]> rows) {
            int[] width = new int[rows.get(0).length];
            for (String[] r : rows) {
                for (int i = 0; i < r.length; i++) {
                    width[i] = Math.max(width[i], r[i].length());
                }
            }
            for (String[] r : rows) {
                StringBuilder b = new StringBuilder();
                for (int i = 0; i < r.length; i++) {
                    b.append(
                            i == r.length - 1
                                    ? r[i]
                                    : String.format("%-" + (width[i] + 2) + "s", r[i]));
                }
                out.println(b.toString().stripTrailing());
            }
        }
    }

    /** A command that only groups subcommands: alone, it prints its usage and exits 1. */
    abstract static class Parent implements Callable<Integer> {
        @Spec CommandSpec spec;

        @Override
        public Integer call() {
            spec.commandLine().usage(spec.commandLine().getOut());
            return CliFailure.USAGE;
        }
    }

    static final String[] REQUEST_COLUMNS = {"ID", "GROUP", "USER", "STATE", "ENDS"};
    static final String[] REQUEST_FIELDS = {"id", "group", "requester", "state", "grant.endsAt"};

    /** {@code 90m}, {@code 1h}, {@code 2d} or ISO-8601, as the API's ISO-8601. */
    static String isoDuration(String text) throws CliFailure {
        Matcher m = Pattern.compile("([0-9]{1,6})(m|h|d)").matcher(text.toLowerCase(Locale.ROOT));
        if (m.matches()) {
            return switch (m.group(2)) {
                case "m" -> "PT" + m.group(1) + "M";
                case "h" -> "PT" + m.group(1) + "H";
                default -> "P" + m.group(1) + "D";
            };
        }
        if (text.toUpperCase(Locale.ROOT).startsWith("P")) {
            return text.toUpperCase(Locale.ROOT);
        }
        throw new CliFailure(
                CliFailure.USAGE, "'" + text + "' is not a duration such as 30m, 1h, 1d or PT1H");
    }

    static String segment(String id) {
        return URLEncoder.encode(id, StandardCharsets.UTF_8).replace("+", "%20");
    }

    @Command(name = "whoami", description = "Who the service thinks you are.")
    static final class WhoAmI extends Base {
        @Override
        void run(ApiClient api, PrintWriter out) throws CliFailure {
            print(
                    out,
                    api.get("api/v1/me"),
                    new String[] {"USER", "AUTHENTICATION", "ADMINISTRATOR", "MFA"},
                    "user",
                    "authentication",
                    "administrator",
                    "mfaEnrolled");
        }
    }

    @Command(
            name = "sync",
            description = "Run the production -> bastion sync now (administrators).")
    static final class Sync extends Base {
        @Option(names = "--dry-run", description = "only show what a run would change")
        boolean dryRun;

        @Option(names = "--full", description = "read everything, not only changes")
        boolean full;

        @Option(
                names = "--allow-mass-delete",
                description = "let deletions over the mass-delete guard through, this once")
        boolean allowMassDelete;

        @Option(names = "--status", description = "show the last runs instead of running")
        boolean status;

        @Override
        void run(ApiClient api, PrintWriter out) throws CliFailure {
            if (status) {
                print(
                        out,
                        api.get("api/v1/sync"),
                        new String[] {
                            "STARTED", "OUTCOME", "ADDED", "UPDATED", "DELETED", "FAILED", "MS"
                        },
                        "startedAt",
                        "outcome",
                        "added",
                        "updated",
                        "deleted",
                        "failed",
                        "durationMillis");
                return;
            }
            JsonNode r =
                    api.post(
                            "api/v1/sync?dryRun="
                                    + dryRun
                                    + "&full="
                                    + full
                                    + "&allowMassDelete="
                                    + allowMassDelete,
                            null);
            if (connection.json) {
                out.println(r.toPrettyString());
                return;
            }
            out.printf(
                    "%s%s: %d added, %d updated, %d renamed, %d deleted, %d failed, %d ended (%d ms)%n",
                    dryRun ? "plan " : "",
                    r.path("outcome").asText(),
                    r.path("added").asInt(),
                    r.path("updated").asInt(),
                    r.path("renamed").asInt(),
                    r.path("deleted").asInt(),
                    r.path("failed").asInt(),
                    r.path("revoked").asInt(),
                    r.path("durationMillis").asLong());
            r.path("plan").forEach(line -> out.println("  " + line.asText()));
            if (!r.path("message").asText().isEmpty()) {
                out.println(r.path("message").asText());
            }
        }
    }

    @Command(
            name = "groups",
            description = "Shadow groups: list, or import a policy file (administrators).",
            subcommands = {Groups.ListGroups.class, Groups.Import.class})
    static final class Groups extends Parent {

        @Command(name = "list", description = "The shadow groups you may request or approve.")
        static final class ListGroups extends Base {
            @Override
            void run(ApiClient api, PrintWriter out) throws CliFailure {
                print(
                        out,
                        api.get("api/v1/shadow-groups"),
                        new String[] {"ID", "NAME", "MAX", "ELIGIBLE", "APPROVER"},
                        "id",
                        "display-name",
                        "duration.maximum",
                        "eligible",
                        "approver");
            }
        }

        @Command(name = "import", description = "Apply a policy file (YAML), or show its plan.")
        static final class Import extends Base {
            @Parameters(paramLabel = "FILE", description = "the policy file")
            Path file;

            @Option(names = "--dry-run", description = "only show the plan")
            boolean dryRun;

            @Option(
                    names = "--delete-missing",
                    description = "also delete groups the file does not list")
            boolean deleteMissing;

            @Override
            void run(ApiClient api, PrintWriter out) throws CliFailure {
                String yaml;
                try {
                    yaml = Files.readString(file, StandardCharsets.UTF_8);
                } catch (IOException e) {
                    throw new CliFailure(CliFailure.USAGE, "cannot read " + file);
                }
                JsonNode r =
                        api.postText(
                                "api/v1/shadow-groups:import?dryRun="
                                        + dryRun
                                        + "&deleteMissing="
                                        + deleteMissing,
                                "application/yaml",
                                yaml);
                if (connection.json) {
                    out.println(r.toPrettyString());
                    return;
                }
                if (r.path("changes").isEmpty()) {
                    out.println("no changes");
                }
                r.path("changes").forEach(c -> out.println(c.asText()));
                out.println(dryRun ? "(dry run: nothing changed)" : "applied");
            }
        }
    }

    @Command(name = "request", description = "Ask for a shadow group.")
    static final class Request extends Base {
        @Parameters(paramLabel = "GROUP", description = "the shadow group's id")
        String group;

        @Option(
                names = "--for",
                paramLabel = "DURATION",
                description = "how long: 30m, 1h, 1d (default: the policy's)")
        String duration;

        @Option(names = "--reason", paramLabel = "TEXT", description = "the justification")
        String reason;

        @Option(names = "--ticket", paramLabel = "REF", description = "a ticket reference")
        String ticket;

        @Option(
                names = "--start",
                paramLabel = "INSTANT",
                description = "a later start, ISO-8601 (2026-11-23T08:00:00Z)")
        String start;

        @Option(
                names = "--totp",
                paramLabel = "CODE",
                description = "a TOTP code, for groups that require MFA")
        String totp;

        @Override
        void run(ApiClient api, PrintWriter out) throws CliFailure {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("group", group);
            if (duration != null) {
                body.put("duration", isoDuration(duration));
            }
            body.put("justification", reason == null ? "" : reason);
            if (ticket != null) {
                body.put("ticket", ticket);
            }
            if (start != null) {
                body.put("start", start);
            }
            if (totp != null) {
                body.put("totp", totp);
            }
            print(out, api.post("api/v1/requests", body), REQUEST_COLUMNS, REQUEST_FIELDS);
        }
    }

    @Command(name = "requests", description = "Your requests (--all: everybody's, administrators).")
    static final class Requests extends Base {
        @Option(names = "--all", description = "everybody's")
        boolean all;

        @Option(
                names = "--state",
                paramLabel = "STATE",
                description = "only this state (repeatable)")
        List<String> states = new ArrayList<>();

        @Override
        void run(ApiClient api, PrintWriter out) throws CliFailure {
            StringBuilder q = new StringBuilder("api/v1/requests?limit=200");
            if (all) {
                q.append("&scope=all");
            }
            for (String s : states) {
                q.append("&state=").append(segment(s.toUpperCase(Locale.ROOT)));
            }
            print(out, api.get(q.toString()), REQUEST_COLUMNS, REQUEST_FIELDS);
        }
    }

    @Command(name = "approve", description = "Approve a request waiting for you.")
    static final class Approve extends Base {
        @Parameters(paramLabel = "ID")
        String id;

        @Override
        void run(ApiClient api, PrintWriter out) throws CliFailure {
            print(
                    out,
                    api.post("api/v1/approvals/" + segment(id) + "/approve", null),
                    REQUEST_COLUMNS,
                    REQUEST_FIELDS);
        }
    }

    @Command(name = "deny", description = "Deny a request waiting for you.")
    static final class Deny extends Base {
        @Parameters(paramLabel = "ID")
        String id;

        @Option(names = "--reason", required = true, paramLabel = "TEXT")
        String reason;

        @Override
        void run(ApiClient api, PrintWriter out) throws CliFailure {
            print(
                    out,
                    api.post("api/v1/approvals/" + segment(id) + "/deny", Map.of("reason", reason)),
                    REQUEST_COLUMNS,
                    REQUEST_FIELDS);
        }
    }

    @Command(name = "close", description = "End your grant early.")
    static final class Close extends Base {
        @Parameters(paramLabel = "ID")
        String id;

        @Option(names = "--reason", paramLabel = "TEXT")
        String reason = "";

        @Override
        void run(ApiClient api, PrintWriter out) throws CliFailure {
            print(
                    out,
                    api.post("api/v1/requests/" + segment(id) + "/close", Map.of("reason", reason)),
                    REQUEST_COLUMNS,
                    REQUEST_FIELDS);
        }
    }

    @Command(name = "extend", description = "Extend your active grant.")
    static final class Extend extends Base {
        @Parameters(paramLabel = "ID")
        String id;

        @Option(names = "--for", required = true, paramLabel = "DURATION")
        String duration;

        @Override
        void run(ApiClient api, PrintWriter out) throws CliFailure {
            print(
                    out,
                    api.post(
                            "api/v1/requests/" + segment(id) + "/extend",
                            Map.of("duration", isoDuration(duration))),
                    REQUEST_COLUMNS,
                    REQUEST_FIELDS);
        }
    }

    @Command(name = "cancel", description = "Withdraw your pending or approved request.")
    static final class Cancel extends Base {
        @Parameters(paramLabel = "ID")
        String id;

        @Override
        void run(ApiClient api, PrintWriter out) throws CliFailure {
            print(
                    out,
                    api.post("api/v1/requests/" + segment(id) + "/cancel", null),
                    REQUEST_COLUMNS,
                    REQUEST_FIELDS);
        }
    }

    @Command(
            name = "grants",
            description = "Active grants: yours (--all: everybody's, administrators).")
    static final class Grants extends Base {
        @Option(names = "--all", description = "everybody's")
        boolean all;

        @Override
        void run(ApiClient api, PrintWriter out) throws CliFailure {
            print(
                    out,
                    api.get("api/v1/grants?limit=200" + (all ? "&scope=all" : "")),
                    REQUEST_COLUMNS,
                    REQUEST_FIELDS);
        }
    }

    @Command(name = "revoke", description = "Revoke a grant (administrators).")
    static final class Revoke extends Base {
        @Parameters(paramLabel = "ID")
        String id;

        @Option(names = "--reason", required = true, paramLabel = "TEXT")
        String reason;

        @Override
        void run(ApiClient api, PrintWriter out) throws CliFailure {
            print(
                    out,
                    api.post("api/v1/grants/" + segment(id) + "/revoke", Map.of("reason", reason)),
                    REQUEST_COLUMNS,
                    REQUEST_FIELDS);
        }
    }

    @Command(
            name = "audit",
            description = "The audit log (administrators).",
            subcommands = {Audit.Verify.class, Audit.Export.class})
    static final class Audit extends Parent {

        @Command(
                name = "verify",
                description =
                        "Check the hash chain and this node's audit journal; exit 4 when broken.")
        static final class Verify extends Base {
            @Override
            void run(ApiClient api, PrintWriter out) throws CliFailure {
                JsonNode r = api.post("api/v1/audit/verify", null);
                if (connection.json) {
                    out.println(r.toPrettyString());
                } else {
                    out.println(
                            (r.path("intact").asBoolean() ? "intact" : "BROKEN")
                                    + ": "
                                    + r.path("checked").asLong()
                                    + " events checked");
                    r.path("problems").forEach(p -> out.println("  " + p.asText()));
                    JsonNode j = r.path("journal");
                    if (j.isObject()) {
                        out.println(
                                "journal "
                                        + j.path("id").asText()
                                        + ": "
                                        + (j.path("intact").asBoolean() ? "intact" : "BROKEN")
                                        + ": "
                                        + j.path("checked").asLong()
                                        + " records checked");
                        j.path("problems").forEach(p -> out.println("  " + p.asText()));
                    }
                }
                if (!r.path("intact").asBoolean()) {
                    throw new CliFailure(CliFailure.REFUSED, "the audit chain is broken");
                }
            }
        }

        @Command(name = "export", description = "Export events as JSON lines or CSV.")
        static final class Export extends Base {
            @Option(names = "--format", paramLabel = "jsonl|csv")
            String format = "jsonl";

            @Option(
                    names = {"-o", "--output"},
                    paramLabel = "FILE")
            Path output;

            @Override
            void run(ApiClient api, PrintWriter out) throws CliFailure {
                byte[] data = api.getBytes("api/v1/audit/export?format=" + segment(format));
                if (output == null) {
                    out.print(new String(data, StandardCharsets.UTF_8));
                    return;
                }
                try {
                    Files.write(output, data);
                } catch (IOException e) {
                    throw new CliFailure(CliFailure.USAGE, "cannot write " + output);
                }
            }
        }
    }

    @Command(
            name = "keytab",
            description = "Service principal keytabs (administrators).",
            subcommands = {Keytab.Export.class})
    static final class Keytab extends Parent {

        @Command(name = "export", description = "Write a service principal's keytab (mode 0600).")
        static final class Export extends Base {
            @Parameters(paramLabel = "PRINCIPAL", description = "e.g. HTTP/web01.corp.example")
            String principal;

            @Option(
                    names = {"-o", "--output"},
                    required = true,
                    paramLabel = "FILE")
            Path output;

            @Override
            void run(ApiClient api, PrintWriter out) throws CliFailure {
                StringBuilder path = new StringBuilder("api/v1/principals/");
                for (String part : principal.split("/")) {
                    path.append(segment(part)).append('/');
                }
                byte[] keytab = api.getBytes(path + "keytab");
                try {
                    Files.deleteIfExists(output);
                    Files.createFile(
                            output,
                            PosixFilePermissions.asFileAttribute(
                                    PosixFilePermissions.fromString("rw-------")));
                    Files.write(output, keytab);
                } catch (IOException | UnsupportedOperationException e) {
                    throw new CliFailure(CliFailure.USAGE, "cannot write " + output);
                }
                out.println("wrote " + output + " (" + keytab.length + " bytes)");
            }
        }
    }

    @Command(name = "krb5conf", description = "A krb5.conf for the bastion realm.")
    static final class Krb5Conf extends Base {
        @Override
        void run(ApiClient api, PrintWriter out) throws CliFailure {
            out.print(new String(api.getBytes("api/v1/krb5.conf"), StandardCharsets.UTF_8));
        }
    }

    @Command(
            name = "token",
            description = "API tokens (administrators).",
            subcommands = {Token.Create.class})
    static final class Token extends Parent {

        @Command(name = "create", description = "Create a token; it is printed once.")
        static final class Create extends Base {
            @Parameters(paramLabel = "SUBJECT", description = "the identity it acts as")
            String subject;

            @Option(names = "--scope", required = true, split = ",", paramLabel = "GROUP")
            List<String> scope;

            @Option(names = "--lifetime", paramLabel = "DURATION")
            String lifetime = "90d";

            @Option(names = "--description", paramLabel = "TEXT")
            String description = "";

            @Override
            void run(ApiClient api, PrintWriter out) throws CliFailure {
                JsonNode r =
                        api.post(
                                "api/v1/tokens",
                                Map.of(
                                        "subject",
                                        subject,
                                        "scope",
                                        scope,
                                        "lifetime",
                                        isoDuration(lifetime),
                                        "description",
                                        description.isEmpty() ? subject : description));
                if (connection.json) {
                    out.println(r.toPrettyString());
                } else {
                    out.println(r.path("token").asText());
                    out.println(
                            "(shown once; id "
                                    + r.path("id").asText()
                                    + ", expires "
                                    + r.path("expiresAt").asText()
                                    + ")");
                }
            }
        }
    }
}
