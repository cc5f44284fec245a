package org.bastionforest.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.DataInputStream;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kerby.kerberos.kerb.KrbCodec;
import org.apache.kerby.kerberos.kerb.KrbException;
import org.apache.kerby.kerberos.kerb.common.EncryptionUtil;
import org.apache.kerby.kerberos.kerb.crypto.CheckSumHandler;
import org.apache.kerby.kerberos.kerb.crypto.EncryptionHandler;
import org.apache.kerby.kerberos.kerb.type.KerberosTime;
import org.apache.kerby.kerberos.kerb.type.ad.AuthorizationData;
import org.apache.kerby.kerberos.kerb.type.ad.AuthorizationDataEntry;
import org.apache.kerby.kerberos.kerb.type.ad.AuthorizationType;
import org.apache.kerby.kerberos.kerb.type.ap.ApOptions;
import org.apache.kerby.kerberos.kerb.type.ap.ApReq;
import org.apache.kerby.kerberos.kerb.type.ap.Authenticator;
import org.apache.kerby.kerberos.kerb.type.base.CheckSumType;
import org.apache.kerby.kerberos.kerb.type.base.EncryptionKey;
import org.apache.kerby.kerberos.kerb.type.base.EncryptionType;
import org.apache.kerby.kerberos.kerb.type.base.KeyUsage;
import org.apache.kerby.kerberos.kerb.type.base.KrbError;
import org.apache.kerby.kerberos.kerb.type.base.KrbMessage;
import org.apache.kerby.kerberos.kerb.type.base.NameType;
import org.apache.kerby.kerberos.kerb.type.base.PrincipalName;
import org.apache.kerby.kerberos.kerb.type.kdc.AsRep;
import org.apache.kerby.kerberos.kerb.type.kdc.AsReq;
import org.apache.kerby.kerberos.kerb.type.kdc.EncAsRepPart;
import org.apache.kerby.kerberos.kerb.type.kdc.EncKdcRepPart;
import org.apache.kerby.kerberos.kerb.type.kdc.EncTgsRepPart;
import org.apache.kerby.kerberos.kerb.type.kdc.KdcOption;
import org.apache.kerby.kerberos.kerb.type.kdc.KdcOptions;
import org.apache.kerby.kerberos.kerb.type.kdc.KdcReqBody;
import org.apache.kerby.kerberos.kerb.type.kdc.TgsRep;
import org.apache.kerby.kerberos.kerb.type.kdc.TgsReq;
import org.apache.kerby.kerberos.kerb.type.pa.PaData;
import org.apache.kerby.kerberos.kerb.type.pa.PaDataEntry;
import org.apache.kerby.kerberos.kerb.type.pa.PaDataType;
import org.apache.kerby.kerberos.kerb.type.pa.PaEncTsEnc;
import org.apache.kerby.kerberos.kerb.type.ticket.EncTicketPart;
import org.apache.kerby.kerberos.kerb.type.ticket.Ticket;
import org.bastionforest.kerberos.pac.Pac;
import org.bastionforest.kerberos.pac.PacException;
import org.bastionforest.shadowgroups.model.Sid;
import org.bastionforest.testldif.Fixtures;
import org.bastionforest.testsupport.MitKdc;

/**
 * KDC throughput: the bastion KDC (inside the packaged service, in its own JVM, with the demo
 * forest synced, every user holding an active grant of {@code sql-admins}) against MIT's krb5kdc
 * (Debian krb5-kdc, a realm on a loopback port), both driven by the same load generator with the
 * same number of concurrent clients, in one run.
 *
 * <ul>
 *   <li><b>AS</b>: an AS-REQ with PA-ENC-TIMESTAMP (AES256) for a TGT, a new nonce and timestamp
 *       each time (MIT answers repeated bytes from its lookaside cache);
 *   <li><b>TGS</b>: a TGS-REQ with a TGT obtained beforehand, a fresh authenticator (AES256
 *       checksum over the body) for {@code HTTP/web.bench.test}.
 * </ul>
 *
 * Each over TCP (one connection per request, as MIT and Windows clients do) and UDP (one socket per
 * client; a reply not back within a second counts as lost). Throughput is counted in a measured
 * window after a warm-up; KDC CPU seconds are read from {@code /proc/<pid>/stat} (user + system) of
 * the service's JVM and of krb5kdc over the same window. The generator is our own code on Kerby's
 * ASN.1 and crypto types, one client per thread, each with its own users (Kerby's {@code KrbClient}
 * is not safe from several threads with different principals).
 *
 * <p>One reply in 64 is checked in full, outside the timed exchange: the enc-part decrypts with the
 * user's key (AS) or the TGT's session key (TGS) and carries the nonce sent; for TGS the service
 * ticket decrypts with the key from the service's keytab and carries a PAC; for the bastion KDC the
 * PAC names the production SID of {@code sql-admins} and the ticket ends no later than the grant. A
 * failed check counts as an error.
 *
 * <pre>
 * ./mvnw -B -q install -DskipTests
 * java -cp "bench/target/classes:$(cat bench/target/classpath.txt)" \
 *     org.bastionforest.bench.KdcThroughput 200 8 10 15 2
 * </pre>
 *
 * Arguments: users, concurrent clients, warm-up seconds, measured seconds, rounds (each round runs
 * every combination once, MIT and bastion alternating, so that drift on a shared machine touches
 * both).
 */
