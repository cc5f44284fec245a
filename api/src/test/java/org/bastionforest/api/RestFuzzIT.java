package org.bastionforest.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.bastionforest.api.ProcessApi.ADMIN;

import com.fasterxml.jackson.databind.JsonNode;
import com.unboundid.ldap.sdk.LDAPConnection;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.bastionforest.shadowgroups.model.Sid;
import org.bastionforest.testldif.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fault suite: 10,000 malformed requests to the packaged service's REST API — broken and hostile
 * JSON, wrong types, unknown fields, trailing garbage, duplicate keys, huge bodies, wrong content
 * types, bad and forged credentials, bad paths and query parameters, wrong methods, and malformed
 * HTTP (bad request lines, lying lengths, oversized and broken headers, broken chunking). Valid
 * credentials are mixed in so that the handlers behind authentication are reached, but every
 * request is invalid in some way. Nothing may answer 5xx, and nothing may change: requests, grants,
 * tokens, shadow groups, bastion memberships and the audit chain (failed logins excepted) are the
 * same before and after.
 *
 * <p>Seeded: {@code -Dfuzz.seed=N} replays a run; the seed and the status histogram are printed.
 */
class RestFuzzIT {
    static final int MESSAGES = 10_000;
    static final int THREADS = 4;
    static final String ROOT = "DC=priv,DC=example";
    static final String CONTAINER =
            "CN=Shadow Principal Configuration,CN=Services,CN=Configuration," + ROOT;

    @TempDir Path dir;

    private final Map<String, AtomicLong> histogram = new ConcurrentHashMap<>();
    private final List<String> violations =
            java.util.Collections.synchronizedList(new ArrayList<>());

    private ServiceProcess s;
    private String admin;
    private String owner;
    private String other;
    private String token;
    private String requestId;
    private String grantId;

    @Test
    void fuzz_whenTenThousandMalformedRequestsArrive_thenNo5xxAndNothingChanges() throws Exception {
        ServiceProcess service = new ServiceProcess(dir);
        s = service;
        s.env.put("BASTION_REST_TLS_MODE", "none");
        try (service) {
            s.start();
            ProcessApi api = new ProcessApi(s.restPort);
            Sid sqlAdmins;
            Sid allStaff;
            List<String> users = new ArrayList<>();
            try (LDAPConnection demo = s.demoConnection()) {
                sqlAdmins =
                        Sid.fromBytes(
                                demo.getEntry(Fixtures.DEMO_SQL_ADMINS_DN, "objectSid")
                                        .getAttributeValueBytes("objectSid"));
                allStaff =
                        Sid.fromBytes(
                                demo.getEntry(Fixtures.DEMO_ALL_STAFF_DN, "objectSid")
                                        .getAttributeValueBytes("objectSid"));
                for (String m :
                        demo.getEntry(Fixtures.DEMO_ALL_STAFF_DN, "member")
                                .getAttributeValues("member")) {
                    users.add(
                            demo.getEntry(m, "sAMAccountName").getAttributeValue("sAMAccountName"));
                    if (users.size() == 3) {
                        break;
                    }
                }
            }
            api.defineGroup(sqlAdmins, Map.of("groups", List.of(allStaff.toString())));
            api.sync();
            JsonNode granted = api.grant(users.get(0), "PT60M");
            requestId = granted.get("id").asText();
            grantId = granted.get("grant").get("id").asText();
            token =
                    api.post(
                                    "api/v1/tokens",
                                    ADMIN,
                                    Map.of(
                                            "subject",
                                            users.get(2),
                                            "description",
                                            "fuzz",
                                            "scope",
                                            List.of("sql-admins"),
                                            "lifetime",
                                            "P1D"))
                            .get("token")
                            .asText();
            admin = ProcessApi.basic(ADMIN);
            owner = ProcessApi.basic(users.get(0));
            other = ProcessApi.basic(users.get(1));

            Snapshot before = snapshot(api);
            long seed = Long.getLong("fuzz.seed", System.nanoTime());
            System.out.println(
                    "RestFuzzIT seed " + seed + " (replay with -Dfuzz.seed=" + seed + ")");
            Instant started = Instant.now();
            ExecutorService pool = Executors.newFixedThreadPool(THREADS);
            try {
                List<Future<?>> work = new ArrayList<>();
                for (int t = 0; t < THREADS; t++) {
                    Random random = new Random(seed * 31 + t);
                    int thread = t;
                    work.add(pool.submit(() -> fuzz(random, thread, MESSAGES / THREADS)));
                }
                for (Future<?> w : work) {
                    w.get();
                }
            } finally {
                pool.shutdownNow();
            }
            Duration took = Duration.between(started, Instant.now());
            Map<String, Long> counts = new TreeMap<>();
            histogram.forEach((k, v) -> counts.put(k, v.get()));
            System.out.println(
                    "RestFuzzIT: " + MESSAGES + " requests in " + took.toMillis() + " ms");
            counts.forEach((k, v) -> System.out.println("  " + k + ": " + v));

            if (!violations.isEmpty()) {
                String log = s.output();
                int at = log.indexOf("api.internal-error");
                if (at >= 0) {
                    System.out.println(log.substring(at, Math.min(log.length(), at + 4000)));
                }
            }
            assertThat(violations).as("5xx answers and malformed responses").isEmpty();
            Snapshot after = snapshot(api);
            assertThat(after.requests())
                    .as("requests and their states")
                    .isEqualTo(before.requests());
            assertThat(after.tokens()).as("tokens").isEqualTo(before.tokens());
            assertThat(after.groups()).as("shadow groups").isEqualTo(before.groups());
            assertThat(after.members()).as("bastion memberships").isEqualTo(before.members());
            assertThat(after.auditOtherThanFailedLogins())
                    .as("audit events other than failed logins")
                    .isEqualTo(before.auditOtherThanFailedLogins());
            assertThat(api.post("api/v1/audit/verify", ADMIN, Map.of()).get("intact").asBoolean())
                    .as("audit chain intact")
                    .isTrue();
            assertThat(api.grant(users.get(1), "PT5M").get("state").asText())
                    .as("still serving a valid request")
                    .isEqualTo("ACTIVE");
            assertThat(s.output())
                    .as("no unhandled exception in the log")
                    .doesNotContain("api.internal-error");
        }
    }

