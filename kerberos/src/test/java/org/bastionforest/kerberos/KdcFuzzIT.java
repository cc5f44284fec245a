package org.bastionforest.kerberos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.bastionforest.kerberos.KdcFixture.ALICE;
import static org.bastionforest.kerberos.KdcFixture.PASSWORD;
import static org.bastionforest.kerberos.KdcFixture.ROOT;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kerby.kerberos.kerb.KrbCodec;
import org.apache.kerby.kerberos.kerb.type.base.CheckSumType;
import org.apache.kerby.kerberos.kerb.type.base.KrbError;
import org.apache.kerby.kerberos.kerb.type.base.KrbMessage;
import org.apache.kerby.kerberos.kerb.type.base.KrbMessageType;
import org.apache.kerby.kerberos.kerb.type.kdc.AsReq;
import org.apache.kerby.kerberos.kerb.type.pa.PaData;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Fault suite: 10,000 malformed and mutated messages to the bastion KDC over its real TCP and UDP
 * listeners — mutated valid AS-REQs and TGS-REQs, truncations, random bytes, random well-formed
 * DER, huge ASN.1 and TCP record lengths, wrong message types, swapped field types, deep nesting
 * (outside and inside a field such as a padata value), emptied fields (a zero-length INTEGER),
 * empty messages. Every answer must be a KRB-ERROR, a dropped datagram or a closed connection (a
 * ticket only for a request that still decodes as a valid one); no thread may die; after every
 * 1,000 messages a real AS exchange must still succeed over both transports.
 *
 * <p>Seeded: {@code -Dfuzz.seed=N} replays a run; the seed and the outcome histogram are printed.
 */
class KdcFuzzIT {
    static final int MESSAGES = 10_000;
    static final int THREADS = 4;
    static final int UDP_BATCH = 25;
    static final Duration UDP_WAIT = Duration.ofMillis(250);

    private static KdcFixture fx;
    private static RawClient raw;
    private static List<byte[]> seeds;
    private static final List<Throwable> uncaught = new ArrayList<>();
    private static Thread.UncaughtExceptionHandler previous;

    private final Map<String, AtomicLong> outcomes = new ConcurrentHashMap<>();
    private final List<String> violations =
            java.util.Collections.synchronizedList(new ArrayList<>());

    @BeforeAll
    static void start() throws Exception {
        previous = Thread.getDefaultUncaughtExceptionHandler();
        Thread.setDefaultUncaughtExceptionHandler(
                (t, e) -> {
                    synchronized (uncaught) {
                        uncaught.add(e);
                    }
                });
        fx = new KdcFixture();
        fx.kdc.principals().setPassword(ALICE, PASSWORD.toCharArray());
        fx.kdc.principals().registerService("HTTP/web.bastion.test", ROOT);
        raw = new RawClient(fx.kdc);
        seeds = new ArrayList<>();
        AsReq plain = new AsReq();
        plain.setReqBody(
                raw.body(RawClient.user("alice"), raw.krbtgt(), Instant.now().plusSeconds(600)));
        seeds.add(KrbCodec.encode(plain));
        seeds.add(validAsReq());
        RawClient.Creds tgt = raw.tgt("alice", PASSWORD, Instant.now().plusSeconds(3600));
        seeds.add(
                KrbCodec.encode(
                        raw.tgsReq(
                                tgt,
                                "alice",
                                raw.body(
                                        null,
                                        RawClient.service("HTTP", "web.bastion.test"),
                                        Instant.now().plusSeconds(600)),
                                CheckSumType.HMAC_SHA1_96_AES256,
                                Instant.now())));
    }

    @AfterAll
    static void stop() {
        if (fx != null) {
            fx.close();
        }
        Thread.setDefaultUncaughtExceptionHandler(previous);
    }

    /** An AS-REQ with a fresh encrypted-timestamp pre-authentication: answered with an AS-REP. */
    static byte[] validAsReq() throws Exception {
        AsReq req = new AsReq();
        req.setReqBody(
                raw.body(RawClient.user("alice"), raw.krbtgt(), Instant.now().plusSeconds(600)));
        PaData pa = new PaData();
        pa.addElement(
                raw.encTimestamp(
                        RawClient.passwordKey("alice", fx.kdc.options().realm(), PASSWORD),
                        Instant.now()));
        req.setPaData(pa);
        return KrbCodec.encode(req);
    }