public final class KdcThroughput {
    static final String KRB_PASSWORD = "Bench-Kerberos-Passw0rd!";
    static final String SERVICE = "HTTP/web.bench.test";
    static final String MIT_REALM = "MIT.BENCH";
    static final int CHECK_EVERY = 64;

    private KdcThroughput() {}

    /** What is asked for. */
    public enum Kind {
        AS,
        TGS
    }

    /** How it is carried. */
    public enum Transport {
        TCP,
        UDP
    }

    /**
     * One measured run.
     *
     * @param kdc "bastion" or "MIT"
     * @param ok tickets received in the window
     * @param errors KRB-ERRORs, lost datagrams, failed connections and failed checks, by kind
     * @param checked replies checked in full
     * @param seconds the window
     * @param kdcCpuSeconds the KDC process's CPU time in the window
     * @param micros exchange latencies (send to reply) in the window, sorted
     * @param replyBytes the size of one ticket reply
     */
    public record Run(
            String kdc,
            Kind kind,
            Transport transport,
            int clients,
            long ok,
            Map<String, Long> errors,
            long checked,
            double seconds,
            double kdcCpuSeconds,
            long[] micros,
            int replyBytes) {
        public double perSecond() {
            return ok / seconds;
        }

        public double perCpuSecond() {
            return kdcCpuSeconds <= 0 ? 0 : ok / kdcCpuSeconds;
        }

        public long errorCount() {
            return errors.values().stream().mapToLong(Long::longValue).sum();
        }
    }

    /**
     * The result of all rounds.
     *
     * @param users users per KDC
     * @param clients concurrent clients
     * @param runs every run, in the order run
     */
    public record Result(int users, int clients, List<Run> runs) {
        /** Sums of the runs of one KDC, kind and transport over the rounds. */
        Run total(String kdc, Kind kind, Transport transport) {
            long ok = 0;
            long checked = 0;
            double seconds = 0;
            double cpu = 0;
            Map<String, Long> errors = new TreeMap<>();
            List<long[]> lat = new ArrayList<>();
            int bytes = 0;
            for (Run r : runs) {
                if (r.kdc().equals(kdc) && r.kind() == kind && r.transport() == transport) {
                    ok += r.ok();
                    checked += r.checked();
                    seconds += r.seconds();
                    cpu += r.kdcCpuSeconds();
                    r.errors().forEach((k, v) -> errors.merge(k, v, Long::sum));
                    lat.add(r.micros());
                    bytes = r.replyBytes();
                }
            }
            long[] all = lat.stream().flatMapToLong(Arrays::stream).sorted().toArray();
            return new Run(
                    kdc, kind, transport, clients, ok, errors, checked, seconds, cpu, all, bytes);
        }

        /** bastion / MIT, per CPU-second ({@code perCpu}) or per second. */
        public double ratio(Kind kind, Transport transport, boolean perCpu) {
            Run b = total("bastion", kind, transport);
            Run m = total("MIT", kind, transport);
            return perCpu ? b.perCpuSecond() / m.perCpuSecond() : b.perSecond() / m.perSecond();
        }

