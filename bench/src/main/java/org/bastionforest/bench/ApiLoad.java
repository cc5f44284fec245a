package org.bastionforest.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.unboundid.ldap.sdk.LDAPConnection;
import com.unboundid.ldap.sdk.LDAPException;
import com.unboundid.ldap.sdk.SearchResultEntry;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bastionforest.shadowgroups.model.Sid;
import org.bastionforest.testldif.Fixtures;
import org.bastionforest.testsupport.ExternalTools;
import org.bastionforest.testsupport.FreePorts;
import org.bastionforest.testsupport.ManagedProcess;

/**
 * The REST API under load, against the packaged service in its own JVM (the embedded defaults:
 * HSQLDB, embedded bastion directory, the demo production forest of 2,000 users), plain HTTP on
 * loopback.
 *
 * <ol>
 *   <li><b>Request to ACTIVE</b> for a shadow group without approval, open loop at a fixed rate
 *       (latency counted from the instant each request was due, so a stalled server is not hidden
 *       by a stalled client), once with API tokens and once with Basic authentication; and for each
 *       grant the time until its membership is seen in the bastion directory.
 *   <li><b>Authenticated reads</b> ({@code GET /api/v1/me}) at maximum throughput with {@code wrk},
 *       Bearer and Basic, against two references measured in the same run: {@code GET /version}
 *       (the same HTTP stack, no authentication: the floor) and raw LDAP simple binds with the SDK
 *       against the production directory from as many threads (the floor of Basic: one bind).
 * </ol>
 *
 * <pre>
 * ./mvnw -B -q install -DskipTests
 * java -cp "bench/target/classes:$(cat bench/target/classpath.txt)" \
 *     org.bastionforest.bench.ApiLoad 100 8 15 16
 * </pre>
 *
 * Arguments: requests per second, seconds per auth path, seconds per read run, concurrent
 * connections for the reads.
 */
public final class ApiLoad {
    static final String ADMIN = "zangstroem";
    static final String GROUP = "sql-admins";
    static final ObjectMapper JSON = new ObjectMapper();
    private static final String CONTAINER =
            "CN=Shadow Principal Configuration,CN=Services,CN=Configuration,DC=priv,DC=example";

    private ApiLoad() {}

    /**
     * Latencies of one open-loop write run, in microseconds, sorted.
     *
     * @param path the authentication path
     * @param requests requests sent
     * @param errors responses that were not 201 ACTIVE, and failed sends
     * @param activeMicros due instant to the ACTIVE answer
     * @param memberMicros due instant to the membership seen in the bastion directory
     * @param pollMillis how often the directory was read (the resolution of memberMicros)
     */
    public record WriteRun(
            String path,
            int requests,
            int errors,
            long[] activeMicros,
            long[] memberMicros,
            int pollMillis) {}

    /**
     * One read throughput run.
     *
     * @param what what was read, how
     * @param perSecond requests (or binds) per second
     * @param p50Millis median latency
     * @param p99Millis 99th percentile latency
     * @param errors non-2xx responses and socket errors (wrk), failed binds
     */
    public record ReadRun(
            String what, double perSecond, double p50Millis, double p99Millis, long errors) {}

