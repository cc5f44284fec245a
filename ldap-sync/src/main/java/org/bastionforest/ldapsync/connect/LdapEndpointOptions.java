package org.bastionforest.ldapsync.connect;

import com.unboundid.ldap.sdk.DN;
import com.unboundid.ldap.sdk.LDAPURL;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * How to reach an external directory (a production AD or LDAP server, or an external bastion):
 * servers tried in order, the bind DN and password, and the CA certificates trusted for {@code
 * ldaps://}.
 *
 * <p>Immutable; {@code toString()} hides the password. The password array is not copied: the caller
 * must not change it while the endpoint is in use.
 *
 * @param urls {@code ldap://} or {@code ldaps://} URLs, tried in order (fail-over)
 * @param bindDn the DN to bind as
 * @param password its password
 * @param caFile a PEM file of trusted CA certificates, or empty for the JVM's trust store
 * @param connectTimeout how long to wait for a TCP/TLS connection
 * @param responseTimeout how long to wait for any answer
 * @param maxConnections the pool's size
 */
public record LdapEndpointOptions(
        List<LDAPURL> urls,
        DN bindDn,
        char[] password,
        Optional<Path> caFile,
        Duration connectTimeout,
        Duration responseTimeout,
        int maxConnections) {

    public LdapEndpointOptions {
        Objects.requireNonNull(urls, "urls");
        Objects.requireNonNull(bindDn, "bindDn");
        Objects.requireNonNull(password, "password");
        Objects.requireNonNull(caFile, "caFile");
        urls = List.copyOf(urls);
        if (urls.isEmpty()) {
            throw new IllegalArgumentException("urls: at least one server is required");
        }
        for (LDAPURL url : urls) {
            if (!url.getScheme().equals("ldap") && !url.getScheme().equals("ldaps")) {
                throw new IllegalArgumentException("urls: only ldap:// and ldaps:// are supported");
            }
        }
        if (bindDn.isNullDN()) {
            throw new IllegalArgumentException("bindDn: anonymous binds are not supported");
        }
        if (password.length == 0) {
            throw new IllegalArgumentException("password: must not be empty");
        }
        if (connectTimeout.isNegative() || connectTimeout.isZero()) {
            throw new IllegalArgumentException("connectTimeout: must be positive");
        }
        if (responseTimeout.isNegative() || responseTimeout.isZero()) {
            throw new IllegalArgumentException("responseTimeout: must be positive");
        }
        if (maxConnections < 1) {
            throw new IllegalArgumentException("maxConnections: must be at least 1");
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
        return "LdapEndpointOptions[urls="
                + urls
                + ", bindDn="
                + bindDn
                + ", caFile="
                + caFile
                + "]";
    }
}