        /** The Markdown table. */
        public String markdown() {
            StringBuilder s = new StringBuilder();
            s.append(
                    "| request | transport | KDC | tickets/s | per KDC CPU-s | KDC CPU"
                            + " | p50 | p99 | errors | checked | reply bytes |\n");
            s.append(
                    "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: |\n");
            for (Kind k : Kind.values()) {
                for (Transport t : Transport.values()) {
                    for (String kdc : List.of("MIT", "bastion")) {
                        Run r = total(kdc, k, t);
                        s.append(
                                String.format(
                                        Locale.ROOT,
                                        "| %s | %s | %s | %.0f | %.0f | %.0f%% | %.2f ms |"
                                                + " %.2f ms | %s | %d | %d |%n",
                                        k,
                                        t,
                                        kdc,
                                        r.perSecond(),
                                        r.perCpuSecond(),
                                        100 * r.kdcCpuSeconds() / r.seconds(),
                                        BenchSupport.pct(r.micros(), 50) / 1000.0,
                                        BenchSupport.pct(r.micros(), 99) / 1000.0,
                                        r.errors().isEmpty() ? "0" : r.errors().toString(),
                                        r.checked(),
                                        r.replyBytes()));
                    }
                }
            }
            s.append("\n| bastion / MIT | tickets/s | per KDC CPU-s |\n| --- | ---: | ---: |\n");
            for (Kind k : Kind.values()) {
                for (Transport t : Transport.values()) {
                    s.append(
                            String.format(
                                    Locale.ROOT,
                                    "| %s %s | %.2f | %.2f |%n",
                                    k,
                                    t,
                                    ratio(k, t, false),
                                    ratio(k, t, true)));
                }
            }
            return s.toString();
        }
    }

    /**
     * A KDC to drive.
     *
     * @param pid the process whose CPU is counted
     * @param keys each user's AES256 key
     * @param serviceKey the service principal's AES256 key (from its keytab)
     * @param grantEnds for the bastion KDC, each user's grant end (tickets must not outlive it)
     * @param groupSid for the bastion KDC, the SID the PAC must carry
     */
    record Target(
            String name,
            String realm,
            int port,
            long pid,
            Map<String, EncryptionKey> keys,
            EncryptionKey serviceKey,
            Map<String, Instant> grantEnds,
            Optional<Sid> groupSid) {
        List<String> users() {
            return List.copyOf(keys.keySet());
        }
    }

    /** A TGT: the ticket and its session key. */
    record Tgt(Ticket ticket, EncryptionKey sessionKey) {}

    /**
     * Runs the benchmark.
     *
     * @param users users per KDC (at most the 1,939 enabled demo users)
     * @param clients concurrent clients (threads), each with its own users
     * @param warmMillis warm-up per run, not counted
     * @param measureMillis the measured window per run
     * @param rounds how often every combination runs
     */
    public static Result run(
            int users, int clients, long warmMillis, long measureMillis, int rounds)
            throws Exception {
        if (users < clients) {
            throw new IllegalArgumentException("needs at least one user per client");
        }
        Path dir = Files.createTempDirectory("bastion-bench-kdc-");
        try (ApiLoad.Service service =
                        ApiLoad.Service.start(
                                dir,
                                List.of("-Xmx256m"),
                                ticketAudit().equals("default")
                                        ? Map.of()
                                        : Map.of("BASTION_KDC_TICKET_AUDIT", ticketAudit()),
                                Duration.ofSeconds(120));
                MitKdc mit = MitKdc.start(MIT_REALM)) {
            Target bastion = bastion(service, users);
            Target reference = mit(mit, bastion.users());
            List<Run> runs = new ArrayList<>();
            for (int round = 0; round < rounds; round++) {
                for (Kind kind : Kind.values()) {
                    for (Transport t : Transport.values()) {
                        for (Target target :
                                round % 2 == 0
                                        ? List.of(reference, bastion)
                                        : List.of(bastion, reference)) {
                            Map<String, Tgt> tgts = kind == Kind.TGS ? tgts(target) : Map.of();
                            runs.add(
                                    drive(
                                            target,
                                            kind,
                                            t,
                                            clients,
                                            tgts,
                                            warmMillis,
                                            measureMillis));
                        }
                    }
                }
            }
            return new Result(users, clients, runs);
        } finally {
            BenchSupport.deleteTree(dir);
        }
    }

