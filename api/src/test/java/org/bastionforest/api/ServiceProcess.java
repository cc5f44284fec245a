package org.bastionforest.api;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.bastionforest.testsupport.FreePorts;
import org.bastionforest.testsupport.ManagedProcess;

/**
 * The packaged service ({@code target/bastion-api-*.jar}) run as a separate process, as an operator
 * runs it: configured through {@code BASTION_*} variables on free loopback ports.
 */
final class ServiceProcess implements AutoCloseable {
    final Path dataDir;
    final Path workDir;
    final Map<String, String> env = new HashMap<>();
    final int restPort = FreePorts.next();
    final int managementPort = FreePorts.next();
    final int bastionLdapPort = FreePorts.next();
    final int bastionLdapsPort = FreePorts.next();
    final int demoPort = FreePorts.next();
    final int kdcPort = FreePorts.next();
    private ManagedProcess process;
    private int starts;

    ServiceProcess(Path workDir) {
        this.workDir = workDir;
        this.dataDir = workDir.resolve("data");
        env.put("BASTION_DATA_DIR", dataDir.toString());
        env.put("BASTION_REST_PORT", Integer.toString(restPort));
        env.put("BASTION_REST_MANAGEMENT_PORT", Integer.toString(managementPort));
        env.put("BASTION_BASTION_EMBEDDED_LDAP_PORT", Integer.toString(bastionLdapPort));
        env.put("BASTION_BASTION_EMBEDDED_LDAPS_PORT", Integer.toString(bastionLdapsPort));
        env.put("BASTION_PRODUCTION_DEMO_PORT", Integer.toString(demoPort));
        env.put("BASTION_KDC_TCP_PORT", Integer.toString(kdcPort));
        env.put("BASTION_KDC_UDP_PORT", Integer.toString(kdcPort));
    }

    /** The runnable artifact built by this module's package phase. */
    static Path artifact() throws IOException {
        try (DirectoryStream<Path> jars =
                Files.newDirectoryStream(Path.of("target"), "bastion-api-*.jar")) {
            for (Path jar : jars) {
                if (Files.isDirectory(Path.of("target", "lib"))) {
                    return jar.toAbsolutePath();
                }
            }
        }
        throw new IllegalStateException("run 'mvn package' first: no target/bastion-api-*.jar");
    }

    static List<String> command(String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx256m");
        command.add("-jar");
        command.add(artifact().toString());
        command.addAll(List.of(args));
        return command;
    }

    /** Starts {@code bastion run} and waits until /health answers 200. */
    ServiceProcess start() throws IOException {
        starts++;
        process = ManagedProcess.start("bastion-" + starts, command("run"), workDir, env);
        process.awaitReady(Duration.ofSeconds(60), () -> health().statusCode() == 200);
        return this;
    }

    /** A plain-HTTP GET on the management port; status -1 when nothing answers. */
    Response get(String path) {
        try {
            HttpRequest request =
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + managementPort + path))
                            .timeout(Duration.ofSeconds(5))
                            .build();
            HttpResponse<String> r =
                    HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
            return new Response(r.statusCode(), r.body());
        } catch (IOException e) {
            return new Response(-1, "");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    Response health() {
        return get("/health");
    }

    ManagedProcess process() {
        return process;
    }

    /** A connection to the demo production directory, bound as its sync account. */
    com.unboundid.ldap.sdk.LDAPConnection demoConnection()
            throws com.unboundid.ldap.sdk.LDAPException {
        return new com.unboundid.ldap.sdk.LDAPConnection(
                "127.0.0.1",
                demoPort,
                org.bastionforest.testldif.Fixtures.DEMO_SYNC_ACCOUNT_DN,
                org.bastionforest.testldif.Fixtures.DEMO_SYNC_ACCOUNT_PASSWORD);
    }

    /** A connection to the embedded bastion directory, bound as its administrator. */
    com.unboundid.ldap.sdk.LDAPConnection bastionConnection()
            throws com.unboundid.ldap.sdk.LDAPException, IOException {
        return new com.unboundid.ldap.sdk.LDAPConnection(
                "127.0.0.1",
                bastionLdapPort,
                "CN=bastion-admin,DC=priv,DC=example",
                Files.readString(
                        dataDir.resolve("secrets/bastion-directory-admin.password"),
                        java.nio.charset.StandardCharsets.UTF_8));
    }

    String output() throws IOException {
        return Files.readString(process.log());
    }

    @Override
    public void close() {
        if (process != null) {
            process.close();
        }
    }

    record Response(int statusCode, String body) {}
}