    @Test
    void fuzz_whenTenThousandMalformedMessagesArrive_thenOnlyErrorsOrSilenceAndItKeepsServing()
            throws Exception {
        long seed = Long.getLong("fuzz.seed", System.nanoTime());
        System.out.println("KdcFuzzIT seed " + seed + " (replay with -Dfuzz.seed=" + seed + ")");
        java.util.Set<String> kdcThreads = kdcThreads();
        Instant started = Instant.now();
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try {
            int perThread = MESSAGES / THREADS;
            for (int round = 0; round < 10; round++) {
                List<Future<?>> work = new ArrayList<>();
                for (int t = 0; t < THREADS; t++) {
                    Random random = new Random(seed * 31 + round * THREADS + t);
                    work.add(pool.submit(() -> fuzz(random, perThread / 10)));
                }
                for (Future<?> w : work) {
                    w.get();
                }
                assertServing("after round " + (round + 1));
            }
        } finally {
            pool.shutdownNow();
        }
        Duration took = Duration.between(started, Instant.now());
        Map<String, Long> histogram = new TreeMap<>();
        outcomes.forEach((k, v) -> histogram.put(k, v.get()));
        long total =
                histogram.entrySet().stream()
                        .filter(e -> e.getKey().startsWith("sent "))
                        .mapToLong(Map.Entry::getValue)
                        .sum();
        System.out.println("KdcFuzzIT: " + total + " messages in " + took.toMillis() + " ms");
        histogram.forEach((k, v) -> System.out.println("  " + k + ": " + v));

        assertThat(total).isGreaterThanOrEqualTo(MESSAGES);
        assertThat(violations).as("answers other than KRB-ERROR, silence or a close").isEmpty();
        synchronized (uncaught) {
            assertThat(uncaught).as("exceptions that reached a thread's top").isEmpty();
        }
        assertThat(kdcThreads().containsAll(kdcThreads)).as("KDC threads alive").isTrue();
        assertThat(histogram.keySet().stream().filter(k -> k.startsWith("KRB-ERROR")))
                .as("the KDC did answer malformed requests with errors")
                .isNotEmpty();
    }