    /**
     * Prints the result table.
     *
     * @param args users (200), clients (8), warm-up seconds (10), measured seconds (15), rounds (2)
     */
    public static void main(String[] args) throws Exception {
        int users = args.length > 0 ? Integer.parseInt(args[0]) : 200;
        int clients = args.length > 1 ? Integer.parseInt(args[1]) : 8;
        int warm = args.length > 2 ? Integer.parseInt(args[2]) : 10;
        int seconds = args.length > 3 ? Integer.parseInt(args[3]) : 15;
        int rounds = args.length > 4 ? Integer.parseInt(args[4]) : 2;
        Result r = run(users, clients, warm * 1000L, seconds * 1000L, rounds);
        System.out.printf(
                Locale.ROOT,
                "KDC throughput: %d CPUs, %d users, %d clients, %d rounds of %d s (+%d s"
                        + " warm-up) per run; bastion service -Xmx256m, kdc.ticket-audit %s;"
                        + " MIT krb5kdc single process%n",
                Runtime.getRuntime().availableProcessors(),
                users,
                clients,
                rounds,
                seconds,
                warm,
                ticketAudit());
        System.out.println(r.markdown());
    }

    /**
     * The bastion's {@code kdc.ticket-audit}: {@code -Dbench.kdc.ticket-audit}, else the service's
     * default ({@code default}).
     */
    static String ticketAudit() {
        String mode = System.getProperty("bench.kdc.ticket-audit", "default");
        if (!List.of("default", "durable", "journal", "buffered").contains(mode)) {
            throw new IllegalArgumentException(
                    "bench.kdc.ticket-audit: durable, journal or buffered");
        }
        return mode;
    }

    // --- set-up

    /** The bastion KDC: users set a Kerberos password and get a grant; a service is registered. */
    private static Target bastion(ApiLoad.Service s, int count) throws Exception {
        ApiLoad.Http admin = new ApiLoad.Http(s.restPort, ApiLoad.basic(ApiLoad.ADMIN));
        ApiLoad.defineGroup(admin, s.demoPort);
        ApiLoad.sync(admin);
        String realm = "PRIV.EXAMPLE";
        Map<String, EncryptionKey> keys = new TreeMap<>();
        Map<String, Instant> ends = new HashMap<>();
        for (String user : ApiLoad.allStaff(s.demoPort, count)) {
            ApiLoad.Http as = new ApiLoad.Http(s.restPort, ApiLoad.basic(user));
            JsonNode principal =
                    as.post("/api/v1/me/kerberos-password", Map.of("password", KRB_PASSWORD));
            String name = principal.path("principal").asText();
            if (!name.equals(user + "@" + realm)) {
                throw new IllegalStateException("unexpected principal " + name);
            }
            JsonNode request =
                    as.post(
                            "/api/v1/requests",
                            Map.of("group", ApiLoad.GROUP, "duration", "PT60M"));
            if (!request.path("state").asText().equals("ACTIVE")) {
                throw new IllegalStateException("request not ACTIVE: " + request);
            }
            ends.put(user, Instant.parse(field(request.path("grant"), "endsat").asText()));
            keys.put(user, key(user, realm));
        }
        admin.post("/api/v1/principals", Map.of("name", SERVICE));
        byte[] keytab = admin.getBytes("/api/v1/principals/" + SERVICE + "/keytab");
        Sid group;
        try (var demo = BenchSupport.demo(s.demoPort)) {
            group =
                    Sid.fromBytes(
                            demo.getEntry(Fixtures.DEMO_SQL_ADMINS_DN, "objectSid")
                                    .getAttributeValueBytes("objectSid"));
        }
        return new Target(
                "bastion",
                realm,
                s.kdcPort,
                s.pid(),
                keys,
                aes256(keytab),
                ends,
                Optional.of(group));
    }

    /** MIT's KDC with the same user names and password, and the same service. */
    private static Target mit(MitKdc kdc, List<String> users) throws Exception {
        Map<String, EncryptionKey> keys = new TreeMap<>();
        for (String user : users) {
            kdc.addPrincipal(user, KRB_PASSWORD);
            keys.put(user, key(user, kdc.realm()));
        }
        byte[] keytab = Files.readAllBytes(kdc.keytab(SERVICE));
        return new Target(
                "MIT",
                kdc.realm(),
                kdc.port(),
                kdc.pid(),
                keys,
                aes256(keytab),
                Map.of(),
                Optional.empty());
    }

    private static EncryptionKey key(String user, String realm) throws KrbException {
        return EncryptionHandler.string2Key(
                KRB_PASSWORD, realm + user, null, EncryptionType.AES256_CTS_HMAC_SHA1_96);
    }

