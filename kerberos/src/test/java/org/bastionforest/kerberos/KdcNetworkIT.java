package org.bastionforest.kerberos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.bastionforest.kerberos.KdcFixture.ALICE;
import static org.bastionforest.kerberos.KdcFixture.PASSWORD;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.Socket;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.kerby.kerberos.kerb.KrbCodec;
import org.apache.kerby.kerberos.kerb.KrbErrorCode;
import org.apache.kerby.kerberos.kerb.type.base.KrbError;
import org.apache.kerby.kerberos.kerb.type.kdc.AsReq;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The non-blocking TCP and UDP layer. */
class KdcNetworkIT {
    private static KdcFixture fx;
    private static byte[] request;

    @BeforeAll
    static void start() throws Exception {
        fx = new KdcFixture();
        fx.kdc.principals().setPassword(ALICE, PASSWORD.toCharArray());
        RawClient raw = new RawClient(fx.kdc);
        AsReq req = new AsReq();
        req.setReqBody(
                raw.body(RawClient.user("alice"), raw.krbtgt(), Instant.now().plusSeconds(600)));
        request = KrbCodec.encode(req);
    }

    @AfterAll
    static void stop() {
        if (fx != null) {
            fx.close();
        }
    }

    @Test
    void stalledTcpClients_thenOtherTcpAndUdpRequestsStillAnswered() throws Exception {
        List<Socket> stalled = new ArrayList<>();
        try {
            for (int i = 0; i < 20; i++) {
                Socket s = new Socket(InetAddress.getLoopbackAddress(), fx.kdc.tcpPort());
                s.getOutputStream().write(new byte[] {0, 0}); // half a length prefix, then nothing
                stalled.add(s);
            }
            assertThat(overTcp(request).getErrorCode())
                    .isEqualTo(KrbErrorCode.KDC_ERR_PREAUTH_REQUIRED);
            assertThat(overUdp(request).getErrorCode())
                    .isEqualTo(KrbErrorCode.KDC_ERR_PREAUTH_REQUIRED);
        } finally {
            for (Socket s : stalled) {
                s.close();
            }
        }
    }

