package org.bastionforest.ldapsync.embedded;

import com.unboundid.ldap.listener.InMemoryDirectoryServer;
import com.unboundid.ldap.listener.InMemoryDirectoryServerConfig;
import com.unboundid.ldap.listener.InMemoryListenerConfig;
import com.unboundid.ldap.listener.interceptor.InMemoryInterceptedAddResult;
import com.unboundid.ldap.listener.interceptor.InMemoryInterceptedDeleteResult;
import com.unboundid.ldap.listener.interceptor.InMemoryInterceptedModifyDNResult;
import com.unboundid.ldap.listener.interceptor.InMemoryInterceptedModifyResult;
import com.unboundid.ldap.listener.interceptor.InMemoryOperationInterceptor;
import com.unboundid.ldap.sdk.DN;
import com.unboundid.ldap.sdk.Entry;
import com.unboundid.ldap.sdk.LDAPConnection;
import com.unboundid.ldap.sdk.LDAPConnectionPool;
import com.unboundid.ldap.sdk.LDAPException;
import com.unboundid.ldap.sdk.OperationType;
import com.unboundid.ldap.sdk.RDN;
import com.unboundid.ldap.sdk.ResultCode;
import com.unboundid.ldap.sdk.RootDSE;
import com.unboundid.ldap.sdk.SearchScope;
import com.unboundid.ldap.sdk.SimpleBindRequest;
import com.unboundid.ldap.sdk.SingleServerSet;
import com.unboundid.ldif.LDIFWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.bastionforest.shadowgroups.errors.DirectoryUnavailableException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded bastion directory: an UnboundID in-memory directory with the AD schema elements the
 * product needs, listening on loopback (LDAP, and LDAPS with the service's certificate), persisted
 * under its data directory.
 *
 * <p><b>Persistence</b>: at start the snapshot is loaded and the journal replayed, then a fresh
 * snapshot is written and the journal emptied. Every successful write (over the network or from an
 * in-process connection) appends the changed entry's new state to the journal before the client
 * gets its answer; the journal is forced to disk every second and at close, and compacted into a
 * new snapshot when it passes 64 MiB. A process kill loses nothing acknowledged; a power cut may
 * lose up to the last second.
 *
 * <p><b>Access</b>: only {@code adminDn} can bind; every operation but bind needs it (no anonymous
 * reads). The base entries (root, {@code CN=Users}, {@code CN=Configuration}, {@code CN=Services},
 * the shadow principal container) are created on first start.
 *
 * <pre>{@code
 * try (EmbeddedBastionDirectory bastion = EmbeddedBastionDirectory.start(options)) {
 *     LDAPConnectionPool pool = bastion.pool();
 *     ...
 * }
 * }</pre>
 *
 * <p>Thread-safe.
 */
public final class EmbeddedBastionDirectory implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedBastionDirectory.class);
    static final long COMPACT_AT_BYTES = 64L * 1024 * 1024;
    static final String[] INDEXED = {
        "objectGUID",
        "objectSid",
        "sAMAccountName",
        "userPrincipalName",
        "member",
        "msDS-ShadowPrincipalSid",
        "cn",
        "objectClass"
    };

    private final EmbeddedBastionDirectoryOptions options;
    private final InMemoryDirectoryServer server;
    private final DirectoryJournal journal;
    private final ScheduledExecutorService flusher;
    private final LDAPConnectionPool pool;
    private volatile boolean journaling;

    private EmbeddedBastionDirectory(
            EmbeddedBastionDirectoryOptions options,
            InMemoryDirectoryServer server,
            DirectoryJournal journal,
            ScheduledExecutorService flusher,
            LDAPConnectionPool pool) {
        this.options = options;
        this.server = server;
        this.journal = journal;
        this.flusher = flusher;
        this.pool = pool;
    }

    /**
     * Loads the stored content, starts listening and returns the running directory.
     *
     * @throws DirectoryUnavailableException if the stored content cannot be read or a port cannot
     *     be bound
     */
    public static EmbeddedBastionDirectory start(EmbeddedBastionDirectoryOptions options)
            throws DirectoryUnavailableException {
        InMemoryDirectoryServer server = null;
        DirectoryJournal journal = null;
        try {
            journal = new DirectoryJournal(options.dataDir());
            JournalingInterceptor interceptor = new JournalingInterceptor();
            InMemoryDirectoryServerConfig config =
                    new InMemoryDirectoryServerConfig(options.rootDn());
            config.setSchema(AdSchema.load());
            config.addAdditionalBindCredentials(
                    options.adminDn().toString(), new String(options.adminPassword()));
            config.setAuthenticationRequiredOperationTypes(
                    EnumSet.of(
                            OperationType.ADD,
                            OperationType.COMPARE,
                            OperationType.DELETE,
                            OperationType.MODIFY,
                            OperationType.MODIFY_DN,
                            OperationType.SEARCH));
            config.setEqualityIndexAttributes(INDEXED);
            config.setListenerConfigs(listeners(options));
            config.addInMemoryOperationInterceptor(interceptor);
            config.setMaxConnections(256);
            config.setAccessLogHandler(null);
            server = new InMemoryDirectoryServer(config);

            List<Entry> stored = journal.load();
            if (!stored.isEmpty()) {
                for (Entry e : stored) {
                    server.addEntries(List.of(e));
                }
            }
            ensureBaseEntries(server, options);
            DirectoryJournal j = journal;
            InMemoryDirectoryServer s = server;
            journal.snapshot(file -> export(s, file));
            server.startListening();
            LDAPConnectionPool pool =
                    new LDAPConnectionPool(
                            new SingleServerSet(options.host(), server.getListenPort("ldap")),
                            new SimpleBindRequest(
                                    options.adminDn(), new String(options.adminPassword())),
                            1,
                            16);
            pool.setConnectionPoolName("embedded-bastion");
            ScheduledExecutorService flusher =
                    Executors.newSingleThreadScheduledExecutor(
                            r -> {
                                Thread t = new Thread(r, "bastion-directory-journal");
                                t.setDaemon(true);
                                return t;
                            });
            EmbeddedBastionDirectory directory =
                    new EmbeddedBastionDirectory(options, server, j, flusher, pool);
            interceptor.directory = directory;
            directory.journaling = true;
            flusher.scheduleWithFixedDelay(directory::maintain, 1, 1, TimeUnit.SECONDS);
            LOG.info(
                    "directory.bastion.started: {} entries, ldap port {}{}",
                    server.countEntries(),
                    server.getListenPort("ldap"),
                    options.tls().isPresent()
                            ? ", ldaps port " + server.getListenPort("ldaps")
                            : "");
            return directory;
        } catch (IOException | LDAPException | RuntimeException e) {
            if (server != null) {
                server.shutDown(true);
            }
            if (journal != null) {
                try {
                    journal.close();
                } catch (IOException ignored) {
                    // already failing
                }
            }
            throw new DirectoryUnavailableException(
                    "the embedded bastion directory could not start: " + e.getMessage(), e);
        }
    }

    private static InMemoryListenerConfig[] listeners(EmbeddedBastionDirectoryOptions options)
            throws IOException, LDAPException {
        InetAddress address = InetAddress.getByName(options.host());
        InMemoryListenerConfig ldap =
                InMemoryListenerConfig.createLDAPConfig("ldap", address, options.ldapPort(), null);
        if (options.tls().isEmpty()) {
            return new InMemoryListenerConfig[] {ldap};
        }
        InMemoryListenerConfig ldaps =
                InMemoryListenerConfig.createLDAPSConfig(
                        "ldaps",
                        address,
                        options.ldapsPort(),
                        options.tls().get().getServerSocketFactory(),
                        null);
        return new InMemoryListenerConfig[] {ldap, ldaps};
    }

    private static void ensureBaseEntries(
            InMemoryDirectoryServer server, EmbeddedBastionDirectoryOptions options)
            throws LDAPException {
        DN root = options.rootDn();
        if (server.getEntry(root.toString()) == null) {
            RDN rdn = root.getRDN();
            Entry e = new Entry(root);
            if (rdn.hasAttribute("dc")) {
                e.addAttribute("objectClass", "top", "domainDNS");
                e.addAttribute("dc", rdn.getAttributeValues()[0]);
            } else {
                e.addAttribute("objectClass", "top", "container");
                e.addAttribute("cn", rdn.getAttributeValues()[0]);
            }
            server.add(e);
        }
        container(server, options.usersContainer(), "container", "Bastion accounts");
        container(server, new DN("CN=Configuration," + root), "container", null);
        container(server, new DN("CN=Services,CN=Configuration," + root), "container", null);
        container(
                server,
                options.shadowPrincipalContainer(),
                "msDS-ShadowPrincipalContainer",
                "Shadow principals: one per managed production group");
    }

    private static void container(
            InMemoryDirectoryServer server, DN dn, String objectClass, String description)
            throws LDAPException {
        if (server.getEntry(dn.toString()) != null) {
            return;
        }
        Entry e = new Entry(dn);
        e.addAttribute("objectClass", "top", "container");
        if (!objectClass.equals("container")) {
            e.addAttribute("objectClass", objectClass);
        }
        e.addAttribute("cn", dn.getRDN().getAttributeValues()[0]);
        if (description != null) {
            e.addAttribute("description", description);
        }
        server.add(e);
    }

    private static void export(InMemoryDirectoryServer server, Path file) throws IOException {
        try (OutputStream out = Files.newOutputStream(file);
                LDIFWriter writer = new LDIFWriter(out)) {
            server.exportToLDIF(writer, true, true, true); // user attributes only
        } catch (LDAPException e) {
            throw new IOException("cannot export the directory: " + e.getMessage(), e);
        }
    }

    /** Runs every second: forces the journal to disk, compacts it when it is large. */
    private void maintain() {
        try {
            journal.sync();
            if (journal.journalSize() > COMPACT_AT_BYTES) {
                journal.snapshot(file -> export(server, file));
                LOG.info("directory.bastion.compacted");
            }
        } catch (IOException | RuntimeException e) {
            LOG.error("directory.bastion.journal.failed: {}", e.getMessage(), e);
        }
    }

    /** Journals the state of an entry after a successful write. */
    private void recordPut(String dn) {
        if (!journaling) {
            return;
        }
        try {
            Entry e = server.getEntry(dn, "*"); // user attributes only
            if (e != null) {
                journal.put(e);
            }
        } catch (IOException | LDAPException e) {
            throw new IllegalStateException("the directory journal could not be written", e);
        }
    }

    private void recordSubtree(String dn) {
        try {
            for (Entry e :
                    server.search(dn, SearchScope.SUB, "(objectClass=*)", "*").getSearchEntries()) {
                journal.put(e);
            }
        } catch (IOException | LDAPException e) {
            throw new IllegalStateException("the directory journal could not be written", e);
        }
    }

    private void recordDelete(String dn) {
        if (!journaling) {
            return;
        }
        try {
            journal.delete(dn);
        } catch (IOException e) {
            throw new IllegalStateException("the directory journal could not be written", e);
        }
    }

    /** Writes every successful change to the journal before the result goes back to the client. */
    private static final class JournalingInterceptor extends InMemoryOperationInterceptor {
        volatile EmbeddedBastionDirectory directory;

        @Override
        public void processAddResult(InMemoryInterceptedAddResult add) {
            if (directory != null && add.getResult().getResultCode() == ResultCode.SUCCESS) {
                directory.recordPut(add.getRequest().getDN());
            }
        }

        @Override
        public void processModifyResult(InMemoryInterceptedModifyResult modify) {
            if (directory != null && modify.getResult().getResultCode() == ResultCode.SUCCESS) {
                directory.recordPut(modify.getRequest().getDN());
            }
        }

        @Override
        public void processDeleteResult(InMemoryInterceptedDeleteResult delete) {
            if (directory != null && delete.getResult().getResultCode() == ResultCode.SUCCESS) {
                directory.recordDelete(delete.getRequest().getDN());
            }
        }

        @Override
        public void processModifyDNResult(InMemoryInterceptedModifyDNResult modifyDn) {
            if (directory == null || modifyDn.getResult().getResultCode() != ResultCode.SUCCESS) {
                return;
            }
            try {
                var request = modifyDn.getRequest();
                DN old = new DN(request.getDN());
                DN parent =
                        request.getNewSuperiorDN() == null
                                ? old.getParent()
                                : new DN(request.getNewSuperiorDN());
                DN renamed = new DN(new RDN(request.getNewRDN()), parent);
                directory.recordDelete(old.toString());
                if (directory.journaling) {
                    directory.recordSubtree(renamed.toString());
                }
            } catch (LDAPException e) {
                throw new IllegalStateException("the directory journal could not be written", e);
            }
        }
    }

    /**
     * Reads the root DSE over the LDAP socket with an authenticated connection: a real round trip.
     *
     * @return a short description
     * @throws DirectoryUnavailableException if the directory does not answer
     */
    public String check() throws DirectoryUnavailableException {
        try (LDAPConnection c = new LDAPConnection(options.host(), ldapPort())) {
            c.bind(options.adminDn().toString(), new String(options.adminPassword()));
            RootDSE root = c.getRootDSE();
            if (root == null) {
                throw new DirectoryUnavailableException("the root DSE could not be read");
            }
            return "embedded, " + server.countEntries() + " entries";
        } catch (LDAPException e) {
            throw new DirectoryUnavailableException(
                    "the embedded bastion directory did not answer: " + e.getResultCode().getName(),
                    e);
        }
    }

    /** Authenticated connections to this directory (as its administrator). */
    public LDAPConnectionPool pool() {
        return pool;
    }

    public int ldapPort() {
        return server.getListenPort("ldap");
    }

    /** The LDAPS port, or -1 without TLS. */
    public int ldapsPort() {
        return options.tls().isPresent() ? server.getListenPort("ldaps") : -1;
    }

    public DN rootDn() {
        return options.rootDn();
    }

    public DN shadowPrincipalContainer() {
        return options.shadowPrincipalContainer();
    }

    public EmbeddedBastionDirectoryOptions options() {
        return options;
    }

    /** Stops listening, writes a final snapshot and closes the journal. */
    @Override
    public void close() {
        pool.close();
        flusher.shutdownNow();
        server.shutDown(true);
        try {
            journal.snapshot(file -> export(server, file));
            journal.close();
        } catch (IOException e) {
            // the journal is intact (it was synced); the next start replays it
            LOG.warn("directory.bastion.snapshot.failed: {}", e.getMessage());
            try {
                journal.close();
            } catch (IOException ignored) {
                // nothing more to do
            }
        }
        journaling = false;
        LOG.info("directory.bastion.stopped");
    }

    /** For tests: throws if the stored data of {@code dataDir} cannot be loaded. */
    static int storedEntries(Path dataDir) throws IOException {
        try (DirectoryJournal j = new DirectoryJournal(dataDir)) {
            return j.load().size();
        }
    }
}