    record Snapshot(
            TreeSet<String> requests,
            TreeSet<String> tokens,
            String groups,
            TreeSet<String> members,
            long auditOtherThanFailedLogins) {}

    private Snapshot snapshot(ProcessApi api) throws Exception {
        TreeSet<String> requests = new TreeSet<>();
        for (JsonNode r : all(api, "api/v1/requests?scope=all&limit=200")) {
            requests.add(
                    r.get("id").asText() + " " + r.get("state").asText() + " " + r.path("grant"));
        }
        TreeSet<String> tokens = new TreeSet<>();
        for (JsonNode t : api.get("api/v1/tokens", ADMIN).get("items")) {
            tokens.add(t.toString().replaceAll("\"lastUsedAt\":[^,}]*", ""));
        }
        String groups = api.get("api/v1/shadow-groups", ADMIN).toString();
        long audit = api.post("api/v1/audit/verify", ADMIN, Map.of()).get("checked").asLong();
        long failed = all(api, "api/v1/audit?type=auth.failed&limit=200").size();
        return new Snapshot(requests, tokens, groups, members(), audit - failed);
    }

    private static List<JsonNode> all(ProcessApi api, String path) throws Exception {
        List<JsonNode> items = new ArrayList<>();
        String cursor = null;
        do {
            JsonNode page = api.get(path + (cursor == null ? "" : "&cursor=" + cursor), ADMIN);
            page.get("items").forEach(items::add);
            cursor = page.hasNonNull("next") ? page.get("next").asText() : null;
        } while (cursor != null);
        return items;
    }

    private TreeSet<String> members() throws Exception {
        try (LDAPConnection b = s.bastionConnection()) {
            TreeSet<String> out = new TreeSet<>();
            for (var e :
                    b.search(
                                    CONTAINER,
                                    com.unboundid.ldap.sdk.SearchScope.ONE,
                                    "(objectClass=*)",
                                    "member")
                            .getSearchEntries()) {
                for (String m :
                        e.getAttributeValues("member") == null
                                ? new String[0]
                                : e.getAttributeValues("member")) {
                    out.add(e.getDN() + " <- " + m);
                }
            }
            return out;
        }
    }

