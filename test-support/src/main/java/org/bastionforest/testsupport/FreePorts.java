package org.bastionforest.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;

/**
 * Picks free TCP ports on the loopback interface for servers that tests start.
 *
 * <p>There is a window between choosing a port and the server binding it; the servers started by
 * these harnesses fail loudly if it was taken meanwhile. Thread-safe; stateless.
 */
public final class FreePorts {
    private FreePorts() {}

    /** A TCP port that was free on 127.0.0.1 a moment ago. */
    public static int next() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free loopback port", e);
        }
    }
}
