package org.bastionforest.ldapsync.embedded;

import com.unboundid.ldap.listener.Base64PasswordEncoderOutputFormatter;
import com.unboundid.ldap.listener.InMemoryDirectoryServer;
import com.unboundid.ldap.listener.InMemoryDirectoryServerConfig;
import com.unboundid.ldap.listener.InMemoryListenerConfig;
import com.unboundid.ldap.listener.SaltedMessageDigestInMemoryPasswordEncoder;
import com.unboundid.ldap.listener.interceptor.InMemoryInterceptedAddRequest;
import com.unboundid.ldap.listener.interceptor.InMemoryInterceptedDeleteRequest;
import com.unboundid.ldap.listener.interceptor.InMemoryInterceptedExtendedRequest;
import com.unboundid.ldap.listener.interceptor.InMemoryInterceptedModifyDNRequest;
import com.unboundid.ldap.listener.interceptor.InMemoryInterceptedModifyRequest;
import com.unboundid.ldap.listener.interceptor.InMemoryInterceptedSimpleBindRequest;
import com.unboundid.ldap.listener.interceptor.InMemoryOperationInterceptor;
import com.unboundid.ldap.sdk.DN;
import com.unboundid.ldap.sdk.Entry;
import com.unboundid.ldap.sdk.LDAPConnection;
import com.unboundid.ldap.sdk.LDAPException;
import com.unboundid.ldap.sdk.OperationType;
import com.unboundid.ldap.sdk.ResultCode;
import com.unboundid.ldif.LDIFReader;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.security.NoSuchAlgorithmException;
import java.util.EnumSet;
import org.bastionforest.shadowgroups.errors.DirectoryUnavailableException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The demo production directory: an in-memory AD-like forest, seeded from an LDIF stream at every
 * start (nothing persists: each start serves exactly the fixture again), for running the service
 * with no Active Directory. It has the same AD schema elements as the bastion directory ({@link
 * AdSchema}), answers binds for its accounts (passwords stored as {@code {SSHA256}}: salted
 * SHA-256, verified by the server; disabled accounts are refused like AD does, {@code
 * invalidCredentials} with "data 533"), requires a bind for searches and compares, and refuses
 * every write (add, modify, delete, rename, password modify, transactions) with {@code
 * unwillingToPerform}: the production directory is only ever read.
 *
 * <p>ldap-sync keeps the fixtures module in test scope; the caller passes the LDIF (the service
 * passes {@code Fixtures.DEMO_AD_FOREST} from test-ldif, which it has at run time).
 *
 * <pre>{@code
 * try (InputStream ldif = Fixtures.open(Fixtures.DEMO_AD_FOREST);
 *         EmbeddedDemoProductionDirectory demo =
 *                 EmbeddedDemoProductionDirectory.start(new DN("DC=corp,DC=example"), "127.0.0.1", 0, ldif)) {
 *     int port = demo.port();
 * }
 * }</pre>
 *
 * <p>Thread-safe.
 */
public final class EmbeddedDemoProductionDirectory implements AutoCloseable {
    private static final Logger LOG =
            LoggerFactory.getLogger(EmbeddedDemoProductionDirectory.class);

    private final InMemoryDirectoryServer server;
    private final String host;
    private final DN root;

    private EmbeddedDemoProductionDirectory(InMemoryDirectoryServer server, String host, DN root) {
        this.server = server;
        this.host = host;
        this.root = root;
    }