    // ------------------------------------------------------------------ the requests

    /** A body-taking endpoint, the credentials that reach its handler, and a valid-looking body. */
    record Target(String method, String path, String auth, String body) {}

    private List<Target> targets() {
        String rid = requestId;
        return List.of(
                new Target(
                        "POST",
                        "/api/v1/requests",
                        other,
                        "{\"group\":\"sql-admins\",\"duration\":\"PT30M\",\"justification\":\"x\"}"),
                new Target(
                        "POST",
                        "/api/v1/requests",
                        "Bearer " + token,
                        "{\"group\":\"sql-admins\",\"duration\":\"PT30M\"}"),
                new Target(
                        "POST",
                        "/api/v1/requests/" + rid + "/extend",
                        owner,
                        "{\"duration\":\"PT10M\"}"),
                new Target(
                        "POST",
                        "/api/v1/requests/" + rid + "/close",
                        owner,
                        "{\"reason\":\"done\"}"),
                new Target(
                        "POST",
                        "/api/v1/grants/" + grantId + "/revoke",
                        admin,
                        "{\"reason\":\"incident\"}"),
                new Target(
                        "POST",
                        "/api/v1/grants/" + rid + "/revoke",
                        admin,
                        "{\"reason\":\"incident\"}"),
                new Target(
                        "POST",
                        "/api/v1/shadow-groups",
                        admin,
                        "{\"id\":\"fuzz-group\",\"production-group\":{\"dn\":\"CN=SQL Admins,OU=Groups,DC=corp,DC=example\"},\"eligible\":{\"users\":[\"x\"]}}"),
                new Target(
                        "PUT",
                        "/api/v1/shadow-groups/sql-admins",
                        admin,
                        "{\"id\":\"sql-admins\",\"duration\":{\"default\":\"5m\",\"maximum\":\"10m\"}}"),
                new Target(
                        "POST",
                        "/api/v1/tokens",
                        admin,
                        "{\"subject\":\"someone\",\"description\":\"d\",\"scope\":[\"sql-admins\"],\"lifetime\":\"P1D\"}"),
                new Target(
                        "POST",
                        "/api/v1/me/kerberos-password",
                        owner,
                        "{\"password\":\"a-long-password-123\"}"),
                new Target("POST", "/api/v1/me/mfa/confirm", owner, "{\"code\":\"123456\"}"),
                new Target(
                        "POST",
                        "/api/v1/principals",
                        admin,
                        "{\"name\":\"HTTP/fuzz.corp.example\"}"),
                new Target(
                        "POST", "/api/v1/approvals/" + rid + "/deny", admin, "{\"reason\":\"no\"}"),
                new Target(
                        "POST",
                        "/api/v1/requests/" + rid + "/activate",
                        owner,
                        "{\"totp\":\"123456\"}"));
    }

    /** Makes {@code body} (a JSON object) certainly invalid, in one of many ways. */
    private static String breakBody(String body, Random r) {
        String inner = body.substring(1, body.length() - 1);
        String firstKey = inner.substring(1, inner.indexOf('"', 1));
        return switch (r.nextInt(14)) {
            // truncated, never to nothing: an empty body is a valid "no reason" for close
            case 0 -> body.substring(0, 1 + r.nextInt(body.length() - 2));
            case 1 -> body + "}{\"x\":1}"; // trailing garbage
            case 2 -> body + " garbage";
            case 3 -> "{" + inner + ",\"fuzz-unknown\":1}"; // unknown field
            case 4 ->
                    "{\""
                            + firstKey
                            + "\":{\"nested\":true},"
                            + inner
                            + "}"; // duplicate key, wrong type first
            case 5 ->
                    "{" + inner + ",\"" + firstKey + "\":[1,2]}"; // duplicate key, wrong type last
            case 6 ->
                    "{\""
                            + firstKey
                            + "\":"
                            + (r.nextBoolean() ? "[\"x\"]" : "{\"a\":\"b\"}")
                            + "}"; // wrong type
            case 7 -> "{\"" + firstKey + "\":NaN}";
            case 8 -> "[" + body + "]"; // an array where an object goes
            case 9 -> "\"" + body.replace("\"", "\\\"") + "\""; // a string
            case 10 -> "[".repeat(10_000 + r.nextInt(90_000)); // deep nesting
            case 11 ->
                    "{\""
                            + firstKey
                            + "\":\""
                            + "\\ud800".repeat(3)
                            + "\\u0000\","
                            + inner
                            + ",\"z\":}";
            case 12 -> "{" + inner.replace(":", "::") + "}";
            default -> "{\"" + firstKey + "\":" + "9".repeat(400) + "e99999}";
        };
    }