    /** A TGT per user, over TCP, checked. */
    private static Map<String, Tgt> tgts(Target t) throws Exception {
        Map<String, Tgt> tgts = new ConcurrentHashMap<>();
        Client c = new Client(t, Transport.TCP);
        try {
            for (String user : t.users()) {
                int nonce = nonce();
                byte[] reply = c.exchange(asReq(t, user, nonce, 0));
                tgts.put(user, checkAs(t, user, nonce, reply));
            }
        } finally {
            c.close();
        }
        return tgts;
    }

    /** The AES256 key of a keytab (the highest key version). */
    static EncryptionKey aes256(byte[] keytab) {
        ByteBuffer b = ByteBuffer.wrap(keytab);
        if (b.getShort() != 0x0502) {
            throw new IllegalArgumentException("not a version 0x0502 keytab");
        }
        EncryptionKey best = null;
        while (b.remaining() >= 4) {
            int size = b.getInt();
            if (size <= 0) {
                b.position(b.position() - size);
                continue;
            }
            int end = b.position() + size;
            int components = b.getShort();
            skipCounted(b); // realm
            for (int i = 0; i < components; i++) {
                skipCounted(b);
            }
            b.getInt(); // name type
            b.getInt(); // timestamp
            int kvno = b.get() & 0xff;
            int etype = b.getShort();
            byte[] key = new byte[b.getShort()];
            b.get(key);
            if (end - b.position() >= 4) {
                kvno = b.getInt();
            }
            b.position(end);
            if (etype == EncryptionType.AES256_CTS_HMAC_SHA1_96.getValue()
                    && (best == null || kvno > best.getKvno())) {
                best = new EncryptionKey(EncryptionType.AES256_CTS_HMAC_SHA1_96, key, kvno);
            }
        }
        if (best == null) {
            throw new IllegalArgumentException("no aes256-cts-hmac-sha1-96 key in the keytab");
        }
        return best;
    }

    private static void skipCounted(ByteBuffer b) {
        int n = b.getShort() & 0xffff;
        b.position(b.position() + n);
    }

