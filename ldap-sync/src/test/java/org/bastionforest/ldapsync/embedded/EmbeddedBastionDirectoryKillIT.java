package org.bastionforest.ldapsync.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import com.unboundid.ldap.sdk.Entry;
import com.unboundid.ldap.sdk.LDAPConnection;
import com.unboundid.ldap.sdk.Modification;
import com.unboundid.ldap.sdk.ModificationType;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Acknowledged writes survive kill -9: a child JVM (same class path) runs the bastion directory,
 * writes over the LDAP socket and through its in-process connection, and is killed with {@code
 * destroyForcibly()} (SIGKILL) once it said its writes were acknowledged; a restart on the same
 * data directory must have every one of them.
 */
class EmbeddedBastionDirectoryKillIT {
    @TempDir Path dir;
    private Process child;

    @AfterEach
    void killChild() throws Exception {
        if (child != null && child.isAlive()) {
            child.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** Starts the child; its output lines go to the returned queue (end of stream: "EOF"). */
    private BlockingQueue<String> startChild(String mode) throws Exception {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        child =
                new ProcessBuilder(
                                java.toString(),
                                "-XX:TieredStopAtLevel=1",
                                "-cp",
                                System.getProperty("java.class.path"),
                                CrashingBastionDirectoryMain.class.getName(),
                                dir.resolve("data").toString(),
                                mode)
                        .redirectErrorStream(true)
                        .start();
        BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        Thread reader =
                new Thread(
                        () -> {
                            try (BufferedReader r =
                                    new BufferedReader(
                                            new InputStreamReader(
                                                    child.getInputStream(),
                                                    StandardCharsets.UTF_8))) {
                                for (String l = r.readLine(); l != null; l = r.readLine()) {
                                    lines.add(l);
                                }
                            } catch (java.io.IOException e) {
                                // the child died: that is the point
                            }
                            lines.add("EOF");
                        },
                        "child-output");
        reader.setDaemon(true);
        reader.start();
        return lines;
    }

    private static String await(BlockingQueue<String> lines, String prefix, List<String> seen)
            throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            String line = lines.poll(1, TimeUnit.SECONDS);
            if (line == null) {
                continue;
            }
            seen.add(line);
            if (line.equals("EOF")) {
                break;
            }
            if (line.startsWith(prefix)) {
                return line;
            }
        }
        throw new AssertionError("the child never printed " + prefix + ": " + seen);
    }

    private EmbeddedBastionDirectory restart() throws Exception {
        return EmbeddedBastionDirectory.start(
                CrashingBastionDirectoryMain.options(dir.resolve("data"), 0));
    }

    @Test
    void writes_whenProcessKilledAfterAcknowledgement_thenAllSurviveRestart() throws Exception {
        List<String> seen = new ArrayList<>();
        BlockingQueue<String> lines = startChild("batch");
        int port = Integer.parseInt(await(lines, "PORT ", seen).substring(5));
        await(lines, "ACKNOWLEDGED", seen);
        String container =
                "CN=Shadow Principal Configuration,CN=Services,CN=Configuration,"
                        + CrashingBastionDirectoryMain.ROOT;
        // and writes from another process (this one) over the network
        try (LDAPConnection c = new LDAPConnection("127.0.0.1", port)) {
            c.bind(CrashingBastionDirectoryMain.ADMIN, CrashingBastionDirectoryMain.PASSWORD);
            c.add(EmbeddedBastionDirectoryTest.shadowPrincipal("From Parent", "S-1-5-21-9-9-9-1"));
            c.modify(
                    "CN=N1," + container,
                    new Modification(ModificationType.REPLACE, "description", "changed"));
        }
        child.destroyForcibly();
        assertThat(child.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(child.exitValue()).as("killed by SIGKILL").isEqualTo(137);

        try (EmbeddedBastionDirectory directory = restart();
                LDAPConnection c = directory.connection()) {
            for (int i = 0; i < CrashingBastionDirectoryMain.BATCH; i++) {
                assertThat(c.getEntry("CN=N" + i + "," + container)).as("N" + i).isNotNull();
                Entry inProcess = c.getEntry("CN=I" + i + "," + container);
                if (i == 0) {
                    assertThat(inProcess).as("deleted I0").isNull();
                } else {
                    assertThat(inProcess).as("I" + i).isNotNull();
                }
            }
            assertThat(c.getEntry("CN=N0," + container).getAttributeValues("member"))
                    .containsExactly("CN=alice,CN=Users," + CrashingBastionDirectoryMain.ROOT);
            assertThat(c.getEntry("CN=N1," + container).getAttributeValue("description"))
                    .isEqualTo("changed");
            assertThat(c.getEntry("CN=From Parent," + container)).isNotNull();
        }
    }

    @Test
    void writes_whenProcessKilledMidStream_thenEveryAcknowledgedWriteSurvives() throws Exception {
        List<String> seen = new ArrayList<>();
        BlockingQueue<String> lines = startChild("stream");
        await(lines, "PORT ", seen);
        await(lines, "ACK 300", seen);
        child.destroyForcibly();
        assertThat(child.waitFor(10, TimeUnit.SECONDS)).isTrue();
        int acknowledged = 300;
        for (String l = lines.poll(5, TimeUnit.SECONDS);
                l != null && !l.equals("EOF");
                l = lines.poll(5, TimeUnit.SECONDS)) {
            if (l.startsWith("ACK ")) {
                acknowledged = Math.max(acknowledged, Integer.parseInt(l.substring(4)));
            }
        }
        String container =
                "CN=Shadow Principal Configuration,CN=Services,CN=Configuration,"
                        + CrashingBastionDirectoryMain.ROOT;
        try (EmbeddedBastionDirectory directory = restart();
                LDAPConnection c = directory.connection()) {
            for (int i = 0; i <= acknowledged; i++) {
                assertThat(c.getEntry("CN=S" + i + "," + container))
                        .as("acknowledged write S%d of %d", i, acknowledged)
                        .isNotNull();
            }
        }
    }
}
