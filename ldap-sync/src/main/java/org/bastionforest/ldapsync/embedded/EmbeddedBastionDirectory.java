package org.bastionforest.ldapsync.embedded;

import com.unboundid.ldap.listener.InMemoryDirectoryServer;
import com.unboundid.ldap.listener.InMemoryDirectoryServerConfig;
import com.unboundid.ldap.listener.InMemoryListenerConfig;
import com.unboundid.ldap.listener.interceptor.InMemoryInterceptedAddRequest;
import com.unboundid.ldap.listener.interceptor.InMemoryInterceptedAddResult;
import com.unboundid.ldap.listener.interceptor.InMemoryInterceptedDeleteRequest;
import com.unboundid.ldap.listener.interceptor.InMemoryInterceptedDeleteResult;
import com.unboundid.ldap.listener.interceptor.InMemoryInterceptedExtendedRequest;
import com.unboundid.ldap.listener.interceptor.InMemoryInterceptedModifyDNRequest;
import com.unboundid.ldap.listener.interceptor.InMemoryInterceptedModifyDNResult;
import com.unboundid.ldap.listener.interceptor.InMemoryInterceptedModifyRequest;
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
import com.unboundid.ldap.sdk.SearchResultEntry;
import com.unboundid.ldap.sdk.SearchScope;
import com.unboundid.ldap.sdk.SimpleBindRequest;
import com.unboundid.ldap.sdk.SingleServerSet;
import com.unboundid.ldif.LDIFWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
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
 * product needs ({@link AdSchema}), listening on loopback (LDAP, and LDAPS with the service's
 * certificate), persisted under its data directory.
 *
 * <p><b>Persistence</b>: at start the snapshot is loaded and the journal replayed, then a fresh
 * snapshot is written (temp file, fsync, atomic rename) and the journal emptied. Every successful
 * write, whether it came over the network or from {@link #connection()} / {@link #pool()}, appends
 * the new state of what it changed to the journal before the client gets its answer: the result
 * callbacks of an {@link InMemoryOperationInterceptor} run before the response is sent, and a write
 * whose record cannot be appended is answered with an error. The record is then in the operating
 * system's page cache, so a process kill (kill -9) loses nothing acknowledged. The journal is
 * forced to disk every second and at close, so a power cut may lose up to the last second. It is
 * compacted into a new snapshot when it passes 64 MiB. If the journal cannot be written, every
 * later write is refused ({@code unavailable}) and {@link #check()} reports the directory down
 * until it is restarted.
 *
 * <p><b>Access</b>: only {@code adminDn} can bind; every other operation, including reading the
 * root DSE, needs that bind (no anonymous reads; StartTLS is not offered, LDAPS is). Extended
 * operations other than "Who am I?" are refused: the server's password modify and transaction
 * handlers would change entries without passing through the journal. The base entries (root, {@code
 * CN=Users}, {@code CN=Configuration}, {@code CN=Services}, the shadow principal container) are
 * created on first start.
 *
 * <pre>{@code
 * try (EmbeddedBastionDirectory bastion = EmbeddedBastionDirectory.start(options)) {
 *     LDAPConnectionPool pool = bastion.pool();
 *     pool.add(shadowPrincipalEntry);
 *     String health = bastion.check(); // throws DirectoryUnavailableException when down
 * }
 * }</pre>
 *
 * <p>Thread-safe.
 */
public final class EmbeddedBastionDirectory implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedBastionDirectory.class);
    static final long COMPACT_AT_BYTES = 64L * 1024 * 1024;

    /**
     * Equality indexes: selective attributes only. Not {@code objectClass}: UnboundID's in-memory
     * server intersects the candidate sets of an AND filter by walking the larger one, so with
     * {@code objectClass} indexed, {@code (&(objectClass=user)(sAMAccountName=x))} cost a DN
     * comparison per account (34 ms per search at 2,000 accounts, linear in their number; 0.2 ms
     * without the index). The selective index narrows the candidates and the rest of the filter is
     * evaluated on them. Not {@code member}: a modify re-indexes every value of the entry, so with
     * it each membership change of a shadow principal cost O(its members); nothing searches the
     * bastion by member but the sync's rare account rewrite, which reads one container. Only what
     * the product searches by: the sync finds accounts by {@code objectGUID}, the KDC and the API
     * by {@code sAMAccountName}, the scheduler shadow principals by {@code
     * msDS-ShadowPrincipalSid}. Each index costs about 200 bytes per entry; {@code objectSid},
     * {@code userPrincipalName} and {@code cn} were indexed once and nothing searched them (an
     * operator's search by them still works, scanning the entries).
     */
    static final String[] INDEXED = {"objectGUID", "sAMAccountName", "msDS-ShadowPrincipalSid"};

    private final EmbeddedBastionDirectoryOptions options;
    private final InMemoryDirectoryServer server;
    private final DirectoryJournal journal;
    private final ScheduledExecutorService flusher;
    private final LDAPConnectionPool pool;
    private final long compactAtBytes;

    /** Serializes "read the state, append it" and snapshots: see {@link #recordEntry}. */
    private final Object journalLock = new Object();

    /** Guarded by {@link #journalLock}. */
    private boolean journaling;

    /** Why writes are refused, or null. */
    private volatile String failure;

    private EmbeddedBastionDirectory(
            EmbeddedBastionDirectoryOptions options,
            InMemoryDirectoryServer server,
            DirectoryJournal journal,
            ScheduledExecutorService flusher,
            LDAPConnectionPool pool,
            long compactAtBytes) {
        this.options = options;
        this.server = server;
        this.journal = journal;
        this.flusher = flusher;
        this.pool = pool;
        this.compactAtBytes = compactAtBytes;
    }

    /**
     * Loads the stored content, starts listening and returns the running directory.
     *
     * @throws DirectoryUnavailableException if the stored content cannot be read, the data
     *     directory is in use, or a port cannot be bound
     */
    public static EmbeddedBastionDirectory start(EmbeddedBastionDirectoryOptions options)
            throws DirectoryUnavailableException {
        return start(options, COMPACT_AT_BYTES);
    }

    static EmbeddedBastionDirectory start(
            EmbeddedBastionDirectoryOptions options, long compactAtBytes)
            throws DirectoryUnavailableException {
        InMemoryDirectoryServer server = null;
        DirectoryJournal journal = null;
        LDAPConnectionPool pool = null;
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
                            OperationType.EXTENDED,
                            OperationType.MODIFY,
                            OperationType.MODIFY_DN,
                            OperationType.SEARCH));
            config.setEqualityIndexAttributes(INDEXED);
            // nothing reads entryUUID, createTimestamp, modifiersName, ... from the bastion, and
            // they were seven of an account's seventeen attributes, a third of its memory
            config.setGenerateOperationalAttributes(false);
            config.setListenerConfigs(listeners(options));
            config.addInMemoryOperationInterceptor(interceptor);
            config.setMaxConnections(256);
            config.setAccessLogHandler(null);
            server = new InMemoryDirectoryServer(config);

            for (Entry e : journal.load()) {
                server.addEntries(List.of(e));
            }
            ensureBaseEntries(server, options);
            InMemoryDirectoryServer loaded = server;
            journal.snapshot(file -> export(loaded, file));
            server.startListening();
            pool =
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
                    new EmbeddedBastionDirectory(
                            options, server, journal, flusher, pool, compactAtBytes);
            synchronized (directory.journalLock) {
                directory.journaling = true;
            }
            interceptor.directory = directory;
            flusher.scheduleWithFixedDelay(directory::maintain, 1, 1, TimeUnit.SECONDS);
            LOG.info(
                    "directory.bastion.started: {} entries, ldap {}:{}{}",
                    server.countEntries(),
                    options.host(),
                    server.getListenPort("ldap"),
                    options.tls().isPresent()
                            ? ", ldaps port " + server.getListenPort("ldaps")
                            : "");
            return directory;
        } catch (IOException | LDAPException | RuntimeException e) {
            if (pool != null) {
                pool.close();
            }
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
        DN configuration = new DN(new RDN("CN", "Configuration"), root);
        DN services = new DN(new RDN("CN", "Services"), configuration);
        container(server, options.usersContainer(), "container", "Bastion accounts");
        container(server, configuration, "container", null);
        container(server, services, "container", null);
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

    /**
     * Runs every second: forces the journal to disk, and compacts it into a new snapshot when it is
     * larger than the threshold. A failed fsync stops writes (the disk may have dropped what it was
     * given); a failed compaction leaves snapshot and journal as they were and is retried.
     */
    void maintain() {
        try {
            journal.sync();
        } catch (IOException | RuntimeException e) {
            fail("the journal could not be forced to disk", e);
            return;
        }
        try {
            if (journal.journalSize() > compactAtBytes) {
                synchronized (journalLock) {
                    if (journaling && failure == null) {
                        journal.snapshot(file -> export(server, file));
                        LOG.info("directory.bastion.compacted");
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            LOG.warn("directory.bastion.compaction.failed: {}; will retry", e.getMessage());
        }
    }

    /**
     * Appends the current state of the entry {@code dn} (its content, or its absence) to the
     * journal. Reading and appending happen under one lock, and every write's callback runs after
     * the write, so the last record about a DN describes it as it is after every write to it, in
     * whatever order concurrent operations' callbacks run.
     */
    private void recordEntry(DN dn) {
        synchronized (journalLock) {
            if (!journaling) {
                return;
            }
            try {
                Entry e = server.getEntry(dn.toString(), "*"); // user attributes only
                if (e != null) {
                    journal.put(e);
                } else {
                    journal.delete(dn);
                }
            } catch (IOException | LDAPException e) {
                throw fail("the journal could not be written", e);
            }
        }
    }

    /** Like {@link #recordEntry}, for {@code dn} and everything below it (deletes, renames). */
    private void recordSubtree(DN dn) {
        synchronized (journalLock) {
            if (!journaling) {
                return;
            }
            try {
                journal.delete(dn);
                if (server.getEntry(dn.toString(), "1.1") == null) {
                    return;
                }
                List<SearchResultEntry> subtree =
                        new ArrayList<>(
                                server.search(
                                                dn.toString(),
                                                SearchScope.SUB,
                                                "(objectClass=*)",
                                                "*")
                                        .getSearchEntries());
                subtree.sort(Comparator.comparingInt(e -> depth(e)));
                for (Entry e : subtree) {
                    journal.put(e);
                }
            } catch (IOException | LDAPException e) {
                throw fail("the journal could not be written", e);
            }
        }
    }

    private static int depth(Entry e) {
        try {
            return e.getParsedDN().getRDNs().length;
        } catch (LDAPException ex) {
            return Integer.MAX_VALUE;
        }
    }

    /** Stops accepting writes: a change that is not in the journal would be lost at restart. */
    private IllegalStateException fail(String what, Exception cause) {
        if (failure == null) {
            failure = what + ": " + cause.getMessage();
            LOG.error(
                    "directory.bastion.journal.failed: {}; writes are refused until restart",
                    failure,
                    cause);
        }
        return new IllegalStateException(what, cause);
    }

    private void refuseWritesIfFailed() throws LDAPException {
        if (failure != null) {
            throw new LDAPException(
                    ResultCode.UNAVAILABLE,
                    "the bastion directory cannot persist changes; restart it (see its log)");
        }
    }

    /**
     * Journals every successful change before the result goes back to the client, refuses writes
     * after a journal failure, and refuses extended operations that write around the journal.
     */
    private static final class JournalingInterceptor extends InMemoryOperationInterceptor {
        volatile EmbeddedBastionDirectory directory;

        /** Before {@link #directory} is set, nothing would journal a write: refuse it. */
        private void checkWritable() throws LDAPException {
            EmbeddedBastionDirectory d = directory;
            if (d == null) {
                throw new LDAPException(
                        ResultCode.UNAVAILABLE, "the bastion directory is still starting");
            }
            d.refuseWritesIfFailed();
        }

        @Override
        public void processAddRequest(InMemoryInterceptedAddRequest request) throws LDAPException {
            checkWritable();
        }

        @Override
        public void processModifyRequest(InMemoryInterceptedModifyRequest request)
                throws LDAPException {
            checkWritable();
        }

        @Override
        public void processDeleteRequest(InMemoryInterceptedDeleteRequest request)
                throws LDAPException {
            checkWritable();
        }

        @Override
        public void processModifyDNRequest(InMemoryInterceptedModifyDNRequest request)
                throws LDAPException {
            checkWritable();
        }

        @Override
        public void processExtendedRequest(InMemoryInterceptedExtendedRequest request)
                throws LDAPException {
            ExtendedOperations.refuseAllButWhoAmI(request);
        }

        @Override
        public void processAddResult(InMemoryInterceptedAddResult add) {
            if (directory != null && add.getResult().getResultCode() == ResultCode.SUCCESS) {
                directory.recordEntry(dn(add.getRequest().getDN()));
            }
        }

        @Override
        public void processModifyResult(InMemoryInterceptedModifyResult modify) {
            if (directory != null && modify.getResult().getResultCode() == ResultCode.SUCCESS) {
                directory.recordEntry(dn(modify.getRequest().getDN()));
            }
        }

        @Override
        public void processDeleteResult(InMemoryInterceptedDeleteResult delete) {
            if (directory != null && delete.getResult().getResultCode() == ResultCode.SUCCESS) {
                directory.recordSubtree(dn(delete.getRequest().getDN()));
            }
        }

        @Override
        public void processModifyDNResult(InMemoryInterceptedModifyDNResult modifyDn) {
            if (directory == null || modifyDn.getResult().getResultCode() != ResultCode.SUCCESS) {
                return;
            }
            var request = modifyDn.getRequest();
            DN old = dn(request.getDN());
            DN parent =
                    request.getNewSuperiorDN() == null
                            ? old.getParent()
                            : dn(request.getNewSuperiorDN());
            try {
                DN renamed = new DN(new RDN(request.getNewRDN()), parent);
                directory.recordSubtree(old);
                directory.recordSubtree(renamed);
            } catch (LDAPException e) {
                throw directory.fail("the journal could not be written", e);
            }
        }

        private static DN dn(String dn) {
            try {
                return new DN(dn);
            } catch (LDAPException e) {
                // the server has just applied an operation on this DN: it parses
                throw new IllegalStateException("unparseable DN in a successful operation", e);
            }
        }
    }

    /**
     * The health probe: binds over the LDAP socket listener and reads the root DSE, a real round
     * trip through the same listener clients use.
     *
     * @return a short description when up, e.g. {@code "embedded, 12 entries, ldap port 10389"}
     * @throws DirectoryUnavailableException when down (no answer, or writes refused after a journal
     *     failure), with a short reason
     */
    public String check() throws DirectoryUnavailableException {
        String failed = failure;
        if (failed != null) {
            throw new DirectoryUnavailableException(
                    "the embedded bastion directory refuses writes: " + failed);
        }
        try (LDAPConnection c = new LDAPConnection(options.host(), ldapPort())) {
            c.bind(options.adminDn().toString(), new String(options.adminPassword()));
            RootDSE root = c.getRootDSE();
            if (root == null) {
                throw new DirectoryUnavailableException("the root DSE could not be read");
            }
            return "embedded, " + server.countEntries() + " entries, ldap port " + ldapPort();
        } catch (LDAPException e) {
            throw new DirectoryUnavailableException(
                    "the embedded bastion directory did not answer: " + e.getResultCode().getName(),
                    e);
        }
    }

    /**
     * Authenticated connections to this directory (as its administrator), over the loopback
     * listener. Shared: do not close it; {@link #close()} does.
     */
    public LDAPConnectionPool pool() {
        return pool;
    }

    /**
     * A new connection bound as the administrator, opened in-process by the server (no port of its
     * own; its writes are journaled like any other). The caller closes it.
     *
     * @throws LDAPException if the directory is stopped
     */
    public LDAPConnection connection() throws LDAPException {
        LDAPConnection c = server.getConnection();
        try {
            c.bind(options.adminDn().toString(), new String(options.adminPassword()));
            return c;
        } catch (LDAPException e) {
            c.close();
            throw e;
        }
    }

    /** The address the listeners are bound to, e.g. {@code 127.0.0.1}. */
    public String host() {
        return options.host();
    }

    /** The LDAP port in use (the chosen one when the options said 0). */
    public int ldapPort() {
        return server.getListenPort("ldap");
    }

    /** The LDAPS port in use, or -1 without TLS. */
    public int ldapsPort() {
        return options.tls().isPresent() ? server.getListenPort("ldaps") : -1;
    }

    public DN rootDn() {
        return options.rootDn();
    }

    /** {@code CN=Shadow Principal Configuration,CN=Services,CN=Configuration,<root>}. */
    public DN shadowPrincipalContainer() {
        return options.shadowPrincipalContainer();
    }

    /** {@code CN=Users,<root>}: the bastion accounts. */
    public DN usersContainer() {
        return options.usersContainer();
    }

    public EmbeddedBastionDirectoryOptions options() {
        return options;
    }

    /**
     * Stops listening, writes a final snapshot, closes the journal and releases the data directory.
     * Idempotent.
     */
    @Override
    public void close() {
        pool.close();
        flusher.shutdownNow();
        server.shutDown(true);
        synchronized (journalLock) {
            if (!journaling) {
                return; // already closed
            }
            journaling = false;
            try {
                if (failure == null) {
                    journal.snapshot(file -> export(server, file));
                }
            } catch (IOException e) {
                // the journal is intact (it is forced below); the next start replays it
                LOG.warn("directory.bastion.snapshot.failed: {}", e.getMessage());
            } finally {
                try {
                    journal.close();
                } catch (IOException e) {
                    LOG.warn("directory.bastion.journal.close.failed: {}", e.getMessage());
                }
            }
        }
        LOG.info("directory.bastion.stopped");
    }

    /** For tests: the entries a start from {@code dataDir} would load. */
    static List<Entry> storedEntries(Path dataDir) throws IOException {
        try (DirectoryJournal j = new DirectoryJournal(dataDir)) {
            return j.load();
        }
    }
}
