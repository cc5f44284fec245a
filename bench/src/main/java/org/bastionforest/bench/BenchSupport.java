package org.bastionforest.bench;

import com.unboundid.ldap.sdk.DN;
import com.unboundid.ldap.sdk.LDAPConnection;
import com.unboundid.ldap.sdk.LDAPException;
import com.unboundid.ldap.sdk.RDN;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Optional;
import java.util.stream.Stream;
import org.bastionforest.ldapsync.embedded.EmbeddedBastionDirectory;
import org.bastionforest.ldapsync.embedded.EmbeddedBastionDirectoryOptions;
import org.bastionforest.shadowgroups.errors.DirectoryUnavailableException;
import org.bastionforest.testldif.Fixtures;

/** What the harnesses share: a bastion directory to run against, clean-up, percentiles. */
final class BenchSupport {
    static final String BASTION_ROOT = "DC=priv,DC=example";

    private BenchSupport() {}

    /** An embedded bastion directory on free loopback ports, persisted under {@code dir}. */
    static EmbeddedBastionDirectory bastion(Path dir)
            throws IOException, LDAPException, DirectoryUnavailableException {
        DN root = new DN(BASTION_ROOT);
        return EmbeddedBastionDirectory.start(
                new EmbeddedBastionDirectoryOptions(
                        root,
                        "127.0.0.1",
                        0,
                        0,
                        Optional.empty(),
                        Files.createDirectories(dir.resolve("bastion")),
                        new DN(new RDN("CN", "bastion-admin"), root),
                        "bench-admin-password-0123456789".toCharArray()));
    }

    /** A connection to the demo production directory as its sync account. */
    static LDAPConnection demo(int port) throws LDAPException {
        return new LDAPConnection(
                "127.0.0.1",
                port,
                Fixtures.DEMO_SYNC_ACCOUNT_DN,
                Fixtures.DEMO_SYNC_ACCOUNT_PASSWORD);
    }

    /** The {@code p}th percentile of sorted values; -1 when there are none. */
    static long pct(long[] sorted, int p) {
        if (sorted.length == 0) {
            return -1;
        }
        int i = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
    }

    /** Deletes {@code dir} and everything below it. */
    static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