    private static JsonNode field(JsonNode node, String normalized) {
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getKey().replaceAll("[-_]", "").toLowerCase(Locale.ROOT).equals(normalized)) {
                return e.getValue();
            }
        }
        throw new IllegalStateException("no " + normalized + " in " + node);
    }

    // --- the load

    private static Run drive(
            Target t,
            Kind kind,
            Transport transport,
            int clients,
            Map<String, Tgt> tgts,
            long warmMillis,
            long measureMillis)
            throws Exception {
        List<String> users = t.users();
        AtomicBoolean measuring = new AtomicBoolean();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong ok = new AtomicLong();
        AtomicLong checked = new AtomicLong();
        AtomicLong replyBytes = new AtomicLong();
        Map<String, AtomicLong> errors = new ConcurrentHashMap<>();
        List<long[]> latencies = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        List<Throwable> died = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            List<String> mine = new ArrayList<>();
            for (int i = c; i < users.size(); i += clients) {
                mine.add(users.get(i));
            }
            long[][] lat = {new long[1 << 16]};
            int[] n = {0};
            Thread thread =
                    new Thread(
                            () -> {
                                try (Client client = new Client(t, transport)) {
                                    long count = 0;
                                    while (!stop.get()) {
                                        String user = mine.get((int) (count % mine.size()));
                                        int nonce = nonce();
                                        int usec = (int) (count % 1_000_000);
                                        byte[] req =
                                                kind == Kind.AS
                                                        ? asReq(t, user, nonce, usec)
                                                        : tgsReq(
                                                                t,
                                                                user,
                                                                tgts.get(user),
                                                                nonce,
                                                                usec);
                                        boolean counted = measuring.get();
                                        long started = System.nanoTime();
                                        byte[] reply;
                                        try {
                                            reply = client.exchange(req);
                                        } catch (SocketTimeoutException e) {
                                            reply = null;
                                        } catch (IOException e) {
                                            reply = new byte[0];
                                        }
                                        long took = (System.nanoTime() - started) / 1000;
                                        count++;
                                        String error = classify(kind, reply);
                                        if (error == null && count % CHECK_EVERY == 0) {
                                            error = check(t, kind, user, nonce, tgts, reply);
                                            if (counted && error == null) {
                                                checked.incrementAndGet();
                                            }
                                        }
                                        if (!counted) {
                                            continue;
                                        }
                                        if (error != null) {
                                            errors.computeIfAbsent(error, k -> new AtomicLong())
                                                    .incrementAndGet();
                                            continue;
                                        }
                                        ok.incrementAndGet();
                                        replyBytes.set(reply.length);
                                        if (n[0] == lat[0].length) {
                                            lat[0] = Arrays.copyOf(lat[0], n[0] * 2);
                                        }
                                        lat[0][n[0]++] = took;
                                    }
                                } catch (Exception | Error e) {
                                    synchronized (died) {
                                        died.add(e);
                                    }
                                } finally {
                                    synchronized (latencies) {
                                        latencies.add(Arrays.copyOf(lat[0], n[0]));
                                    }
                                }
                            },
                            "kdc-load-" + c);
            threads.add(thread);
            thread.start();
        }
        Thread.sleep(warmMillis);
        long cpu0 = cpuTicks(t.pid());
        long t0 = System.nanoTime();
        measuring.set(true);
        Thread.sleep(measureMillis);
        measuring.set(false);
        long t1 = System.nanoTime();
        long cpu1 = cpuTicks(t.pid());
        stop.set(true);
        for (Thread thread : threads) {
            thread.join(10_000);
        }
        if (!died.isEmpty()) {
            throw new IllegalStateException("a load client died", died.get(0));
        }
        Map<String, Long> errorCounts = new TreeMap<>();
        errors.forEach((k, v) -> errorCounts.put(k, v.get()));
        long[] micros = latencies.stream().flatMapToLong(Arrays::stream).sorted().toArray();
        return new Run(
                t.name(),
                kind,
                transport,
                clients,
                ok.get(),
                errorCounts,
                checked.get(),
                (t1 - t0) / 1e9,
                (cpu1 - cpu0) / 100.0,
                micros,
                (int) replyBytes.get());
    }

    /** Null for a ticket reply of the right type; else what it was. */
    private static String classify(Kind kind, byte[] reply) {
        if (reply == null) {
            return "lost";
        }
        if (reply.length == 0) {
            return "connection failed";
        }
        int expected = kind == Kind.AS ? 0x6b : 0x6d;
        int tag = reply[0] & 0xff;
        if (tag == expected) {
            return null;
        }
        if (tag == 0x7e) {
            try {
                return ((KrbError) decode(reply)).getErrorCode().name();
            } catch (KrbException | RuntimeException e) {
                return "undecodable KRB-ERROR";
            }
        }
        return String.format(Locale.ROOT, "unexpected reply tag %02x", tag);
    }

    /** Null when the reply checks out in full; else what was wrong. */
    private static String check(
            Target t, Kind kind, String user, int nonce, Map<String, Tgt> tgts, byte[] reply) {
        try {
            if (kind == Kind.AS) {
                checkAs(t, user, nonce, reply);
            } else {
                checkTgs(t, user, nonce, tgts.get(user), reply);
            }
            return null;
        } catch (KrbException | PacException | RuntimeException e) {
            return "check failed: " + e.getMessage();
        }
    }

    private static Tgt checkAs(Target t, String user, int nonce, byte[] reply) throws KrbException {
        KrbMessage m = decode(reply);
        if (!(m instanceof AsRep rep)) {
            throw new KrbException("not an AS-REP: " + m.getMsgType());
        }
        // MIT tags an AS-REP's enc-part as EncTGSRepPart, as RFC 4120 section 5.4.2 allows
        byte[] plain =
                EncryptionHandler.decrypt(
                        rep.getEncryptedEncPart(), t.keys().get(user), KeyUsage.AS_REP_ENCPART);
        EncKdcRepPart part =
                (plain.length > 0 && (plain[0] & 0xff) == 0x7a)
                        ? KrbCodec.decode(plain, EncTgsRepPart.class)
                        : KrbCodec.decode(plain, EncAsRepPart.class);
        if (part.getNonce() != nonce) {
            throw new KrbException("AS-REP nonce differs");
        }
        if (rep.getTicket().getEncryptedEncPart().getEType()
                != EncryptionType.AES256_CTS_HMAC_SHA1_96) {
            throw new KrbException("TGT not AES256");
        }
        capped(t, user, part.getEndTime());
        return new Tgt(rep.getTicket(), part.getKey());
    }

    private static void checkTgs(Target t, String user, int nonce, Tgt tgt, byte[] reply)
            throws KrbException, PacException {
        KrbMessage m = decode(reply);
        if (!(m instanceof TgsRep rep)) {
            throw new KrbException("not a TGS-REP: " + m.getMsgType());
        }
        EncTgsRepPart part =
                EncryptionUtil.unseal(
                        rep.getEncryptedEncPart(),
                        tgt.sessionKey(),
                        KeyUsage.TGS_REP_ENCPART_SESSKEY,
                        EncTgsRepPart.class);
        if (part.getNonce() != nonce) {
            throw new KrbException("TGS-REP nonce differs");
        }
        EncTicketPart ticket =
                EncryptionUtil.unseal(
                        rep.getTicket().getEncryptedEncPart(),
                        t.serviceKey(),
                        KeyUsage.KDC_REP_TICKET,
                        EncTicketPart.class);
        capped(t, user, ticket.getEndTime());
        byte[] pacBytes = pac(ticket.getAuthorizationData());
        if (t.groupSid().isPresent()) {
            // MIT's minimal PAC has no logon information; ours must name the group
            Pac pac = Pac.parse(pacBytes);
            List<String> sids = new ArrayList<>();
            pac.extraSids().forEach(s -> sids.add(s.toString()));
            pac.groupRids().forEach(rid -> sids.add(Sid.of(pac.domainSid(), rid).toString()));
            if (!sids.contains(t.groupSid().get().toString())) {
                throw new KrbException("PAC without the production group SID: " + sids);
            }
        }
    }

    private static void capped(Target t, String user, KerberosTime end) throws KrbException {
        Instant grantEnd = t.grantEnds().get(user);
        if (grantEnd != null && end.getTime() > grantEnd.toEpochMilli() + 1000) {
            throw new KrbException("ticket ends after the grant");
        }
    }

    private static byte[] pac(AuthorizationData ad) throws KrbException {
        if (ad != null) {
            for (AuthorizationDataEntry e : ad.getElements()) {
                if (e.getAuthzType() != AuthorizationType.AD_IF_RELEVANT) {
                    continue;
                }
                AuthorizationData inner =
                        KrbCodec.decode(e.getAuthzData(), AuthorizationData.class);
                for (AuthorizationDataEntry i : inner.getElements()) {
                    if (i.getAuthzType() == AuthorizationType.AD_WIN2K_PAC) {
                        return i.getAuthzData();
                    }
                }
            }
        }
        throw new KrbException("no PAC in the ticket");
    }

    private static KrbMessage decode(byte[] reply) throws KrbException {
        try {
            return KrbCodec.decodeMessage(ByteBuffer.wrap(reply));
        } catch (IOException e) {
            throw new KrbException("undecodable reply", e);
        }
    }

    // --- requests

    private static int nonce() {
        return ThreadLocalRandom.current().nextInt(Integer.MAX_VALUE);
    }

    private static KdcReqBody body(Target t, PrincipalName cname, PrincipalName sname, int nonce) {
        KdcReqBody body = new KdcReqBody();
        KdcOptions options = new KdcOptions();
        options.setFlag(KdcOption.FORWARDABLE);
        options.setFlag(KdcOption.RENEWABLE_OK);
        body.setKdcOptions(options);
        if (cname != null) {
            body.setCname(cname);
        }
        body.setRealm(t.realm());
        body.setSname(sname);
        body.setTill(new KerberosTime(System.currentTimeMillis() + 10 * 3600_000L));
        body.setNonce(nonce);
        body.setEtypes(List.of(EncryptionType.AES256_CTS_HMAC_SHA1_96));
        return body;
    }

    private static PrincipalName user(String name) {
        return new PrincipalName(List.of(name), NameType.NT_PRINCIPAL);
    }

    /** An AS-REQ for a TGT with a fresh PA-ENC-TIMESTAMP. */
    static byte[] asReq(Target t, String user, int nonce, int usec) throws KrbException {
        AsReq req = new AsReq();
        req.setReqBody(
                body(
                        t,
                        user(user),
                        new PrincipalName(List.of("krbtgt", t.realm()), NameType.NT_SRV_INST),
                        nonce));
        PaEncTsEnc ts = new PaEncTsEnc();
        ts.setPaTimestamp(new KerberosTime(System.currentTimeMillis()));
        ts.setPaUsec(usec);
        PaData pa = new PaData();
        pa.addElement(
                new PaDataEntry(
                        PaDataType.ENC_TIMESTAMP,
                        KrbCodec.encode(
                                EncryptionUtil.seal(
                                        ts, t.keys().get(user), KeyUsage.AS_REQ_PA_ENC_TS))));
        req.setPaData(pa);
        return KrbCodec.encode(req);
    }

    /** A TGS-REQ for {@link #SERVICE} with a fresh authenticator and a keyed body checksum. */
    static byte[] tgsReq(Target t, String user, Tgt tgt, int nonce, int usec) throws KrbException {
        String[] service = SERVICE.split("/");
        KdcReqBody body =
                body(t, null, new PrincipalName(List.of(service), NameType.NT_SRV_INST), nonce);
        Authenticator auth = new Authenticator();
        auth.setAuthenticatorVno(5);
        auth.setCrealm(t.realm());
        auth.setCname(user(user));
        auth.setCtime(new KerberosTime(System.currentTimeMillis()));
        auth.setCusec(usec);
        auth.setCksum(
                CheckSumHandler.checksumWithKey(
                        CheckSumType.HMAC_SHA1_96_AES256,
                        KrbCodec.encode(body),
                        tgt.sessionKey().getKeyData(),
                        KeyUsage.TGS_REQ_AUTH_CKSUM));
        ApReq ap = new ApReq();
        ap.setApOptions(new ApOptions());
        ap.setTicket(tgt.ticket());
        ap.setEncryptedAuthenticator(
                EncryptionUtil.seal(auth, tgt.sessionKey(), KeyUsage.TGS_REQ_AUTH));
        TgsReq req = new TgsReq();
        req.setReqBody(body);
        PaData pa = new PaData();
        pa.addElement(new PaDataEntry(PaDataType.TGS_REQ, KrbCodec.encode(ap)));
        req.setPaData(pa);
        return KrbCodec.encode(req);
    }

    // --- transports and CPU

    /** One client: a TCP connection per request, or one UDP socket for all. Not thread-safe. */
    static final class Client implements AutoCloseable {
        private final InetSocketAddress kdc;
        private final Transport transport;
        private DatagramSocket udp;
        private final byte[] buffer = new byte[65_536];

        Client(Target t, Transport transport) throws IOException {
            this.kdc = new InetSocketAddress(InetAddress.getByName("127.0.0.1"), t.port());
            this.transport = transport;
            this.udp = transport == Transport.UDP ? udpSocket() : null;
        }

        private DatagramSocket udpSocket() throws IOException {
            DatagramSocket s = new DatagramSocket();
            s.connect(kdc);
            s.setSoTimeout(1000);
            return s;
        }

        /**
         * The reply; SocketTimeoutException when a datagram was lost. After a time-out the UDP
         * socket is replaced, as MIT's client uses a socket per exchange: a late reply must not be
         * taken for the answer to the next request (another user's, which would not decrypt).
         */
        byte[] exchange(byte[] request) throws IOException {
            if (transport == Transport.UDP) {
                udp.send(new DatagramPacket(request, request.length));
                DatagramPacket reply = new DatagramPacket(buffer, buffer.length);
                try {
                    udp.receive(reply);
                } catch (SocketTimeoutException e) {
                    udp.close();
                    udp = udpSocket();
                    throw e;
                }
                return Arrays.copyOf(reply.getData(), reply.getLength());
            }
            try (Socket s = new Socket()) {
                s.setTcpNoDelay(true);
                s.setSoTimeout(10_000);
                s.connect(kdc, 5000);
                byte[] framed = new byte[4 + request.length];
                ByteBuffer.wrap(framed).putInt(request.length).put(request);
                s.getOutputStream().write(framed);
                DataInputStream in = new DataInputStream(s.getInputStream());
                int length = in.readInt();
                if (length < 0 || length > 1 << 20) {
                    throw new IOException("bad record length " + length);
                }
                return in.readNBytes(length);
            }
        }

        @Override
        public void close() {
            if (udp != null) {
                udp.close();
            }
        }
    }

    /** User + system CPU time of a process, in clock ticks (1/100 s). */
    static long cpuTicks(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"), StandardCharsets.UTF_8);
        // the fields after the command name, which is in parentheses and may hold spaces
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }
}
