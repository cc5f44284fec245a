package org.bastionforest.ldapsync.connect;

import com.unboundid.ldap.sdk.FailoverServerSet;
import com.unboundid.ldap.sdk.LDAPConnectionOptions;
import com.unboundid.ldap.sdk.LDAPConnectionPool;
import com.unboundid.ldap.sdk.LDAPException;
import com.unboundid.ldap.sdk.LDAPURL;
import com.unboundid.ldap.sdk.ResultCode;
import com.unboundid.ldap.sdk.RootDSE;
import com.unboundid.ldap.sdk.SimpleBindRequest;
import com.unboundid.ldap.sdk.SingleServerSet;
import com.unboundid.util.ssl.HostNameSSLSocketVerifier;
import com.unboundid.util.ssl.JVMDefaultTrustManager;
import com.unboundid.util.ssl.PEMFileTrustManager;
import com.unboundid.util.ssl.SSLUtil;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;
import org.bastionforest.shadowgroups.errors.DirectoryUnavailableException;

/**
 * A pool of authenticated connections to an external directory, failing over between its servers in
 * the configured order. Created even while every server is down (the service must keep running and
 * expiring grants); connections are made on first use and {@link #check} reports the state.
 *
 * <pre>{@code
 * try (LdapEndpoint production = LdapEndpoint.open(options)) {
 *     LDAPConnectionPool pool = production.pool();
 *     ...
 * }
 * }</pre>
 *
 * <p>Thread-safe.
 */
public final class LdapEndpoint implements AutoCloseable {
    private final LdapEndpointOptions options;
    private final LDAPConnectionPool pool;

    private LdapEndpoint(LdapEndpointOptions options, LDAPConnectionPool pool) {
        this.options = options;
        this.pool = pool;
    }

    /**
     * Builds the pool. TLS ({@code ldaps://}) verifies the server's certificate against the CA file
     * (or the JVM's trust store) and its host name.
     *
     * @throws DirectoryUnavailableException if the TLS trust material cannot be loaded
     */
    public static LdapEndpoint open(LdapEndpointOptions options)
            throws DirectoryUnavailableException {
        LDAPConnectionOptions connection = new LDAPConnectionOptions();
        connection.setConnectTimeoutMillis(millis(options.connectTimeout()));
        connection.setResponseTimeoutMillis(millis(options.responseTimeout()));
        connection.setUseKeepAlive(true);
        connection.setSSLSocketVerifier(new HostNameSSLSocketVerifier(true));
        SSLSocketFactory tls = null;
        List<SingleServerSet> servers = new ArrayList<>();
        for (LDAPURL url : options.urls()) {
            if (url.getScheme().equals("ldaps")) {
                if (tls == null) {
                    tls = socketFactory(options);
                }
                servers.add(new SingleServerSet(url.getHost(), url.getPort(), tls, connection));
            } else {
                servers.add(new SingleServerSet(url.getHost(), url.getPort(), connection));
            }
        }
        FailoverServerSet serverSet =
                new FailoverServerSet(servers.toArray(SingleServerSet[]::new));
        SimpleBindRequest bind =
                new SimpleBindRequest(options.bindDn(), new String(options.password()));
        try {
            LDAPConnectionPool pool =
                    new LDAPConnectionPool(
                            serverSet, bind, 0, options.maxConnections(), null, false);
            pool.setConnectionPoolName("ldap-endpoint");
            pool.setRetryFailedOperationsDueToInvalidConnections(true);
            pool.setMaxConnectionAgeMillis(Duration.ofMinutes(30).toMillis());
            return new LdapEndpoint(options, pool);
        } catch (LDAPException e) {
            throw new DirectoryUnavailableException(describe(e), e);
        }
    }

    private static SSLSocketFactory socketFactory(LdapEndpointOptions options)
            throws DirectoryUnavailableException {
        try {
            TrustManager trust =
                    options.caFile().isPresent()
                            ? new PEMFileTrustManager(options.caFile().get().toFile())
                            : JVMDefaultTrustManager.getInstance();
            return new SSLUtil(trust).createSSLSocketFactory("TLSv1.2");
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new DirectoryUnavailableException(
                    "cannot load the trusted CA certificates: " + e.getClass().getSimpleName(), e);
        }
    }

    /**
     * The connection pool; operations on it fail with an {@link LDAPException} while the servers
     * are down.
     */
    public LDAPConnectionPool pool() {
        return pool;
    }

    public LdapEndpointOptions options() {
        return options;
    }

    /**
     * Reads the root DSE through the pool: a real round trip, with an authenticated connection.
     *
     * @return a one-line, secret-free description of what answered
     * @throws DirectoryUnavailableException if no server answered or the bind failed
     */
    public String check() throws DirectoryUnavailableException {
        try {
            RootDSE root = pool.getRootDSE();
            if (root == null) {
                throw new DirectoryUnavailableException("the root DSE could not be read", null);
            }
            String vendor = root.getVendorName();
            return (vendor == null ? "LDAP server" : vendor)
                    + ", "
                    + options.urls().size()
                    + " server(s) configured";
        } catch (LDAPException e) {
            throw new DirectoryUnavailableException(describe(e), e);
        }
    }

    /** A short, secret-free description of an LDAP failure. */
    static String describe(LDAPException e) {
        ResultCode rc = e.getResultCode();
        if (rc == ResultCode.INVALID_CREDENTIALS) {
            return "the bind was refused: invalid credentials";
        }
        if (rc == ResultCode.CONNECT_ERROR || rc == ResultCode.SERVER_DOWN) {
            return "no server could be reached";
        }
        if (rc == ResultCode.TIMEOUT) {
            return "the server did not answer in time";
        }
        return "LDAP error " + rc.getName();
    }

    private static int millis(Duration d) {
        return (int) Math.min(Integer.MAX_VALUE, d.toMillis());
    }

    @Override
    public void close() {
        pool.close();
    }
}
