package org.bastionforest.ldapsync.embedded;

import com.unboundid.ldap.sdk.DN;
import com.unboundid.ldap.sdk.LDAPConnection;
import com.unboundid.ldap.sdk.Modification;
import com.unboundid.ldap.sdk.ModificationType;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The child JVM of {@link EmbeddedBastionDirectoryKillIT}: starts the bastion directory on a data
 * directory, writes over the network and in-process, says on stdout what was acknowledged, and
 * waits to be killed.
 *
 * <p>{@code batch}: 40 adds over the LDAP socket, 40 through {@link
 * EmbeddedBastionDirectory#connection()}, a modify and a delete, then {@code ACKNOWLEDGED}. {@code
 * stream}: adds {@code CN=S<i>} alternately over both paths and prints {@code ACK <i>} after each,
 * until killed.
 */
public final class CrashingBastionDirectoryMain {
    static final String ROOT = "DC=priv,DC=example";
    static final String ADMIN = "CN=bastion-admin," + ROOT;
    static final String PASSWORD = "kill-test-admin-password-0123456789";
    static final int BATCH = 40;

    private CrashingBastionDirectoryMain() {}

    static EmbeddedBastionDirectoryOptions options(Path data, int port) throws Exception {
        return new EmbeddedBastionDirectoryOptions(
                new DN(ROOT),
                "127.0.0.1",
                port,
                0,
                Optional.empty(),
                data,
                new DN(ADMIN),
                PASSWORD.toCharArray());
    }

    public static void main(String[] args) throws Exception {
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        EmbeddedBastionDirectory directory =
                EmbeddedBastionDirectory.start(options(Path.of(args[0]), 0));
        out.println("PORT " + directory.ldapPort());
        String container = directory.shadowPrincipalContainer().toString();
        try (LDAPConnection network = new LDAPConnection("127.0.0.1", directory.ldapPort());
                LDAPConnection inProcess = directory.connection()) {
            network.bind(ADMIN, PASSWORD);
            if (args[1].equals("batch")) {
                for (int i = 0; i < BATCH; i++) {
                    network.add(EmbeddedBastionDirectoryTest.shadowPrincipal("N" + i, sid(i)));
                    inProcess.add(
                            EmbeddedBastionDirectoryTest.shadowPrincipal("I" + i, sid(1000 + i)));
                }
                network.modify(
                        "CN=N0," + container,
                        new Modification(
                                ModificationType.ADD, "member", "CN=alice,CN=Users," + ROOT));
                inProcess.delete("CN=I0," + container);
                out.println("ACKNOWLEDGED");
            } else {
                for (int i = 0; ; i++) {
                    (i % 2 == 0 ? network : inProcess)
                            .add(EmbeddedBastionDirectoryTest.shadowPrincipal("S" + i, sid(i)));
                    out.println("ACK " + i);
                }
            }
            Thread.sleep(Long.MAX_VALUE); // until killed
        }
    }

    static String sid(int i) {
        return "S-1-5-21-1-2-3-" + (10000 + i);
    }
}