    /** The KDC's selector thread, and "kdc-worker" while any worker is alive. */
    private static java.util.Set<String> kdcThreads() {
        java.util.Set<String> names = new java.util.TreeSet<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().startsWith("kdc-") && t.isAlive()) {
                names.add(t.getName().contains("selector") ? t.getName() : "kdc-worker");
            }
        }
        return names;
    }

    private void assertServing(String when) throws Exception {
        KrbMessage overTcp = decode(tcp(validAsReq(), Framing.EXACT));
        KrbMessage overUdp = decode(udpOne(validAsReq()));
        assertThat(overTcp.getMsgType())
                .as("TCP AS exchange " + when)
                .isEqualTo(KrbMessageType.AS_REP);
        assertThat(overUdp.getMsgType())
                .as("UDP AS exchange " + when)
                .isEqualTo(KrbMessageType.AS_REP);
    }

    /** One thread's share: half over TCP, half over UDP in batches. */
    private Void fuzz(Random random, int count) throws Exception {
        List<Case> udp = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            Case c = mutate(random);
            if (random.nextBoolean()) {
                count("sent tcp " + c.kind());
                Framing framing =
                        random.nextInt(10) == 0
                                ? Framing.values()[1 + random.nextInt(Framing.values().length - 1)]
                                : Framing.EXACT;
                classify(c, tcp(c.bytes(), framing), "tcp");
            } else {
                count("sent udp " + c.kind());
                udp.add(c);
                if (udp.size() == UDP_BATCH) {
                    udpBatch(udp);
                    udp.clear();
                }
            }
        }
        udpBatch(udp);
        return null;
    }

    record Case(String kind, byte[] bytes) {}

    private Case mutate(Random r) {
        byte[] seed = seeds.get(r.nextInt(seeds.size()));
        switch (r.nextInt(12)) {
            case 0 -> {
                byte[] b = seed.clone();
                for (int n = 1 + r.nextInt(8); n > 0; n--) {
                    b[r.nextInt(b.length)] ^= (byte) (1 << r.nextInt(8));
                }
                return new Case("bit flips", b);
            }
            case 1 -> {
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                for (byte x : seed) {
                    int op = r.nextInt(60);
                    if (op == 0) {
                        continue; // delete
                    }
                    out.write(x);
                    if (op == 1) {
                        out.write(r.nextInt(256)); // insert
                    }
                }
                return new Case("byte insert/delete", out.toByteArray());
            }
            case 2 -> {
                return new Case("truncated", Arrays.copyOf(seed, r.nextInt(seed.length)));
            }
            case 3 -> {
                byte[] b = new byte[r.nextInt(2000)];
                r.nextBytes(b);
                return new Case("random bytes", b);
            }
            case 4 -> {
                return new Case("random DER", randomDer(r, 0));
            }
            case 5 -> {
                return new Case("huge ASN.1 length", hugeLength(seed, r));
            }
            case 6 -> {
                byte[] b = seed.clone();
                int[] tags = {0x6b, 0x6d, 0x7e, 0x6e, 0x6f, 0x74, 0x60, 0x7f, 0x30, 0x04};
                b[0] = (byte) tags[r.nextInt(tags.length)];
                return new Case("wrong message type", b);
            }
            case 7 -> {
                return new Case("swapped field types", swapTypes(seed, r));
            }
            case 8 -> {
                return new Case("deep nesting", deep(1000 + r.nextInt(9000)));
            }
            case 9 -> {
                return new Case("emptied field", Der.parse(seed).emptyOne(r).encode());
            }
            case 10 -> {
                return new Case(
                        "deep nesting inside a field",
                        Der.parse(seed).nestOne(r, 1000 + r.nextInt(9000)).encode());
            }
            default -> {
                return new Case(
                        r.nextBoolean() ? "empty" : "one byte",
                        r.nextBoolean() ? new byte[0] : new byte[] {(byte) r.nextInt(256)});
            }
        }
    }

    private static byte[] randomDer(Random r, int depth) {
        int[] tags = {
            0x30, 0x31, 0x02, 0x04, 0x03, 0x1b, 0x18, 0x01, 0x05, 0x6a, 0x6c, 0xa0, 0xa1, 0xa2,
            0xa3, 0xa4, 0xa7, 0xa8
        };
        int tag = tags[r.nextInt(tags.length)];
        byte[] content;
        if (depth < 6 && (tag == 0x30 || tag == 0x31 || tag >= 0x60) && r.nextInt(4) != 0) {
            ByteArrayOutputStream inner = new ByteArrayOutputStream();
            for (int n = r.nextInt(5); n >= 0; n--) {
                inner.writeBytes(randomDer(r, depth + 1));
            }
            content = inner.toByteArray();
        } else {
            content = new byte[r.nextInt(40)];
            r.nextBytes(content);
        }
        return tlv(tag, content);
    }

    private static byte[] tlv(int tag, byte[] content) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(tag);
        int n = content.length;
        if (n < 128) {
            out.write(n);
        } else if (n < 256) {
            out.write(0x81);
            out.write(n);
        } else if (n < 65536) {
            out.write(0x82);
            out.write(n >> 8);
            out.write(n);
        } else {
            out.write(0x83);
            out.write(n >> 16);
            out.write(n >> 8);
            out.write(n);
        }
        out.writeBytes(content);
        return out.toByteArray();
    }

    /** The seed with one length octet run (outer or inner) replaced by a 4-byte huge length. */
    private static byte[] hugeLength(byte[] seed, Random r) {
        int at = r.nextBoolean() ? 1 : 1 + r.nextInt(seed.length - 2);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(seed, 0, at);
        int[] huge = {0x7fffffff, 0xffffffff, 0x40000000, 0x00ffffff};
        int len = huge[r.nextInt(huge.length)];
        out.write(0x84);
        out.write(len >>> 24);
        out.write(len >>> 16);
        out.write(len >>> 8);
        out.write(len);
        int skip = (seed[at] & 0x80) != 0 ? 1 + (seed[at] & 0x7f) : 1;
        if (at + skip < seed.length) {
            out.write(seed, at + skip, seed.length - at - skip);
        }
        return out.toByteArray();
    }

    /**
     * The seed with a few universal tags swapped for others (an INTEGER where a string goes...).
     */
    private static byte[] swapTypes(byte[] seed, Random r) {
        byte[] b = seed.clone();
        int[] tags = {0x02, 0x1b, 0x18, 0x03, 0x04, 0x30, 0x01, 0x05};
        for (int n = 1 + r.nextInt(3); n > 0; n--) {
            for (int tries = 0; tries < 50; tries++) {
                int i = r.nextInt(b.length);
                int v = b[i] & 0xff;
                if (Arrays.stream(tags).anyMatch(t -> t == v)) {
                    b[i] = (byte) tags[r.nextInt(tags.length)];
                    break;
                }
            }
        }
        return b;
    }

    /** {@code depth} nested SEQUENCEs inside an AS-REQ application tag. */
    private static byte[] deep(int depth) {
        byte[] inner = tlv(0x02, new byte[] {5});
        for (int i = 0; i < depth; i++) {
            inner = tlv(i % 2 == 0 ? 0x30 : 0xa1, inner);
        }
        return tlv(0x6a, inner);
    }

    /**
     * A DER tree of a seed, re-encoded with correct lengths after a structural mutation. OCTET
     * STRINGs whose content is itself DER (padata values, encrypted-part wrappers) are descended
     * into, so that a mutation can reach a field the outer decoder hands to an inner one.
     */
    record Der(int tag, byte[] value, List<Der> children) {
        static Der parse(byte[] bytes) {
            Der d = parseOne(ByteBuffer.wrap(bytes));
            if (d == null) {
                throw new IllegalArgumentException("seed is not DER");
            }
            return d;
        }

        private static Der parseOne(ByteBuffer in) {
            if (in.remaining() < 2) {
                return null;
            }
            int tag = in.get() & 0xff;
            int len = in.get() & 0xff;
            if (len >= 0x80) {
                int n = len & 0x7f;
                if (n == 0 || n > 3 || in.remaining() < n) {
                    return null;
                }
                len = 0;
                for (int i = 0; i < n; i++) {
                    len = (len << 8) | (in.get() & 0xff);
                }
            }
            if (in.remaining() < len) {
                return null;
            }
            byte[] value = new byte[len];
            in.get(value);
            boolean constructed = (tag & 0x20) != 0;
            if (constructed || tag == 0x04) {
                List<Der> children = new ArrayList<>();
                ByteBuffer inner = ByteBuffer.wrap(value);
                while (inner.hasRemaining()) {
                    Der child = parseOne(inner);
                    if (child == null) {
                        return constructed ? null : new Der(tag, value, null);
                    }
                    children.add(child);
                }
                return new Der(tag, value, children);
            }
            return new Der(tag, value, null);
        }

        byte[] encode() {
            if (children == null) {
                return tlv(tag, value);
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            children.forEach(c -> out.writeBytes(c.encode()));
            return tlv(tag, out.toByteArray());
        }

        private List<Der> all() {
            List<Der> nodes = new ArrayList<>();
            nodes.add(this);
            if (children != null) {
                children.forEach(c -> nodes.addAll(c.all()));
            }
            return nodes;
        }

        private Der replace(Der target, Der with) {
            if (this == target) {
                return with;
            }
            if (children == null) {
                return this;
            }
            List<Der> copy = new ArrayList<>();
            children.forEach(c -> copy.add(c.replace(target, with)));
            return new Der(tag, value, copy);
        }

        /** One primitive field (an INTEGER, a string, a time...) with its content emptied. */
        Der emptyOne(Random r) {
            List<Der> leaves = all().stream().filter(n -> n.children == null).toList();
            Der target = leaves.get(r.nextInt(leaves.size()));
            return replace(target, new Der(target.tag, new byte[0], null));
        }

        /** One field's content replaced by {@code depth} nested SEQUENCEs. */
        Der nestOne(Random r, int depth) {
            List<Der> nodes = all();
            Der target = nodes.get(1 + r.nextInt(nodes.size() - 1));
            byte[] inner = tlv(0x02, new byte[] {5});
            for (int i = 0; i < depth; i++) {
                inner = tlv(i % 2 == 0 ? 0x30 : 0xa1, inner);
            }
            return replace(target, new Der(target.tag, inner, null));
        }
    }

    enum Framing {
        EXACT,
        LONGER_THAN_SENT,
        SHORTER_THAN_SENT,
        ZERO,
        HUGE,
        NEGATIVE
    }

    /** Sends over TCP; returns the reply, or null if the KDC closed without one. */
    private byte[] tcp(byte[] bytes, Framing framing) throws IOException {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), fx.kdc.tcpPort())) {
            s.setSoTimeout(3000);
            int prefix =
                    switch (framing) {
                        case EXACT -> bytes.length;
                        case LONGER_THAN_SENT -> bytes.length + 1 + bytes.length / 2;
                        case SHORTER_THAN_SENT -> Math.max(0, bytes.length / 2);
                        case ZERO -> 0;
                        case HUGE -> 0x7ffffff0;
                        case NEGATIVE -> 0x80000010;
                    };
            OutputStream out = s.getOutputStream();
            out.write(ByteBuffer.allocate(4).putInt(prefix).array());
            try {
                out.write(bytes);
                out.flush();
                s.shutdownOutput();
            } catch (IOException closedEarly) {
                count("tcp closed while sending");
                return null;
            }
            DataInputStream in = new DataInputStream(s.getInputStream());
            try {
                int length = in.readInt();
                if (length < 0 || length > 1 << 20) {
                    violations.add("tcp reply length " + length);
                    return null;
                }
                byte[] reply = new byte[length];
                in.readFully(reply);
                return reply;
            } catch (EOFException | java.net.SocketException closed) {
                return null;
            } catch (SocketTimeoutException held) {
                count("tcp held open past 3 s (" + framing + ")");
                return null;
            }
        }
    }

    private byte[] udpOne(byte[] bytes) throws IOException {
        try (DatagramSocket socket = new DatagramSocket()) {
            socket.setSoTimeout(3000);
            socket.send(packet(bytes));
            DatagramPacket answer = new DatagramPacket(new byte[65536], 65536);
            socket.receive(answer);
            return Arrays.copyOf(answer.getData(), answer.getLength());
        }
    }

    private static DatagramPacket packet(byte[] bytes) {
        return new DatagramPacket(
                bytes, bytes.length, InetAddress.getLoopbackAddress(), fx.kdc.udpPort());
    }

    /** Sends a batch from one socket each, then collects what comes back within the wait. */
    private void udpBatch(List<Case> batch) throws IOException {
        List<DatagramSocket> sockets = new ArrayList<>();
        try {
            for (Case c : batch) {
                DatagramSocket socket = new DatagramSocket();
                sockets.add(socket);
                socket.send(packet(c.bytes()));
            }
            long deadline = System.nanoTime() + UDP_WAIT.toNanos();
            for (int i = 0; i < sockets.size(); i++) {
                DatagramSocket socket = sockets.get(i);
                long left = Math.max(1, (deadline - System.nanoTime()) / 1_000_000);
                socket.setSoTimeout((int) left);
                DatagramPacket answer = new DatagramPacket(new byte[65536], 65536);
                try {
                    socket.receive(answer);
                    classify(
                            batch.get(i),
                            Arrays.copyOf(answer.getData(), answer.getLength()),
                            "udp");
                } catch (SocketTimeoutException dropped) {
                    count("udp dropped (no answer)");
                }
            }
        } finally {
            sockets.forEach(DatagramSocket::close);
        }
    }

    private void classify(Case c, byte[] reply, String transport) {
        if (reply == null) {
            count(transport + " closed without an answer");
            return;
        }
        KrbMessage m;
        try {
            m = decode(reply);
        } catch (IOException e) {
            violations.add(transport + ": undecodable answer to " + c.kind());
            return;
        }
        if (m instanceof KrbError e) {
            count("KRB-ERROR " + e.getErrorCode());
        } else if (m.getMsgType() == KrbMessageType.AS_REP
                || m.getMsgType() == KrbMessageType.TGS_REP) {
            // a mutation that left a valid request (a flipped bit in a nonce, say) may be answered
            try {
                KrbMessage asked = decode(c.bytes());
                if (asked.getMsgType() == KrbMessageType.AS_REQ
                        || asked.getMsgType() == KrbMessageType.TGS_REQ) {
                    count("ticket for a mutation that is still a valid request");
                    return;
                }
            } catch (IOException | RuntimeException notARequest) {
                // falls through
            }
            violations.add(
                    transport
                            + ": a ticket for an invalid request ("
                            + c.kind()
                            + ") "
                            + java.util.HexFormat.of().formatHex(c.bytes()));
        } else {
            violations.add(transport + ": answered with " + m.getMsgType());
        }
    }

    /**
     * Kerby's decode of {@code bytes}. Kerby's parser is recursive: what overflows this thread's
     * stack (frames are larger before the JIT compiles them) is decoded again on a thread with a
     * large stack, so that classification does not depend on how deep the caller happens to be.
     */
    private static KrbMessage decode(byte[] bytes) throws IOException {
        try {
            return KrbCodec.decodeMessage(ByteBuffer.wrap(bytes));
        } catch (RuntimeException e) {
            throw new IOException("undecodable", e);
        } catch (StackOverflowError e) {
            java.util.concurrent.CompletableFuture<KrbMessage> result =
                    new java.util.concurrent.CompletableFuture<>();
            Thread big =
                    new Thread(
                            null,
                            () -> {
                                try {
                                    result.complete(KrbCodec.decodeMessage(ByteBuffer.wrap(bytes)));
                                } catch (Exception | StackOverflowError again) {
                                    result.completeExceptionally(again);
                                }
                            },
                            "fuzz-decode",
                            256L << 20);
            big.start();
            try {
                return result.get();
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", ie);
            } catch (java.util.concurrent.ExecutionException ee) {
                throw new IOException("undecodable even with a large stack", ee.getCause());
            }
        }
    }

    private void count(String what) {
        outcomes.computeIfAbsent(what, k -> new AtomicLong()).incrementAndGet();
    }
}