    /**
     * The result.
     *
     * @param rate requests per second of the write runs
     * @param writes the write runs
     * @param reads the read runs
     */
    public record Result(int rate, List<WriteRun> writes, List<ReadRun> reads) {
        /** Markdown tables of the result. */
        public String markdown() {
            StringBuilder b = new StringBuilder();
            b.append(
                    String.format(
                            Locale.ROOT,
                            "| request -> ACTIVE at %d/s | requests | errors | p50 | p99 | max |"
                                    + " membership seen p50 | p99 |%n",
                            rate));
            b.append("| --- | --- | --- | --- | --- | --- | --- | --- |\n");
            for (WriteRun w : writes) {
                b.append(
                        String.format(
                                Locale.ROOT,
                                "| %s | %d | %d | %s | %s | %s | %s | %s |%n",
                                w.path(),
                                w.requests(),
                                w.errors(),
                                ms(BenchSupport.pct(w.activeMicros(), 50)),
                                ms(BenchSupport.pct(w.activeMicros(), 99)),
                                ms(BenchSupport.pct(w.activeMicros(), 100)),
                                ms(BenchSupport.pct(w.memberMicros(), 50)),
                                ms(BenchSupport.pct(w.memberMicros(), 99))));
            }
            b.append("\n| authenticated reads | per second | p50 | p99 | errors |\n");
            b.append("| --- | --- | --- | --- | --- |\n");
            for (ReadRun r : reads) {
                b.append(
                        String.format(
                                Locale.ROOT,
                                "| %s | %.0f | %.2f ms | %.2f ms | %d |%n",
                                r.what(),
                                r.perSecond(),
                                r.p50Millis(),
                                r.p99Millis(),
                                r.errors()));
            }
            return b.toString();
        }
    }

    /**
     * Runs the benchmark.
     *
     * @param rate requests per second for the write runs
     * @param writeSeconds seconds per write run (rate x seconds x 2 must not exceed the 1,939
     *     enabled demo users: each gets one grant)
     * @param readSeconds seconds per read run
     * @param connections concurrent connections (and SDK threads) for the read runs
     * @param wrk the wrk executable
     */
    public static Result run(int rate, int writeSeconds, int readSeconds, int connections, Path wrk)
            throws Exception {
        int perPath = rate * writeSeconds;
        Path dir = Files.createTempDirectory("bastion-bench-api-");
        try (Service s = Service.start(dir)) {
            Http admin = new Http(s.restPort, basic(ADMIN));
            int warmUp = Math.min(100, rate * 2);
            List<String> users = allStaff(s.demoPort, 2 * perPath + 2 * warmUp);
            if (users.size() < 2 * perPath + 2 * warmUp) {
                throw new IllegalArgumentException(
                        "rate x seconds x 2 must not exceed " + (users.size() - 2 * warmUp));
            }
            defineGroup(admin, s.demoPort);
            sync(admin);
            List<String> tokenUsers = users.subList(0, perPath);
            List<String> basicUsers = users.subList(perPath, 2 * perPath);
            Map<String, String> auth = new HashMap<>();
            for (String u : tokenUsers) {
                auth.put(u, "Bearer " + token(admin, u));
            }
            for (String u : basicUsers) {
                auth.put(u, basic(u));
            }
            // warm-up, not recorded: the JIT compiles both paths before either is measured
            List<String> warmTokens = users.subList(2 * perPath, 2 * perPath + warmUp);
            List<String> warmBasic = users.subList(2 * perPath + warmUp, users.size());
            for (String u : warmTokens) {
                auth.put(u, "Bearer " + token(admin, u));
            }
            for (String u : warmBasic) {
                auth.put(u, basic(u));
            }
            writes(s, "warm-up", warmTokens, auth, rate);
            writes(s, "warm-up", warmBasic, auth, rate);
            List<WriteRun> writes = new ArrayList<>();
            writes.add(writes(s, "API token", tokenUsers, auth, rate));
            writes.add(writes(s, "Basic (LDAP bind)", basicUsers, auth, rate));

            List<ReadRun> reads = new ArrayList<>();
            String rest = "http://127.0.0.1:" + s.restPort;
            reads.add(
                    wrk(
                            wrk,
                            "GET /version, no authentication (reference)",
                            rest + "/version",
                            null,
                            readSeconds,
                            connections));
            reads.add(
                    wrk(
                            wrk,
                            "GET /api/v1/me, API token",
                            rest + "/api/v1/me",
                            auth.get(tokenUsers.get(0)),
                            readSeconds,
                            connections));
            reads.add(
                    wrk(
                            wrk,
                            "GET /api/v1/me, Basic",
                            rest + "/api/v1/me",
                            auth.get(basicUsers.get(0)),
                            readSeconds,
                            connections));
            reads.add(sdkBinds(s.demoPort, basicUsers.get(0), readSeconds, connections));
            return new Result(rate, writes, reads);
        } finally {
            BenchSupport.deleteTree(dir);
        }
    }

