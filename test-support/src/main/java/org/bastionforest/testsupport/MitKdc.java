package org.bastionforest.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * An MIT Kerberos KDC (Debian's krb5-kdc, krb5-admin-server) for one realm in a temporary
 * directory, listening on a free loopback port for TCP and UDP: the reference KDC of the benchmarks
 * and a known-good peer for tests. Principals are added with {@code kadmin.local}.
 *
 * <pre>{@code
 * try (MitKdc kdc = MitKdc.start("MIT.TEST")) {
 *     kdc.addPrincipal("alice", "Alice-Passw0rd!");
 *     Path keytab = kdc.keytab("HTTP/localhost");
 *     Map<String, String> env = kdc.clientEnvironment(ccache); // KRB5_CONFIG, KRB5CCNAME
 * }
 * }</pre>
 *
 * <p>Not thread-safe. {@link #close()} stops the KDC by process id and deletes its files.
 */
public final class MitKdc implements AutoCloseable {
    private final String realm;
    private final Path dir;
    private final int port;
    private final ManagedProcess process;

    private MitKdc(String realm, Path dir, int port, ManagedProcess process) {
        this.realm = realm;
        this.dir = dir;
        this.port = port;
        this.process = process;
    }

    /** Creates the realm's database and starts krb5kdc. */
    public static MitKdc start(String realm) {
        Path krb5kdc = ExternalTools.require("krb5kdc", "krb5-kdc", "/usr/sbin/krb5kdc");
        Path kdb5 = ExternalTools.require("kdb5_util", "krb5-kdc", "/usr/sbin/kdb5_util");
        ExternalTools.require("kadmin.local", "krb5-admin-server", "/usr/sbin/kadmin.local");
        try {
            Path dir = Files.createTempDirectory("bastion-mitkdc-");
            int port = freeTcpAndUdpPort();
            Files.writeString(
                    dir.resolve("kdc.conf"),
                    String.join(
                            "\n",
                            "[kdcdefaults]",
                            " kdc_listen = 127.0.0.1:" + port,
                            " kdc_tcp_listen = 127.0.0.1:" + port,
                            "[realms]",
                            " " + realm + " = {",
                            "  database_name = " + dir.resolve("principal"),
                            "  key_stash_file = " + dir.resolve("stash"),
                            "  acl_file = " + dir.resolve("kadm5.acl"),
                            "  max_life = 10h",
                            "  max_renewable_life = 7d",
                            "  supported_enctypes = aes256-cts-hmac-sha1-96:normal"
                                    + " aes128-cts-hmac-sha1-96:normal",
                            " }",
                            "[logging]",
                            " kdc = FILE:" + dir.resolve("kdc.log"),
                            ""),
                    StandardCharsets.UTF_8);
            Files.writeString(dir.resolve("kadm5.acl"), "", StandardCharsets.UTF_8);
            Files.writeString(
                    dir.resolve("krb5.conf"), krb5Conf(realm, port), StandardCharsets.UTF_8);
            Map<String, String> env = serverEnvironment(dir);
            run(
                    List.of(
                            kdb5.toString(),
                            "create",
                            "-s",
                            "-r",
                            realm,
                            "-P",
                            "master-" + Long.toHexString(System.nanoTime())),
                    dir,
                    env);
            ManagedProcess process =
                    ManagedProcess.start(
                            "krb5kdc", List.of(krb5kdc.toString(), "-n", "-r", realm), dir, env);
            process.awaitReady(Duration.ofSeconds(20), () -> listening(port));
            return new MitKdc(realm, dir, port, process);
        } catch (IOException e) {
            throw new UncheckedIOException("could not start krb5kdc", e);
        }
    }

    /** A krb5.conf for clients of a realm served on 127.0.0.1:{@code port} (TCP and UDP). */
    public static String krb5Conf(String realm, int port) {
        return String.join(
                "\n",
                "[libdefaults]",
                " default_realm = " + realm,
                " dns_lookup_kdc = false",
                " dns_lookup_realm = false",
                " rdns = false",
                " dns_canonicalize_hostname = false",
                " udp_preference_limit = 1465",
                "[realms]",
                " " + realm + " = {",
                "  kdc = 127.0.0.1:" + port,
                " }",
                "[domain_realm]",
                " localhost = " + realm,
                " 127.0.0.1 = " + realm,
                "");
    }

    /** Adds a principal with a password. */
    public void addPrincipal(String name, String password) {
        kadmin("addprinc -pw " + password + " " + name);
    }

    /** Adds a principal with a random key and exports it to a new keytab, returned. */
    public Path keytab(String name) {
        kadmin("addprinc -randkey " + name);
        Path keytab = dir.resolve(name.replace('/', '_') + ".keytab");
        kadmin("ktadd -k " + keytab + " " + name);
        return keytab;
    }

    /** The environment for MIT clients (kinit, curl): this realm's krb5.conf and a ccache file. */
    public Map<String, String> clientEnvironment(Path ccache) {
        Map<String, String> env = new HashMap<>();
        env.put("KRB5_CONFIG", krb5ConfPath().toString());
        env.put("KRB5CCNAME", "FILE:" + ccache);
        return env;
    }

    public Path krb5ConfPath() {
        return dir.resolve("krb5.conf");
    }

    public String realm() {
        return realm;
    }

    public int port() {
        return port;
    }

    public long pid() {
        return process.pid();
    }

    private void kadmin(String query) {
        try {
            run(
                    List.of("/usr/sbin/kadmin.local", "-r", realm, "-q", query),
                    dir,
                    serverEnvironment(dir));
        } catch (IOException e) {
            throw new UncheckedIOException("kadmin.local failed", e);
        }
    }

    private static Map<String, String> serverEnvironment(Path dir) {
        Map<String, String> env = new HashMap<>();
        env.put("KRB5_CONFIG", dir.resolve("krb5.conf").toString());
        env.put("KRB5_KDC_PROFILE", dir.resolve("kdc.conf").toString());
        return env;
    }

    private static void run(List<String> command, Path dir, Map<String, String> env)
            throws IOException {
        Commands.run(command, dir, env, Duration.ofSeconds(60));
    }

    private static int freeTcpAndUdpPort() throws IOException {
        List<Integer> tried = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            int port = FreePorts.next();
            tried.add(port);
            try (DatagramSocket udp =
                    new DatagramSocket(new InetSocketAddress("127.0.0.1", port))) {
                if (udp.isBound()) {
                    return port;
                }
            } catch (IOException busy) {
                // try another
            }
        }
        throw new IOException("no port free for both TCP and UDP among " + tried);
    }

    private static boolean listening(int port) {
        return Commands.listening(port);
    }

    @Override
    public void close() {
        process.close();
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a temporary directory left behind is harmless
        }
    }
}