    private void fuzz(Random r, int thread, int count) {
        List<Target> targets = targets();
        for (int i = 0; i < count; i++) {
            String kind;
            byte[] raw;
            String from = "127.0.0.1";
            switch (r.nextInt(8)) {
                case 0, 1, 2 -> {
                    Target t = targets.get(r.nextInt(targets.size()));
                    kind = "bad body " + t.method();
                    String body = breakBody(t.body(), r);
                    String type = r.nextInt(8) == 0 ? "text/plain" : "application/json";
                    raw =
                            request(
                                    t.method(),
                                    t.path(),
                                    t.auth(),
                                    type,
                                    body.getBytes(StandardCharsets.UTF_8));
                }
                case 3 -> {
                    Target t = targets.get(r.nextInt(targets.size()));
                    kind = "huge body";
                    byte[] big = new byte[(1 + r.nextInt(4)) << 20];
                    java.util.Arrays.fill(big, (byte) 'a');
                    big[0] = '{';
                    raw = request(t.method(), t.path(), t.auth(), "application/json", big);
                }
                case 4 -> {
                    kind = "bad auth";
                    // from other loopback addresses: the per-address throttle must not lock out the
                    // rest
                    from = "127.0." + (1 + thread) + "." + (2 + r.nextInt(250));
                    String[] paths = {
                        "/api/v1/me", "/api/v1/requests", "/api/v1/tokens", "/api/v1/shadow-groups"
                    };
                    raw =
                            request(
                                    r.nextBoolean() ? "GET" : "POST",
                                    paths[r.nextInt(paths.length)],
                                    badAuth(r),
                                    "application/json",
                                    "{\"group\":\"sql-admins\",\"duration\":\"PT30M\"}"
                                            .getBytes(StandardCharsets.UTF_8));
                }
                case 5 -> {
                    kind = "bad path or query";
                    raw = request("GET", badPath(r), r.nextBoolean() ? admin : owner, null, null);
                }
                case 6 -> {
                    kind = "wrong method";
                    String[] m = {"PATCH", "DELETE", "PUT", "TRACE", "OPTIONS", "FOO"};
                    String[] p = {
                        "/api/v1/requests",
                        "/api/v1/me",
                        "/api/v1/audit",
                        "/api/v1/grants",
                        "/api/v1/tokens/" + UUID.randomUUID(),
                        "/api/v1/shadow-groups/no-such-group",
                        "/api/v1/requests/" + requestId
                    };
                    raw =
                            request(
                                    m[r.nextInt(m.length)],
                                    p[r.nextInt(p.length)],
                                    admin,
                                    "application/json",
                                    "{}".getBytes(StandardCharsets.UTF_8));
                }
                default -> {
                    kind = "malformed HTTP";
                    raw = badHttp(r);
                }
            }
            if (kind.equals("malformed HTTP")) {
                from = "127.0." + (1 + thread) + "." + (2 + r.nextInt(250)); // may fail to log in
            }
            String outcome = exchange(from, raw);
            count(kind + " -> " + outcome);
            boolean versionRefused =
                    outcome.equals("505") && head(raw).startsWith("GET /api/v1/me HTTP/9.9");
            if (outcome.startsWith("5") && !versionRefused) {
                violations.add(kind + " answered " + outcome + ": " + head(raw));
            }
            if (kind.startsWith("bad body") && outcome.startsWith("2")) {
                violations.add(
                        "a malformed body was accepted ("
                                + outcome
                                + "): "
                                + head(raw)
                                + " BODY "
                                + new String(
                                                raw,
                                                Math.max(0, raw.length - 300),
                                                Math.min(300, raw.length),
                                                StandardCharsets.ISO_8859_1)
                                        .replaceAll(
                                                "Authorization: [^\r]*",
                                                "Authorization: <redacted>"));
            }
        }
    }