    /**
     * Prints the result tables.
     *
     * @param args rate (100), seconds per write run (8), seconds per read run (15), connections
     *     (16)
     */
    public static void main(String[] args) throws Exception {
        int rate = args.length > 0 ? Integer.parseInt(args[0]) : 100;
        int writeSeconds = args.length > 1 ? Integer.parseInt(args[1]) : 8;
        int readSeconds = args.length > 2 ? Integer.parseInt(args[2]) : 15;
        int connections = args.length > 3 ? Integer.parseInt(args[3]) : 16;
        Path wrk =
                ExternalTools.find("wrk")
                        .orElseThrow(
                                () -> new IllegalStateException("needs wrk: apt-get install wrk"));
        Result r = run(rate, writeSeconds, readSeconds, connections, wrk);
        System.out.println(
                "API load: "
                        + Runtime.getRuntime().availableProcessors()
                        + " CPUs, service -Xmx256m, "
                        + connections
                        + " connections for reads");
        System.out.println(r.markdown());
    }

    private static WriteRun writes(
            Service s, String path, List<String> users, Map<String, String> auth, int rate)
            throws Exception {
        int n = users.size();
        long[] due = new long[n];
        long[] active = new long[n];
        AtomicInteger errors = new AtomicInteger();
        Map<String, Long> seen = new ConcurrentHashMap<>();
        AtomicBoolean watching = new AtomicBoolean(true);
        int pollMillis = 100;
        Thread watcher =
                new Thread(() -> watch(s, users, seen, watching, pollMillis), "bench-watcher");
        watcher.start();
        HttpClient http =
                HttpClient.newBuilder()
                        .version(HttpClient.Version.HTTP_1_1)
                        .connectTimeout(Duration.ofSeconds(5))
                        .build();
        URI uri = URI.create("http://127.0.0.1:" + s.restPort + "/api/v1/requests");
        ExecutorService senders = Executors.newFixedThreadPool(64);
        CountDownLatch done = new CountDownLatch(n);
        long start = System.nanoTime() + 100_000_000L;
        try {
            for (int i = 0; i < n; i++) {
                int k = i;
                due[k] = start + (long) i * 1_000_000_000L / rate;
                long wait = due[k] - System.nanoTime();
                if (wait > 0) {
                    TimeUnit.NANOSECONDS.sleep(wait);
                }
                String user = users.get(k);
                senders.execute(
                        () -> {
                            try {
                                HttpResponse<String> r =
                                        http.send(
                                                HttpRequest.newBuilder(uri)
                                                        .header("Authorization", auth.get(user))
                                                        .header("Content-Type", "application/json")
                                                        .timeout(Duration.ofSeconds(60))
                                                        .POST(
                                                                HttpRequest.BodyPublishers.ofString(
                                                                        "{\"group\":\""
                                                                                + GROUP
                                                                                + "\",\"duration\":"
                                                                                + "\"PT60M\"}"))
                                                        .build(),
                                                HttpResponse.BodyHandlers.ofString());
                                active[k] = (System.nanoTime() - due[k]) / 1000;
                                if (r.statusCode() != 201
                                        || !JSON.readTree(r.body())
                                                .path("state")
                                                .asText()
                                                .equals("ACTIVE")) {
                                    errors.incrementAndGet();
                                }
                            } catch (IOException | RuntimeException e) {
                                errors.incrementAndGet();
                                active[k] = (System.nanoTime() - due[k]) / 1000;
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            } finally {
                                done.countDown();
                            }
                        });
            }
            done.await(5, TimeUnit.MINUTES);
            long deadline = System.nanoTime() + 60_000_000_000L;
            while (seen.size() < n && System.nanoTime() < deadline) {
                Thread.sleep(pollMillis);
            }
        } finally {
            watching.set(false);
            senders.shutdownNow();
            watcher.join();
        }
        long[] member = new long[seen.size()];
        int m = 0;
        for (int i = 0; i < n; i++) {
            Long t = seen.get(users.get(i).toLowerCase(Locale.ROOT));
            if (t != null) {
                member[m++] = Math.max(0, (t - due[i]) / 1000);
            }
        }
        Arrays.sort(active);
        Arrays.sort(member);
        int missing = n - seen.size();
        return new WriteRun(path, n, errors.get() + missing, active, member, pollMillis);
    }

