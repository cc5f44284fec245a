package org.bastionforest.kerberos;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The KDC's network layer. TCP: one selector thread reads RFC 4120 §7.2.2 length-prefixed messages
 * (non-blocking, a buffer only as large as each request) and a bounded pool of worker threads
 * answers them, so a slow database does not stall the selector. UDP: {@link
 * BastionKdc.Options#workerThreads()} threads of their own, each receiving on its own socket bound
 * to the port with {@code SO_REUSEPORT} (the kernel spreads datagrams over them by the client's
 * address and port) and answering what it received — no selector and no hand-over per datagram;
 * where {@code SO_REUSEPORT} is missing they share one socket. A UDP answer larger than {@link
 * BastionKdc.Options#udpMaxResponse()} is replaced by KRB_ERR_RESPONSE_TOO_BIG, after which clients
 * retry over TCP. A TCP connection is closed when no complete request has been answered within
 * {@link BastionKdc.Options#tcpIdleTimeout()} of its opening or its last answer, however slowly
 * bytes keep arriving. Thread-safe; started once, closed once.
 */
final class KdcNetwork implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(KdcNetwork.class);
    private static final int UDP_BUFFER = 65_536;

    /** The longest the selector sleeps without an event. */
    static final long SELECT_TIMEOUT_MS = 200;

    /** Answers requests: calls {@code send} once with the answer, on its thread or later. */
    @FunctionalInterface
    interface Responder {
        void answer(byte[] request, Consumer<byte[]> send);
    }

    private final BastionKdc.Options options;
    private final Responder responder;
    private final Function<byte[], byte[]> tooBig;
    private final Runnable idle;
    private final AtomicInteger answering = new AtomicInteger();
    private final Selector selector;
    private final ServerSocketChannel tcp;
    private final List<DatagramChannel> udp;
    private final List<Thread> udpThreads = new ArrayList<>();
    private final ThreadPoolExecutor workers;
    private final Queue<Runnable> selectorTasks = new ConcurrentLinkedQueue<>();
    private final AtomicInteger connections = new AtomicInteger();
    private final Thread loop;
    private volatile boolean running = true;

    /**
     * Connections answered straight from accept, never registered with the selector: the idle
     * timeout covers them too (an answer slower than it closes the connection, as for the others).
     */
    private final AtomicLong answeredAtAccept = new AtomicLong();

    private final java.util.Set<Conn> unregistered =
            java.util.concurrent.ConcurrentHashMap.newKeySet();

    private static final class Conn {
        final SocketChannel channel;
        final ByteBuffer length = ByteBuffer.allocate(4);
        ByteBuffer body;
        volatile ByteBuffer out;

        /** Accepted: its request must arrive (and be answered) within the idle timeout. */
        final long since = System.nanoTime();

        /** Set by the one {@link #drop} that counts: a connection is uncounted once. */
        final java.util.concurrent.atomic.AtomicBoolean dropped =
                new java.util.concurrent.atomic.AtomicBoolean();

        Conn(SocketChannel channel) {
            this.channel = channel;
        }
    }

    /**
     * @param responder answers requests on the worker threads
     * @param tooBig the answer to a request whose answer does not fit a datagram
     * @param idle called when no request is being answered any more ({@link #answering()} dropped
     *     to zero)
     */
    KdcNetwork(
            BastionKdc.Options options,
            Responder responder,
            Function<byte[], byte[]> tooBig,
            Runnable idle)
            throws IOException {
        this(options, responder, tooBig, idle, REUSE_PORT);
    }

    /** As above; {@code reusePort} false makes the UDP threads share one socket (tests). */
    KdcNetwork(
            BastionKdc.Options options,
            Responder responder,
            Function<byte[], byte[]> tooBig,
            Runnable idle,
            boolean reusePort)
            throws IOException {
        this.options = options;
        this.responder = responder;
        this.tooBig = tooBig;
        this.idle = idle;
        this.selector = Selector.open();
        ServerSocketChannel t = null;
        List<DatagramChannel> u = List.of();
        try {
            if (options.tcpPort() >= 0) {
                t = ServerSocketChannel.open();
                t.bind(new InetSocketAddress(options.host(), options.tcpPort()), 128);
                t.configureBlocking(false);
                t.register(selector, SelectionKey.OP_ACCEPT);
            }
            if (options.udpPort() >= 0) {
                u = udpSockets(options, reusePort);
            }
        } catch (IOException | RuntimeException e) {
            closeQuietly(t);
            selector.close();
            throw e;
        }
        this.tcp = t;
        this.udp = u;
        for (int i = 0; i < u.size(); i++) {
            DatagramChannel channel = u.get(i);
            Thread th =
                    new Thread(
                            () -> serveDatagrams(channel),
                            "kdc-" + options.realm() + "-udp-" + (i + 1));
            th.setDaemon(true);
            udpThreads.add(th);
        }
        AtomicInteger n = new AtomicInteger();
        this.workers =
                new ThreadPoolExecutor(
                        options.workerThreads(),
                        options.workerThreads(),
                        60,
                        TimeUnit.SECONDS,
                        new ArrayBlockingQueue<>(1024),
                        r -> {
                            Thread th =
                                    new Thread(
                                            r,
                                            "kdc-"
                                                    + options.realm()
                                                    + "-worker-"
                                                    + n.incrementAndGet());
                            th.setDaemon(true);
                            return th;
                        });
        this.loop = new Thread(this::run, "kdc-" + options.realm() + "-selector");
        loop.setDaemon(true);
        loop.start();
        udpThreads.forEach(Thread::start);
    }

    int tcpPort() {
        return tcp == null ? -1 : tcp.socket().getLocalPort();
    }

    int udpPort() {
        return udp.isEmpty() ? -1 : udp.get(0).socket().getLocalPort();
    }

    /** Distinct UDP sockets listening (1 where {@code SO_REUSEPORT} is missing). */
    int udpSockets() {
        return (int) udp.stream().distinct().count();
    }

    /** Whether any UDP thread is still alive (tests: none after {@link #close()}). */
    boolean udpThreadsAlive() {
        return udpThreads.stream().anyMatch(Thread::isAlive);
    }

    boolean isRunning() {
        return running && loop.isAlive() && udpThreads.stream().allMatch(Thread::isAlive);
    }

    /** TCP requests read as their connection was accepted (tests). */
    long answeredAtAccept() {
        return answeredAtAccept.get();
    }

    /** Requests read and not yet answered by the responder (queued or on a worker). */
    int answering() {
        return answering.get();
    }

    private void run() {
        long idleNanos = options.tcpIdleTimeout().toNanos();
        while (running) {
            try {
                selector.select(SELECT_TIMEOUT_MS);
                Runnable task;
                while ((task = selectorTasks.poll()) != null) {
                    task.run();
                }
                Iterator<SelectionKey> it = selector.selectedKeys().iterator();
                while (it.hasNext()) {
                    SelectionKey key = it.next();
                    it.remove();
                    if (!key.isValid()) {
                        continue;
                    }
                    if (key.isAcceptable()) {
                        accept();
                    } else {
                        Conn c = (Conn) key.attachment();
                        try {
                            if (key.isReadable()) {
                                read(key, c);
                            } else if (key.isWritable()) {
                                write(key, c);
                            }
                        } catch (IOException e) {
                            drop(key, c);
                        }
                    }
                }
                long now = System.nanoTime();
                for (SelectionKey key : selector.keys()) {
                    if (key.isValid()
                            && key.attachment() instanceof Conn c
                            && c.out == null
                            && now - c.since > idleNanos) {
                        drop(key, c);
                    }
                }
                for (Conn c : unregistered) {
                    if (c.out == null && now - c.since > idleNanos) {
                        drop(null, c);
                    }
                }
            } catch (ClosedSelectorException e) {
                return;
            } catch (IOException | RuntimeException e) {
                LOG.warn("kerberos.network: {}", e.getClass().getSimpleName());
            }
        }
    }

    /** Whether this platform lets several sockets share a UDP port (Linux, BSDs, macOS). */
    static final boolean REUSE_PORT;

    static {
        boolean supported;
        try (DatagramChannel probe = DatagramChannel.open()) {
            supported = probe.supportedOptions().contains(StandardSocketOptions.SO_REUSEPORT);
        } catch (IOException e) {
            supported = false;
        }
        // only Linux spreads unicast datagrams over the group (macOS and older BSDs deliver them
        // all to one socket)
        REUSE_PORT =
                supported
                        && System.getProperty("os.name", "")
                                .toLowerCase(java.util.Locale.ROOT)
                                .startsWith("linux");
    }

    /**
     * The UDP sockets, one per worker: with {@code reusePort} each bound to the port on its own
     * (the first one chooses it when the port is 0), else one socket listed once per worker.
     */
    static List<DatagramChannel> udpSockets(BastionKdc.Options options, boolean reusePort)
            throws IOException {
        StandardProtocolFamily family =
                new InetSocketAddress(options.host(), 0).getAddress()
                                instanceof java.net.Inet6Address
                        ? StandardProtocolFamily.INET6
                        : StandardProtocolFamily.INET;
        List<DatagramChannel> sockets = new ArrayList<>();
        if (reusePort && options.udpPort() > 0) {
            // a fixed port held by anyone else fails here, as without SO_REUSEPORT, instead of
            // being shared silently with another KDC of the same user
            try (DatagramChannel probe = DatagramChannel.open(family)) {
                probe.bind(new InetSocketAddress(options.host(), options.udpPort()));
            }
        }
        try {
            int port = options.udpPort();
            for (int i = 0; i < (reusePort ? options.workerThreads() : 1); i++) {
                DatagramChannel c = DatagramChannel.open(family);
                sockets.add(c);
                if (reusePort) {
                    c.setOption(StandardSocketOptions.SO_REUSEPORT, true);
                }
                c.bind(new InetSocketAddress(options.host(), port));
                port = c.socket().getLocalPort();
            }
        } catch (IOException | RuntimeException e) {
            sockets.forEach(KdcNetwork::closeQuietly);
            throw e;
        }
        while (sockets.size() < options.workerThreads()) {
            sockets.add(sockets.get(0));
        }
        return List.copyOf(sockets);
    }

    /**
     * On a UDP thread: receives datagrams on {@code channel} (blocking) and answers each; the
     * answer goes out from the same socket, on this thread or the one that releases it.
     */
    private void serveDatagrams(DatagramChannel channel) {
        ByteBuffer buffer = ByteBuffer.allocate(UDP_BUFFER);
        while (running) {
            SocketAddress from;
            try {
                buffer.clear();
                from = channel.receive(buffer);
            } catch (java.nio.channels.ClosedChannelException e) {
                return; // closing
            } catch (IOException | RuntimeException e) {
                if (!running) {
                    return;
                }
                LOG.warn("kerberos.network: UDP {}", e.getClass().getSimpleName());
                continue;
            }
            buffer.flip();
            byte[] request = new byte[buffer.remaining()];
            buffer.get(request);
            answering.incrementAndGet();
            try {
                responder.answer(
                        request,
                        reply -> {
                            byte[] r =
                                    reply.length > options.udpMaxResponse()
                                            ? tooBig.apply(request)
                                            : reply;
                            try {
                                channel.send(ByteBuffer.wrap(r), from);
                            } catch (IOException e) {
                                LOG.debug("UDP reply not sent ({})", e.getClass().getSimpleName());
                            }
                        });
            } catch (RuntimeException | Error e) {
                // this thread is the only reader of its socket: it must not end here
                LOG.warn("kerberos.failed: {}", e.getClass().getSimpleName(), e);
            } finally {
                if (answering.decrementAndGet() == 0) {
                    idle.run();
                }
            }
        }
    }

    private void accept() throws IOException {
        SocketChannel ch = tcp.accept();
        if (ch == null) {
            return;
        }
        if (connections.incrementAndGet() > options.maxTcpConnections()) {
            connections.decrementAndGet();
            ch.close();
            return;
        }
        ch.configureBlocking(false);
        Conn c = new Conn(ch);
        // the request usually arrives with the connection: read it at once, and register the
        // connection with the selector only if it is not complete yet
        int read;
        try {
            read = fill(c);
        } catch (IOException e) {
            read = DROP;
        }
        if (read == COMPLETE) {
            answeredAtAccept.incrementAndGet();
            unregistered.add(c);
            answer(null, c);
        } else if (read == DROP) {
            drop(null, c);
        } else {
            ch.register(selector, SelectionKey.OP_READ, c);
        }
    }

    private static final int DROP = -1;
    private static final int MORE = 0;
    private static final int COMPLETE = 1;

    /**
     * Reads what has arrived of {@code c}'s request: {@link #COMPLETE}, {@link #MORE}, {@link
     * #DROP}.
     */
    private int fill(Conn c) throws IOException {
        // bytes arriving do not extend the idle timeout: a client trickling a record slowly would
        // otherwise hold its connection (one of maxTcpConnections) for ever
        if (c.body == null) {
            if (c.channel.read(c.length) < 0) {
                return DROP;
            }
            if (c.length.hasRemaining()) {
                return MORE;
            }
            int n = c.length.getInt(0);
            if (n <= 0 || n > options.maxRequestSize()) {
                // negative: the reserved high bit (RFC 4120 §7.2.2); too large: refuse to buffer
                return DROP;
            }
            c.body = ByteBuffer.allocate(n);
        }
        if (c.channel.read(c.body) < 0) {
            return DROP;
        }
        return c.body.hasRemaining() ? MORE : COMPLETE;
    }

    private void read(SelectionKey key, Conn c) throws IOException {
        int read = fill(c);
        if (read == DROP) {
            drop(key, c);
        } else if (read == COMPLETE) {
            key.interestOps(0);
            answer(key, c);
        }
    }

    /**
     * Hands {@code c}'s complete request to a worker; {@code key} is null for a connection never
     * registered with the selector (its request came with it).
     */
    private void answer(SelectionKey key, Conn c) {
        byte[] request = c.body.array();
        c.body = null;
        submit(
                () -> responder.answer(request, reply -> reply(key, c, reply)),
                () -> selectorTasks.add(() -> drop(key, c)));
    }

    /**
     * On a worker (or the thread that released the answer): writes the answer at once
     * (non-blocking: a KDC reply fits the socket's send buffer nearly always); only what does not
     * fit is left to the selector. Once the answer is written the connection is closed: one request
     * per connection, as MIT's and Heimdal's KDCs serve TCP (clients open a connection per request)
     * — which spares the selector a wake-up, an interest change and the reading of the client's
     * close per request.
     */
    private void reply(SelectionKey key, Conn c, byte[] reply) {
        ByteBuffer out = ByteBuffer.allocate(4 + reply.length);
        out.putInt(reply.length).put(reply).flip();
        try {
            c.channel.write(out);
        } catch (IOException | RuntimeException e) {
            selectorTasks.add(() -> drop(key, c));
            selector.wakeup();
            return;
        }
        if (out.hasRemaining()) {
            selectorTasks.add(
                    () -> {
                        c.out = out;
                        if (key == null) {
                            try {
                                c.channel.register(selector, SelectionKey.OP_WRITE, c);
                            } catch (IOException | RuntimeException e) {
                                drop(null, c);
                            }
                        } else if (key.isValid()) {
                            key.interestOps(SelectionKey.OP_WRITE);
                        }
                    });
            selector.wakeup();
            return;
        }
        drop(key, c);
    }

    private void write(SelectionKey key, Conn c) throws IOException {
        c.channel.write(c.out);
        if (!c.out.hasRemaining()) {
            drop(key, c);
        }
    }

    private void submit(Runnable work, Runnable onReject) {
        answering.incrementAndGet();
        boolean accepted = false;
        try {
            workers.execute(
                    () -> {
                        try {
                            work.run();
                        } finally {
                            if (answering.decrementAndGet() == 0) {
                                idle.run();
                            }
                        }
                    });
            accepted = true;
        } catch (RejectedExecutionException e) {
            LOG.warn("kerberos.overloaded: request dropped");
            if (onReject != null) {
                onReject.run();
                selector.wakeup();
            }
        } finally {
            // not accepted (rejected, or a thread could not be made): never to be answered
            if (!accepted && answering.decrementAndGet() == 0) {
                idle.run();
            }
        }
    }

    /** Closes {@code c}; {@code key} is null for a connection never registered. */
    private void drop(SelectionKey key, Conn c) {
        if (key != null) {
            key.cancel();
        }
        unregistered.remove(c);
        closeQuietly(c.channel);
        if (c.dropped.compareAndSet(false, true)) {
            connections.decrementAndGet();
        }
    }

    @Override
    public void close() {
        running = false;
        selector.wakeup();
        try {
            loop.join(Duration.ofSeconds(5).toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (SelectionKey key : selector.keys()) {
            closeQuietly(key.channel());
        }
        closeQuietly(selector);
        udp.forEach(KdcNetwork::closeQuietly); // a blocked receive ends with the channel closed
        for (Thread th : udpThreads) {
            try {
                th.join(Duration.ofSeconds(5).toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        // requests in hand finish first: an interrupt would close the audit journal's file under
        // a worker writing to it (FileChannel is interruptible)
        workers.shutdown();
        try {
            if (!workers.awaitTermination(5, TimeUnit.SECONDS)) {
                workers.shutdownNow();
                workers.awaitTermination(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            workers.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

    private static void closeQuietly(AutoCloseable c) {
        if (c != null) {
            try {
                c.close();
            } catch (Exception e) {
                // closing anyway
            }
        }
    }
}