    private String badAuth(Random r) {
        String user = "fuzz" + r.nextInt(1_000_000);
        return switch (r.nextInt(9)) {
            case 0 ->
                    "Basic "
                            + Base64.getEncoder()
                                    .encodeToString(
                                            (user + ":wrong").getBytes(StandardCharsets.UTF_8));
            case 1 -> "Basic !!!not-base64!!!";
            case 2 ->
                    "Basic "
                            + Base64.getEncoder()
                                    .encodeToString(
                                            user.getBytes(StandardCharsets.UTF_8)); // no colon
            case 3 ->
                    "Basic "
                            + Base64.getEncoder()
                                    .encodeToString(
                                            (user + ":")
                                                    .getBytes(
                                                            StandardCharsets
                                                                    .UTF_8)); // empty password
            case 4 -> "Bearer bft_" + UUID.randomUUID(); // forged token
            case 5 ->
                    "Bearer "
                            + token.substring(0, token.length() - 2)
                            + "xx"; // a real token, altered
            case 6 ->
                    "Negotiate "
                            + Base64.getEncoder().encodeToString(new byte[] {0x60, 0x05, 1, 2, 3});
            case 7 -> "Digest username=\"" + user + "\"";
            default ->
                    "Basic "
                            + Base64.getEncoder()
                                    .encodeToString(
                                            ("*)(uid=*))(|(uid=*:" + "x")
                                                    .getBytes(StandardCharsets.UTF_8));
        };
    }

    private String badPath(Random r) {
        String[] paths = {
            "/api/v1/requests/" + "9".repeat(5000),
            "/api/v1/requests/..%2F..%2F..%2Fetc%2Fpasswd",
            "/api/v1/requests/%00",
            "/api/v1/requests/%ZZ",
            "/api/v1/requests/" + UUID.randomUUID(),
            "/api/v1/requests?limit=0",
            "/api/v1/requests?limit=-1",
            "/api/v1/requests?limit=999999999999",
            "/api/v1/requests?limit=abc",
            "/api/v1/requests?cursor=" + "A".repeat(r.nextInt(3000)),
            "/api/v1/requests?cursor=%FF%FE",
            "/api/v1/requests?sort=password",
            "/api/v1/requests?state=NOPE",
            "/api/v1/requests?scope=everything",
            "/api/v1/audit?from=yesterday",
            "/api/v1/audit?to=2026-13-45T99:99:99Z",
            "/api/v1/audit/export?format=exe",
            "/api/v1/principals/no-such-principal/keytab",
            "/api/v1/principals/..%2Fkrbtgt/keytab",
            "/api/v1/shadow-groups/" + "x".repeat(300),
            "/api/v1/krb5.conf?realm=%0d%0aX-Injected:1",
            "/api/v1/../../../../etc/passwd",
            "/api/v1/me/%2e%2e/%2e%2e/admin",
            "/api/v1/approvals/not-a-uuid",
        };
        return paths[r.nextInt(paths.length)];
    }

