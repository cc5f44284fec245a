package org.bastionforest.ldapsync.embedded;

import com.unboundid.ldap.sdk.DN;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;
import javax.net.ssl.SSLContext;

/**
 * How to run the embedded bastion directory. Validated when built (a bad field is named in the
 * exception message). Immutable apart from the password array, which is not copied; {@code
 * toString()} hides the password, and {@code equals} is identity (arrays make value equality
 * misleading).
 *
 * <pre>{@code
 * new EmbeddedBastionDirectoryOptions(new DN("DC=priv,DC=example"), "127.0.0.1", 0, 0,
 *         Optional.of(sslContext), dataDir.resolve("bastion-directory"),
 *         new DN("CN=bastion-admin,DC=priv,DC=example"), generatedPassword);
 * }</pre>
 *
 * @param rootDn the bastion naming context, e.g. {@code DC=priv,DC=example}
 * @param host the loopback address to listen on
 * @param ldapPort the LDAP port (0: any free port)
 * @param ldapsPort the LDAPS port (0: any free port); ignored without {@code tls}
 * @param tls the server certificate for LDAPS, or empty for no LDAPS listener
 * @param dataDir where the snapshot and journal live
 * @param adminDn the only DN that may bind (it needs no entry)
 * @param adminPassword its password; not copied, the caller keeps it unchanged
 */
public record EmbeddedBastionDirectoryOptions(
        DN rootDn,
        String host,
        int ldapPort,
        int ldapsPort,
        Optional<SSLContext> tls,
        Path dataDir,
        DN adminDn,
        char[] adminPassword) {

    public EmbeddedBastionDirectoryOptions {
        Objects.requireNonNull(rootDn, "rootDn");
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(tls, "tls");
        Objects.requireNonNull(dataDir, "dataDir");
        Objects.requireNonNull(adminDn, "adminDn");
        Objects.requireNonNull(adminPassword, "adminPassword");
        if (rootDn.isNullDN()) {
            throw new IllegalArgumentException("rootDn: must not be empty");
        }
        if (ldapPort < 0 || ldapPort > 65535 || ldapsPort < 0 || ldapsPort > 65535) {
            throw new IllegalArgumentException("ldapPort/ldapsPort: must be between 0 and 65535");
        }
        if (adminPassword.length < 16) {
            throw new IllegalArgumentException("adminPassword: must have at least 16 characters");
        }
    }

    /** The DN of the shadow principal container under {@code rootDn}. */
    public DN shadowPrincipalContainer() {
        return child("CN=Shadow Principal Configuration,CN=Services,CN=Configuration");
    }

    /** The container of bastion accounts. */
    public DN usersContainer() {
        return child("CN=Users");
    }

    private DN child(String relative) {
        try {
            return new DN(relative + "," + rootDn);
        } catch (com.unboundid.ldap.sdk.LDAPException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public boolean equals(Object o) {
        return this == o;
    }

    @Override
    public int hashCode() {
        return System.identityHashCode(this);
    }

    @Override
    public String toString() {
        return "EmbeddedBastionDirectoryOptions[rootDn="
                + rootDn
                + ", host="
                + host
                + ", ldapPort="
                + ldapPort
                + ", ldapsPort="
                + ldapsPort
                + ", dataDir="
                + dataDir
                + "]";
    }
}