    /** One request per connection, as MIT's KDC serves TCP: the KDC closes it after the answer. */
    @Test
    void tcp_afterTheAnswer_thenTheKdcClosesTheConnection() throws Exception {
        for (int i = 0; i < 5; i++) {
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), fx.kdc.tcpPort())) {
                s.setSoTimeout(5000);
                DataOutputStream out = new DataOutputStream(s.getOutputStream());
                DataInputStream in = new DataInputStream(s.getInputStream());
                out.writeInt(request.length);
                out.write(request);
                out.flush();
                byte[] reply = new byte[in.readInt()];
                in.readFully(reply);
                assertThat(
                                ((KrbError) KrbCodec.decodeMessage(java.nio.ByteBuffer.wrap(reply)))
                                        .getErrorCode())
                        .isEqualTo(KrbErrorCode.KDC_ERR_PREAUTH_REQUIRED);
                assertThat(in.read()).as("closed by the KDC after its answer").isEqualTo(-1);
            }
        }
    }

    @Test
    void tcp_whenAnAnswerComesAfterTheIdleDrop_thenTheConnectionIsUncountedOnce() throws Exception {
        BastionKdc.Options d = BastionKdc.Options.defaults(KdcFixture.REALM);
        BastionKdc.Options options =
                new BastionKdc.Options(
                        d.realm(),
                        "127.0.0.1",
                        0,
                        -1,
                        d.maxTicketLifetime(),
                        d.maxRenewableLifetime(),
                        d.minTicketLifetime(),
                        d.clockSkew(),
                        d.enctypes(),
                        d.requirePrivilegedOnlyRenewal(),
                        d.identityCacheTtl(),
                        d.udpMaxResponse(),
                        d.maxRequestSize(),
                        d.workerThreads(),
                        1, // one TCP connection at a time
                        Duration.ofMillis(500),
                        d.ticketAudit());
        try (KdcFixture slow = new KdcFixture(options)) {
            slow.kdc.principals().setPassword(ALICE, PASSWORD.toCharArray());
            byte[] preauthenticated =
                    preauthenticatedAs(
                            new RawClient(slow.kdc),
                            RawClient.passwordKey("alice", KdcFixture.REALM, PASSWORD));
            // the grant look-up takes longer than the idle timeout: the selector drops the
            // connection, then the worker's answer fails on the closed channel
            slow.grantsOverride =
                    user -> {
                        try {
                            Thread.sleep(1500);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                        return slow.requests.effectiveWindow(user);
                    };
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), slow.kdc.tcpPort())) {
                s.setSoTimeout(5000);
                DataOutputStream out = new DataOutputStream(s.getOutputStream());
                out.writeInt(preauthenticated.length);
                out.write(preauthenticated);
                out.flush();
                assertThat(s.getInputStream().read()).as("dropped when idle").isEqualTo(-1);
            }
            Thread.sleep(1500); // the worker's late answer fails meanwhile
            slow.grantsOverride = null;

            // counted once: with one connection held, a second is refused at once
            try (Socket held = new Socket(InetAddress.getLoopbackAddress(), slow.kdc.tcpPort());
                    Socket extra =
                            new Socket(InetAddress.getLoopbackAddress(), slow.kdc.tcpPort())) {
                Thread.sleep(50); // both accepted by the selector
                extra.setSoTimeout(5000);
                long start = System.nanoTime();
                assertThat(extra.getInputStream().read()).isEqualTo(-1);
                assertThat(Duration.ofNanos(System.nanoTime() - start))
                        .as("refused, not dropped by the idle timeout")
                        .isLessThan(Duration.ofMillis(400));
                assertThat(held.isClosed()).isFalse();
            }
        }
    }

    /**
     * A request read as its connection is accepted is answered without the selector watching the
     * connection; the idle timeout closes it all the same when the answer takes longer.
     */
    @Test
    void tcp_whenReadAtAcceptAndTheAnswerIsSlow_thenClosedWithinTheIdleTimeout() throws Exception {
        BastionKdc.Options options =
                BastionKdc.Options.defaults(KdcFixture.REALM)
                        .withAddress("127.0.0.1", 0, -1)
                        .withTcpIdleTimeout(Duration.ofMillis(300));
        KdcNetwork network =
                new KdcNetwork(
                        options,
                        (req, send) -> {
                            try {
                                Thread.sleep(1500);
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            }
                            send.accept(fx.kdc.handle(req));
                        },
                        req -> new byte[0],
                        () -> {});
        try {
            for (int i = 0; i < 20 && network.answeredAtAccept() == 0; i++) {
                try (Socket s = new Socket(InetAddress.getLoopbackAddress(), network.tcpPort())) {
                    s.setSoTimeout(5000);
                    DataOutputStream out = new DataOutputStream(s.getOutputStream());
                    out.writeInt(request.length);
                    out.write(request);
                    out.flush();
                    long start = System.nanoTime();
                    assertThat(s.getInputStream().read()).as("closed, not answered").isEqualTo(-1);
                    assertThat(Duration.ofNanos(System.nanoTime() - start))
                            .isLessThan(Duration.ofMillis(1200));
                }
            }
            assertThat(network.answeredAtAccept())
                    .as("a request read at accept among 20 connections")
                    .isPositive();
        } finally {
            network.close();
        }
    }

    @Test
    void tcp_lengthAboveLimit_thenConnectionClosedWithoutBuffering() throws Exception {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), fx.kdc.tcpPort())) {
            s.setSoTimeout(5000);
            new DataOutputStream(s.getOutputStream()).writeInt(64 << 20);
            assertThat(s.getInputStream().read()).isEqualTo(-1);
        }
        assertThat(overTcp(request).getErrorCode())
                .isEqualTo(KrbErrorCode.KDC_ERR_PREAUTH_REQUIRED);
    }

    @Test
    void tcp_recordTrickledByteByByte_thenClosedWithinTheIdleTimeout() throws Exception {
        try (KdcFixture slow =
                        new KdcFixture(
                                BastionKdc.Options.defaults(KdcFixture.REALM)
                                        .withAddress("127.0.0.1", 0, 0)
                                        .withTcpIdleTimeout(Duration.ofSeconds(2)));
                Socket s = new Socket(InetAddress.getLoopbackAddress(), slow.kdc.tcpPort())) {
            s.setSoTimeout(200);
            DataOutputStream out = new DataOutputStream(s.getOutputStream());
            out.writeInt(request.length);
            long start = System.nanoTime();
            boolean closed = false;
            // one byte every 200 ms: each arrives well within the timeout, the record never does
            for (int i = 0; i < request.length && !closed; i++) {
                try {
                    out.write(request[i]);
                    closed = s.getInputStream().read() < 0;
                } catch (java.net.SocketTimeoutException e) {
                    // still open
                } catch (java.net.SocketException e) {
                    closed = true;
                }
                if (System.nanoTime() - start > Duration.ofSeconds(6).toNanos()) {
                    break;
                }
            }
            assertThat(closed).as("connection closed while still trickling").isTrue();
            assertThat(Duration.ofNanos(System.nanoTime() - start))
                    .isLessThan(Duration.ofSeconds(4));
        }
    }

    @Test
    void udp_manyRequests_thenAnsweredFast() throws Exception {
        Instant start = Instant.now();
        try (DatagramSocket socket = new DatagramSocket()) {
            socket.setSoTimeout(5000);
            for (int i = 0; i < 200; i++) {
                socket.send(
                        new DatagramPacket(
                                request,
                                request.length,
                                InetAddress.getLoopbackAddress(),
                                fx.kdc.udpPort()));
                DatagramPacket answer = new DatagramPacket(new byte[4096], 4096);
                socket.receive(answer);
            }
        }
        // Kerby 2.1.1 answers about 10 UDP requests a second (a 100 ms TCP accept in between)
        assertThat(Duration.between(start, Instant.now())).isLessThan(Duration.ofSeconds(5));
    }

    @Test
    void journal_concurrentClientsOverTcpAndUdp_thenNoTicketArrivesBeforeItsEventIsOnDisk()
            throws Exception {
        try (KdcFixture j =
                new KdcFixture(
                        BastionKdc.Options.defaults(KdcFixture.REALM)
                                .withAddress("127.0.0.1", 0, 0)
                                .withTicketAudit(TicketAudit.JOURNAL))) {
            j.kdc.principals().setPassword(ALICE, PASSWORD.toCharArray());
            RawClient raw = new RawClient(j.kdc);
            var key = RawClient.passwordKey("alice", KdcFixture.REALM, PASSWORD);
            int clients = 8;
            int each = 25;
            java.util.concurrent.atomic.AtomicInteger received =
                    new java.util.concurrent.atomic.AtomicInteger();
            java.util.concurrent.ExecutorService pool =
                    java.util.concurrent.Executors.newFixedThreadPool(clients);
            try {
                List<java.util.concurrent.Future<?>> done = new ArrayList<>();
                for (int c = 0; c < clients; c++) {
                    boolean tcp = c % 2 == 0;
                    done.add(
                            pool.submit(
                                    () -> {
                                        for (int i = 0; i < each; i++) {
                                            byte[] bytes = preauthenticatedAs(raw, key);
                                            byte[] reply =
                                                    tcp
                                                            ? exchangeTcp(j.kdc.tcpPort(), bytes)
                                                            : exchangeUdp(j.kdc.udpPort(), bytes);
                                            assertThat(RawClient.decode(reply))
                                                    .isInstanceOf(
                                                            org.apache.kerby.kerberos.kerb.type.kdc
                                                                    .AsRep.class);
                                            // the k-th ticket to arrive: k events forced by then
                                            int k = received.incrementAndGet();
                                            assertThat(j.journal.head().seq())
                                                    .isGreaterThanOrEqualTo(k);
                                        }
                                        return null;
                                    }));
                }
                for (java.util.concurrent.Future<?> f : done) {
                    f.get(60, java.util.concurrent.TimeUnit.SECONDS);
                }
            } finally {
                pool.shutdownNow();
            }
            assertThat(received.get()).isEqualTo(clients * each);
            assertThat(j.journal.head().seq()).isEqualTo(clients * each);
            assertThat(j.kdc.counters())
                    .containsEntry("kerberos.tickets.issued", (long) clients * each);
            assertThat(j.kdc.counters().get("kerberos.ticket-audit.groups"))
                    .isBetween(1L, (long) clients * each);
            assertThat(j.journal.verify().problems()).isEmpty();
            assertThat(
                            j.audit
                                    .query(
                                            org.bastionforest.shadowgroups.audit.AuditQuery.all()
                                                    .type("kerberos.ticket.issued"))
                                    .records())
                    .as("ticket events go to the journal, not the SQL log")
                    .isEmpty();

            // the journal fails (closed, as when its disk does): refused over both transports
            j.journal.close();
            for (boolean tcp : new boolean[] {true, false}) {
                byte[] bytes = preauthenticatedAs(raw, key);
                byte[] reply =
                        tcp
                                ? exchangeTcp(j.kdc.tcpPort(), bytes)
                                : exchangeUdp(j.kdc.udpPort(), bytes);
                assertThat(((KrbError) RawClient.decode(reply)).getErrorCode())
                        .isEqualTo(KrbErrorCode.KDC_ERR_SVC_UNAVAILABLE);
            }
            assertThat(j.journal.head().seq()).isEqualTo(clients * each);
        }
    }

    @Test
    void udp_socketsPerWorkerShareThePort_manyClientsAreAnswered_andClosingFreesIt()
            throws Exception {
        BastionKdc.Options options =
                BastionKdc.Options.defaults(KdcFixture.REALM).withAddress("127.0.0.1", -1, 0);
        for (boolean reusePort : new boolean[] {true, false}) {
            if (reusePort && !KdcNetwork.REUSE_PORT) {
                continue; // not this platform: the shared socket below is what runs
            }
            int port;
            KdcNetwork network =
                    new KdcNetwork(
                            options,
                            (req, send) -> send.accept(fx.kdc.handle(req)),
                            req -> new byte[0],
                            () -> {},
                            reusePort);
            try {
                port = network.udpPort();
                assertThat(network.udpSockets()).isEqualTo(reusePort ? options.workerThreads() : 1);
                // clients on many source ports: spread over every socket with SO_REUSEPORT
                List<DatagramSocket> clients = new ArrayList<>();
                try {
                    for (int i = 0; i < 64; i++) {
                        DatagramSocket c = new DatagramSocket();
                        c.setSoTimeout(5000);
                        clients.add(c);
                        c.send(
                                new DatagramPacket(
                                        request,
                                        request.length,
                                        InetAddress.getLoopbackAddress(),
                                        port));
                    }
                    for (DatagramSocket c : clients) {
                        DatagramPacket answer = new DatagramPacket(new byte[4096], 4096);
                        c.receive(answer);
                        assertThat(answer.getPort())
                                .as("answered from the KDC's port")
                                .isEqualTo(port);
                        KrbError e =
                                (KrbError)
                                        RawClient.decode(
                                                Arrays.copyOf(
                                                        answer.getData(), answer.getLength()));
                        assertThat(e.getErrorCode())
                                .isEqualTo(KrbErrorCode.KDC_ERR_PREAUTH_REQUIRED);
                    }
                } finally {
                    clients.forEach(DatagramSocket::close);
                }
                assertThat(network.isRunning()).isTrue();
            } finally {
                network.close();
            }
            assertThat(network.udpThreadsAlive()).as("UDP threads ended").isFalse();
            assertThat(network.answering()).isZero();
            // every socket closed: the port binds again without SO_REUSEPORT
            try (DatagramSocket again =
                    new DatagramSocket(
                            new java.net.InetSocketAddress(
                                    InetAddress.getLoopbackAddress(), port))) {
                assertThat(again.getLocalPort()).isEqualTo(port);
            }
        }
    }

    /** Alice's AS-REQ for a TGT with a fresh PA-ENC-TIMESTAMP, encoded. */
    private static byte[] preauthenticatedAs(
            RawClient raw, org.apache.kerby.kerberos.kerb.type.base.EncryptionKey key)
            throws Exception {
        AsReq req = new AsReq();
        req.setReqBody(
                raw.body(RawClient.user("alice"), raw.krbtgt(), Instant.now().plusSeconds(600)));
        org.apache.kerby.kerberos.kerb.type.pa.PaData pa =
                new org.apache.kerby.kerberos.kerb.type.pa.PaData();
        pa.addElement(raw.encTimestamp(key, Instant.now()));
        req.setPaData(pa);
        return KrbCodec.encode(req);
    }

    private static byte[] exchangeTcp(int port, byte[] bytes) throws Exception {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(5000);
            DataOutputStream out = new DataOutputStream(s.getOutputStream());
            out.writeInt(bytes.length);
            out.write(bytes);
            out.flush();
            DataInputStream in = new DataInputStream(s.getInputStream());
            byte[] reply = new byte[in.readInt()];
            in.readFully(reply);
            return reply;
        }
    }

    private static byte[] exchangeUdp(int port, byte[] bytes) throws Exception {
        try (DatagramSocket socket = new DatagramSocket()) {
            socket.setSoTimeout(5000);
            socket.send(
                    new DatagramPacket(
                            bytes, bytes.length, InetAddress.getLoopbackAddress(), port));
            DatagramPacket answer = new DatagramPacket(new byte[4096], 4096);
            socket.receive(answer);
            return Arrays.copyOf(answer.getData(), answer.getLength());
        }
    }

    private static KrbError overTcp(byte[] bytes) throws Exception {
        return (KrbError) RawClient.decode(exchangeTcp(fx.kdc.tcpPort(), bytes));
    }

    private static KrbError overUdp(byte[] bytes) throws Exception {
        return (KrbError) RawClient.decode(exchangeUdp(fx.kdc.udpPort(), bytes));
    }
}