    /** Reads the shadow principal's members every pollMillis; records when each first appears. */
    private static void watch(
            Service s,
            List<String> users,
            Map<String, Long> seen,
            AtomicBoolean watching,
            int pollMillis) {
        try (LDAPConnection b =
                new LDAPConnection(
                        "127.0.0.1",
                        s.bastionLdapPort,
                        "CN=bastion-admin,DC=priv,DC=example",
                        Files.readString(
                                s.dir.resolve("data/secrets/bastion-directory-admin.password"),
                                StandardCharsets.UTF_8))) {
            java.util.Set<String> wanted = new java.util.HashSet<>();
            users.forEach(u -> wanted.add(u.toLowerCase(Locale.ROOT)));
            while (watching.get()) {
                long now = System.nanoTime();
                SearchResultEntry e = b.getEntry("CN=SQL Admins," + CONTAINER, "member");
                if (e != null && e.hasAttribute("member")) {
                    for (String dn : e.getAttributeValues("member")) {
                        String cn = dn.substring(3, dn.indexOf(',')).toLowerCase(Locale.ROOT);
                        if (wanted.contains(cn)) {
                            seen.putIfAbsent(cn, now);
                        }
                    }
                }
                Thread.sleep(pollMillis);
            }
        } catch (LDAPException | IOException e) {
            throw new IllegalStateException("watching the bastion directory: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static final Pattern RATE = Pattern.compile("Requests/sec:\\s+([0-9.]+)");
    private static final Pattern PCT =
            Pattern.compile("^\\s+(50|99)%\\s+([0-9.]+)(us|ms|s)\\s*$", Pattern.MULTILINE);
    private static final Pattern NON_2XX = Pattern.compile("Non-2xx or 3xx responses: (\\d+)");
    private static final Pattern SOCKET_ERRORS =
            Pattern.compile(
                    "Socket errors: connect (\\d+), read (\\d+), write (\\d+), timeout (\\d+)");

    /**
     * Runs wrk; the Authorization header goes in through a Lua script file, not the command line.
     */
    static ReadRun wrk(
            Path wrk, String what, String url, String authorization, int seconds, int connections)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(wrk.toString(), "--latency"));
        command.addAll(
                List.of(
                        "-t",
                        "2",
                        "-c",
                        Integer.toString(connections),
                        "-d",
                        seconds + "s",
                        "--timeout",
                        "10s"));
        Path script = null;
        if (authorization != null) {
            script = Files.createTempFile("bench-wrk-", ".lua");
            Files.writeString(
                    script,
                    "wrk.headers[\"Authorization\"] = \"" + authorization + "\"\n",
                    StandardCharsets.UTF_8);
            command.addAll(List.of("-s", script.toString()));
        }
        command.add(url);
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (p.waitFor() != 0) {
                throw new IllegalStateException("wrk failed: " + out);
            }
            Matcher rate = RATE.matcher(out);
            if (!rate.find()) {
                throw new IllegalStateException("no rate in wrk output: " + out);
            }
            double p50 = -1;
            double p99 = -1;
            Matcher pct = PCT.matcher(out);
            while (pct.find()) {
                double v = Double.parseDouble(pct.group(2));
                double millis =
                        switch (pct.group(3)) {
                            case "us" -> v / 1000;
                            case "s" -> v * 1000;
                            default -> v;
                        };
                if (pct.group(1).equals("50")) {
                    p50 = millis;
                } else {
                    p99 = millis;
                }
            }
            long errors = 0;
            Matcher non2xx = NON_2XX.matcher(out);
            if (non2xx.find()) {
                errors += Long.parseLong(non2xx.group(1));
            }
            Matcher socket = SOCKET_ERRORS.matcher(out);
            if (socket.find()) {
                for (int g = 1; g <= 4; g++) {
                    errors += Long.parseLong(socket.group(g));
                }
            }
            return new ReadRun(what, Double.parseDouble(rate.group(1)), p50, p99, errors);
        } finally {
            if (script != null) {
                Files.deleteIfExists(script);
            }
        }
    }