    /**
     * Starts the directory on {@code host:port} (0: any free port) with the entries of {@code
     * ldif}.
     *
     * @throws DirectoryUnavailableException if the LDIF does not load or the port cannot be bound
     */
    public static EmbeddedDemoProductionDirectory start(
            DN root, String host, int port, InputStream ldif) throws DirectoryUnavailableException {
        InMemoryDirectoryServer server = null;
        try {
            InMemoryDirectoryServerConfig config = new InMemoryDirectoryServerConfig(root);
            config.setSchema(AdSchema.load());
            config.setPasswordEncoders(
                    new SaltedMessageDigestInMemoryPasswordEncoder(
                            "{SSHA256}",
                            Base64PasswordEncoderOutputFormatter.getInstance(),
                            new PerThreadDigest("SHA-256"),
                            8,
                            true,
                            true));
            config.setAuthenticationRequiredOperationTypes(
                    EnumSet.of(OperationType.COMPARE, OperationType.SEARCH));
            config.setEqualityIndexAttributes(
                    "objectGUID",
                    "objectSid",
                    "sAMAccountName",
                    "userPrincipalName",
                    "member",
                    "memberOf");
            config.setListenerConfigs(
                    InMemoryListenerConfig.createLDAPConfig(
                            "ldap", InetAddress.getByName(host), port, null));
            ReadOnly readOnly = new ReadOnly();
            config.addInMemoryOperationInterceptor(readOnly);
            config.setAccessLogHandler(null);
            server = new InMemoryDirectoryServer(config);
            readOnly.server = server;
            try (LDIFReader reader = new LDIFReader(ldif)) {
                server.importFromLDIF(true, reader);
            }
            server.startListening();
            LOG.info(
                    "directory.demo.started: {} entries, ldap port {}",
                    server.countEntries(),
                    server.getListenPort("ldap"));
            return new EmbeddedDemoProductionDirectory(server, host, root);
        } catch (LDAPException | IOException | NoSuchAlgorithmException e) {
            if (server != null) {
                server.shutDown(true);
            }
            throw new DirectoryUnavailableException(
                    "the demo production directory could not start: " + e.getMessage(), e);
        }
    }

    /**
     * Refuses every write that reaches the server through a connection, and binds of disabled
     * accounts as Active Directory does.
     */
    private static final class ReadOnly extends InMemoryOperationInterceptor {
        private static final String MESSAGE = "the production directory is read-only here";
        private static final int ACCOUNTDISABLE = 0x2;

        volatile InMemoryDirectoryServer server;

        /**
         * A disabled account ({@code userAccountControl} with ACCOUNTDISABLE) cannot bind, even
         * with the right password: AD answers invalidCredentials with "data 533".
         */
        @Override
        public void processSimpleBindRequest(InMemoryInterceptedSimpleBindRequest request)
                throws LDAPException {
            String dn = request.getRequest().getBindDN();
            if (server == null || dn.isEmpty()) {
                return;
            }
            Entry account = server.getEntry(dn, "userAccountControl");
            Integer control =
                    account == null
                            ? null
                            : account.getAttributeValueAsInteger("userAccountControl");
            if (control != null && (control & ACCOUNTDISABLE) != 0) {
                throw new LDAPException(
                        ResultCode.INVALID_CREDENTIALS,
                        "80090308: LdapErr: DSID-0C090569, comment: AcceptSecurityContext error,"
                                + " data 533, v4f7c");
            }
        }

        @Override
        public void processAddRequest(InMemoryInterceptedAddRequest request) throws LDAPException {
            throw new LDAPException(ResultCode.UNWILLING_TO_PERFORM, MESSAGE);
        }

        @Override
        public void processModifyRequest(InMemoryInterceptedModifyRequest request)
                throws LDAPException {
            throw new LDAPException(ResultCode.UNWILLING_TO_PERFORM, MESSAGE);
        }

        @Override
        public void processDeleteRequest(InMemoryInterceptedDeleteRequest request)
                throws LDAPException {
            throw new LDAPException(ResultCode.UNWILLING_TO_PERFORM, MESSAGE);
        }

        @Override
        public void processModifyDNRequest(InMemoryInterceptedModifyDNRequest request)
                throws LDAPException {
            throw new LDAPException(ResultCode.UNWILLING_TO_PERFORM, MESSAGE);
        }

        /** Password modify and transactions would write past the four refusals above. */
        @Override
        public void processExtendedRequest(InMemoryInterceptedExtendedRequest request)
                throws LDAPException {
            ExtendedOperations.refuseAllButWhoAmI(request);
        }
    }

    /**
     * Binds as {@code bindDn} over the socket and reads the root entry: a real round trip.
     *
     * @throws DirectoryUnavailableException if it does not answer
     */
    public String check(String bindDn, String password) throws DirectoryUnavailableException {
        try (LDAPConnection c = new LDAPConnection(host, port())) {
            c.bind(bindDn, password);
            if (c.getEntry(root.toString(), "1.1") == null) {
                throw new DirectoryUnavailableException("the root entry is missing");
            }
            return "demo, " + server.countEntries() + " entries";
        } catch (LDAPException e) {
            throw new DirectoryUnavailableException(
                    "the demo production directory did not answer: " + e.getResultCode().getName(),
                    e);
        }
    }

    public int port() {
        return server.getListenPort("ldap");
    }

    public DN root() {
        return root;
    }

    @Override
    public void close() {
        server.shutDown(true);
        LOG.info("directory.demo.stopped");
    }
}