    private byte[] badHttp(Random r) {
        String host = "Host: 127.0.0.1:" + s.restPort + "\r\n";
        String[] raw = {
            "GARBAGE\r\n\r\n",
            "GET\r\n\r\n",
            "GET /api/v1/me HTTP/9.9\r\n" + host + "\r\n",
            "GET /api/v1/me\r\n\r\n",
            "GET /api/v1/me HTTP/1.1\r\n\r\n", // no Host
            "GET /api/v1/me HTTP/1.1\r\n" + host + "X-Big: " + "x".repeat(200_000) + "\r\n\r\n",
            "GET /api/v1/me HTTP/1.1\r\n" + host + "X-H: 1\r\n".repeat(5000) + "\r\n",
            "POST /api/v1/requests HTTP/1.1\r\n"
                    + host
                    + "Authorization: "
                    + owner
                    + "\r\nContent-Type: application/json\r\nContent-Length: -5\r\n\r\n{}",
            "POST /api/v1/requests HTTP/1.1\r\n"
                    + host
                    + "Authorization: "
                    + owner
                    + "\r\nContent-Type: application/json\r\nContent-Length: abc\r\n\r\n{}",
            "POST /api/v1/requests HTTP/1.1\r\n"
                    + host
                    + "Authorization: "
                    + owner
                    + "\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"group\":",
            "POST /api/v1/requests HTTP/1.1\r\n"
                    + host
                    + "Authorization: "
                    + owner
                    + "\r\nContent-Type: application/json\r\nContent-Length: 2\r\nContent-Length: 40\r\n\r\n{}",
            "POST /api/v1/requests HTTP/1.1\r\n"
                    + host
                    + "Authorization: "
                    + owner
                    + "\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\n{}\r\n0\r\n\r\n",
            "POST /api/v1/requests HTTP/1.1\r\n"
                    + host
                    + "Authorization: "
                    + owner
                    + "\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFF\r\n{}",
            "GET /api/v1/me HTTP/1.1\r\n"
                    + host
                    + "Authorization: "
                    + admin
                    + "\r\nAuthorization: Bearer x\r\n\r\n",
            "GET /api/v1/me HTTP/1.1\r\n" + host + "Bad Header Without Colon\r\n\r\n",
            "GET /api/v1/me HTTP/1.1\r\n" + host + "Authorization: Basic \u00ff\u00fe\r\n\r\n",
            "GET /api/v1/me HTTP/1.1\r\n"
                    + host
                    + "Content-Type: application/json; charset=nope\r\n\r\n",
            "\r\n\r\n\r\n",
        };
        String pick = raw[r.nextInt(raw.length)];
        return pick.getBytes(StandardCharsets.ISO_8859_1);
    }

    private byte[] request(String method, String path, String auth, String type, byte[] body) {
        StringBuilder h = new StringBuilder();
        h.append(method).append(' ').append(path).append(" HTTP/1.1\r\n");
        h.append("Host: 127.0.0.1:").append(s.restPort).append("\r\n");
        if (auth != null) {
            h.append("Authorization: ").append(auth).append("\r\n");
        }
        if (type != null) {
            h.append("Content-Type: ").append(type).append("\r\n");
        }
        if (body != null) {
            h.append("Content-Length: ").append(body.length).append("\r\n");
        }
        h.append("Connection: close\r\n\r\n");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(h.toString().getBytes(StandardCharsets.UTF_8));
        if (body != null) {
            out.writeBytes(body);
        }
        return out.toByteArray();
    }

    /** Sends {@code raw}; answers the status code, or what happened instead. */
    private String exchange(String from, byte[] raw) {
        try (Socket socket = new Socket()) {
            socket.bind(new InetSocketAddress(InetAddress.getByName(from), 0));
            socket.connect(new InetSocketAddress("127.0.0.1", s.restPort), 5000);
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            try {
                out.write(raw);
                out.flush();
                socket.shutdownOutput();
            } catch (IOException refusedMidway) {
                // a server may answer (413) and close before a huge body is sent
            }
            InputStream in = socket.getInputStream();
            byte[] head = in.readNBytes(12);
            if (head.length == 0) {
                return "closed";
            }
            String line = new String(head, StandardCharsets.ISO_8859_1);
            if (!line.matches("HTTP/1\\.[01] \\d{3}")) {
                violations.add("not an HTTP response: " + line);
                return "malformed response";
            }
            in.transferTo(OutputStream.nullOutputStream());
            return line.substring(9, 12);
        } catch (SocketTimeoutException e) {
            return "no answer in 10 s";
        } catch (IOException e) {
            return "reset";
        }
    }

    private static String head(byte[] raw) {
        String s = new String(raw, 0, Math.min(raw.length, 600), StandardCharsets.ISO_8859_1);
        return s.replaceAll("Authorization: [^\r]*", "Authorization: <redacted>");
    }

    private void count(String what) {
        histogram.computeIfAbsent(what, k -> new AtomicLong()).incrementAndGet();
    }
}