    /** The floor of Basic authentication: one SDK simple bind per request, same concurrency. */
    static ReadRun sdkBinds(int demoPort, String user, int seconds, int threads) throws Exception {
        String dn;
        try (LDAPConnection c = BenchSupport.demo(demoPort)) {
            dn =
                    c.search(
                                    Fixtures.DEMO_ROOT,
                                    com.unboundid.ldap.sdk.SearchScope.SUB,
                                    com.unboundid.ldap.sdk.Filter.createEqualityFilter(
                                            "sAMAccountName", user),
                                    "1.1")
                            .getSearchEntries()
                            .get(0)
                            .getDN();
        }
        AtomicLong binds = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        List<long[]> latencies = new ArrayList<>();
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            long[] mine = new long[2_000_000];
            latencies.add(mine);
            Thread w =
                    new Thread(
                            () -> {
                                int i = 0;
                                try (LDAPConnection c = new LDAPConnection("127.0.0.1", demoPort)) {
                                    while (System.nanoTime() < end && i < mine.length) {
                                        long t0 = System.nanoTime();
                                        try {
                                            c.bind(dn, Fixtures.DEMO_USER_PASSWORD);
                                            binds.incrementAndGet();
                                        } catch (LDAPException e) {
                                            failed.incrementAndGet();
                                        }
                                        mine[i++] = System.nanoTime() - t0;
                                    }
                                } catch (LDAPException e) {
                                    failed.incrementAndGet();
                                }
                            },
                            "bench-bind-" + t);
            workers.add(w);
        }
        long t0 = System.nanoTime();
        workers.forEach(Thread::start);
        for (Thread w : workers) {
            w.join();
        }
        double elapsed = (System.nanoTime() - t0) / 1e9;
        long total = binds.get() + failed.get();
        long[] all = new long[(int) Math.min(Integer.MAX_VALUE - 8, total)];
        int k = 0;
        for (long[] l : latencies) {
            for (long v : l) {
                if (v == 0 || k == all.length) {
                    break;
                }
                all[k++] = v;
            }
        }
        all = Arrays.copyOf(all, k);
        Arrays.sort(all);
        return new ReadRun(
                "reference: SDK simple bind to the production directory",
                binds.get() / elapsed,
                BenchSupport.pct(all, 50) / 1e6,
                BenchSupport.pct(all, 99) / 1e6,
                failed.get());
    }

    static List<String> allStaff(int demoPort, int limit) throws LDAPException {
        try (LDAPConnection demo = BenchSupport.demo(demoPort)) {
            List<String> users = new ArrayList<>();
            for (String member :
                    demo.getEntry(Fixtures.DEMO_ALL_STAFF_DN, "member")
                            .getAttributeValues("member")) {
                if (users.size() == limit) {
                    break;
                }
                users.add(
                        demo.getEntry(member, "sAMAccountName")
                                .getAttributeValue("sAMAccountName"));
            }
            return users;
        }
    }

    static void defineGroup(Http admin, int demoPort) throws Exception {
        Sid sqlAdmins;
        Sid allStaff;
        try (LDAPConnection demo = BenchSupport.demo(demoPort)) {
            sqlAdmins = sid(demo, Fixtures.DEMO_SQL_ADMINS_DN);
            allStaff = sid(demo, Fixtures.DEMO_ALL_STAFF_DN);
        }
        admin.post(
                "/api/v1/shadow-groups",
                Map.of(
                        "id",
                        GROUP,
                        "production-group",
                        Map.of("dn", Fixtures.DEMO_SQL_ADMINS_DN, "sid", sqlAdmins.toString()),
                        "eligible",
                        Map.of("groups", List.of(allStaff.toString())),
                        "duration",
                        Map.of("default", "1h", "maximum", "2h"),
                        "justification",
                        false));
    }

    private static Sid sid(LDAPConnection demo, String dn) throws LDAPException {
        return Sid.fromBytes(demo.getEntry(dn, "objectSid").getAttributeValueBytes("objectSid"));
    }

    static void sync(Http admin) throws Exception {
        for (int i = 0; i < 600; i++) {
            HttpResponse<String> r = admin.send("POST", "/api/v1/sync", Map.of());
            if (r.statusCode() == 409) {
                Thread.sleep(100); // the start-up sync is still running
                continue;
            }
            JsonNode run = JSON.readTree(r.body());
            if (r.statusCode() >= 300 || !run.path("outcome").asText().equals("COMPLETED")) {
                throw new IllegalStateException("sync: " + r.statusCode() + " " + r.body());
            }
            return;
        }
        throw new IllegalStateException("sync: still busy after a minute");
    }

    private static String token(Http admin, String subject) throws Exception {
        JsonNode t =
                admin.post(
                        "/api/v1/tokens",
                        Map.of(
                                "subject",
                                subject,
                                "description",
                                "bench",
                                "scope",
                                List.of(GROUP),
                                "lifetime",
                                "P1D"));
        return t.get("token").asText();
    }

    static String basic(String user) {
        return "Basic "
                + Base64.getEncoder()
                        .encodeToString(
                                (user + ":" + Fixtures.DEMO_USER_PASSWORD)
                                        .getBytes(StandardCharsets.UTF_8));
    }

    /** A small JSON client for the set-up calls. */
    record Http(int port, String authorization) {
        private static final HttpClient CLIENT =
                HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

        HttpResponse<String> send(String method, String path, Object body) throws Exception {
            return CLIENT.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                            .header("Authorization", authorization)
                            .header("Content-Type", "application/json")
                            .timeout(Duration.ofSeconds(120))
                            .method(
                                    method,
                                    HttpRequest.BodyPublishers.ofString(
                                            JSON.writeValueAsString(body)))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
        }

        byte[] getBytes(String path) throws Exception {
            HttpResponse<byte[]> r =
                    CLIENT.send(
                            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                                    .header("Authorization", authorization)
                                    .timeout(Duration.ofSeconds(120))
                                    .GET()
                                    .build(),
                            HttpResponse.BodyHandlers.ofByteArray());
            if (r.statusCode() != 200) {
                throw new IllegalStateException("GET " + path + ": " + r.statusCode());
            }
            return r.body();
        }

        JsonNode post(String path, Object body) throws Exception {
            HttpResponse<String> r = send("POST", path, body);
            if (r.statusCode() >= 300) {
                throw new IllegalStateException(
                        "POST " + path + ": " + r.statusCode() + " " + r.body());
            }
            return JSON.readTree(r.body());
        }
    }

    /** The packaged service in a child JVM, on free loopback ports, plain HTTP. */
    static final class Service implements AutoCloseable {
        final Path dir;
        final int restPort = FreePorts.next();
        final int managementPort = FreePorts.next();
        final int bastionLdapPort = FreePorts.next();
        final int demoPort = FreePorts.next();
        final int kdcPort = FreePorts.next();
        private ManagedProcess process;

        private Service(Path dir) {
            this.dir = dir;
        }

        static Service start(Path dir) throws IOException {
            return start(dir, List.of("-Xmx256m"), Map.of(), Duration.ofSeconds(120));
        }

        /**
         * The packaged service with {@code jvmArgs} and, besides the ports and the data directory,
         * the configuration variables {@code config}; ready when {@code /health} answers 200.
         */
        static Service start(
                Path dir, List<String> jvmArgs, Map<String, String> config, Duration readyWithin)
                throws IOException {
            Service s = new Service(dir);
            Map<String, String> env = new HashMap<>(config);
            // e.g. -Dbench.service.config=BASTION_KDC_TICKET_JOURNAL_SYNC=every-second,...
            for (String pair : System.getProperty("bench.service.config", "").split(",")) {
                int eq = pair.indexOf('=');
                if (pair.isBlank()) {
                    continue;
                }
                if (eq < 1 || !pair.startsWith("BASTION_")) {
                    throw new IllegalArgumentException(
                            "bench.service.config: BASTION_NAME=value pairs separated by commas");
                }
                env.put(pair.substring(0, eq).strip(), pair.substring(eq + 1).strip());
            }
            env.put("BASTION_DATA_DIR", dir.resolve("data").toString());
            env.put("BASTION_REST_PORT", Integer.toString(s.restPort));
            env.put("BASTION_REST_TLS_MODE", "none");
            env.put("BASTION_REST_MANAGEMENT_PORT", Integer.toString(s.managementPort));
            env.put("BASTION_BASTION_EMBEDDED_LDAP_PORT", Integer.toString(s.bastionLdapPort));
            env.put("BASTION_BASTION_EMBEDDED_LDAPS_PORT", Integer.toString(FreePorts.next()));
            env.put("BASTION_PRODUCTION_DEMO_PORT", Integer.toString(s.demoPort));
            env.put("BASTION_KDC_TCP_PORT", Integer.toString(s.kdcPort));
            env.put("BASTION_KDC_UDP_PORT", Integer.toString(s.kdcPort));
            List<String> command = new ArrayList<>();
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            command.addAll(jvmArgs);
            // e.g. -Dbench.service.jvmArgs=-XX:StartFlightRecording=filename=/tmp/api.jfr
            String extra = System.getProperty("bench.service.jvmArgs", "").strip();
            if (!extra.isEmpty()) {
                command.addAll(List.of(extra.split("\\s+")));
            }
            command.addAll(List.of("-cp", serviceClasspath(), "org.bastionforest.api.Main", "run"));
            // BASTION_* variables are configuration: only the ones above, none inherited
            s.process =
                    ManagedProcess.start(
                            "bastion-service", command, dir, env, v -> !v.startsWith("BASTION_"));
            try {
                s.process.awaitReady(readyWithin, s::healthy);
            } catch (RuntimeException e) {
                s.close();
                throw e;
            }
            return s;
        }

        private boolean healthy() {
            try {
                HttpResponse<String> r =
                        HttpClient.newHttpClient()
                                .send(
                                        HttpRequest.newBuilder(
                                                        URI.create(
                                                                "http://127.0.0.1:"
                                                                        + managementPort
                                                                        + "/health"))
                                                .timeout(Duration.ofSeconds(5))
                                                .build(),
                                        HttpResponse.BodyHandlers.ofString());
                return r.statusCode() == 200;
            } catch (IOException e) {
                return false;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }

        /** The service's output (stdout and stderr). */
        Path log() {
            return process.log();
        }

        /** The service JVM's process id. */
        long pid() {
            return process.pid();
        }

        @Override
        public void close() {
            process.close();
        }
    }

    /** The runtime classpath the build wrote for this module (which includes the api module). */
    static String serviceClasspath() throws IOException {
        for (Path p :
                List.of(Path.of("target/classpath.txt"), Path.of("bench/target/classpath.txt"))) {
            if (Files.isRegularFile(p)) {
                return Files.readString(p, StandardCharsets.UTF_8).trim();
            }
        }
        throw new IOException(
                "no target/classpath.txt: run from the repository root or bench/ after a build");
    }

    private static String ms(long micros) {
        return micros < 0 ? "-" : String.format(Locale.ROOT, "%.1f ms", micros / 1000.0);
    }
}
