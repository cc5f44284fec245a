package org.bastionforest.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;

/**
 * Picks free TCP ports on the loopback interface for servers that tests start.
 *
 * <p>There is a window between choosing a port and the server binding it; the servers started by
 * these harnesses fail loudly if it was taken meanwhile. Thread-safe; remembers the ports it gave.
 */
public final class FreePorts {
    private FreePorts() {}

    /** Every port handed out in this JVM: the kernel may offer a just-closed one again. */
    private static final java.util.Set<Integer> HANDED_OUT =
            java.util.concurrent.ConcurrentHashMap.newKeySet();

    /**
     * A TCP port that was free on 127.0.0.1 a moment ago and was not handed out before in this JVM
     * (two calls in a row may otherwise get the same port, and a service configured with both
     * refuses to start).
     */
    public static int next() {
        for (int attempt = 0; attempt < 100; attempt++) {
            try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                socket.setReuseAddress(true);
                if (HANDED_OUT.add(socket.getLocalPort())) {
                    return socket.getLocalPort();
                }
            } catch (IOException e) {
                throw new UncheckedIOException("no free loopback port", e);
            }
        }
        throw new IllegalStateException("no loopback port not handed out before");
    }
}
