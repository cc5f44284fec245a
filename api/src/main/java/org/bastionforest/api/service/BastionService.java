package org.bastionforest.api.service;

import com.unboundid.ldap.sdk.DN;
import com.unboundid.ldap.sdk.LDAPConnectionPool;
import com.unboundid.ldap.sdk.LDAPException;
import com.unboundid.ldap.sdk.LDAPInterface;
import com.unboundid.ldap.sdk.LDAPURL;
import com.unboundid.ldap.sdk.RDN;
import com.unboundid.ldap.sdk.SearchResultEntry;
import com.unboundid.ldap.sdk.SimpleBindRequest;
import com.unboundid.ldap.sdk.SingleServerSet;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import javax.crypto.SecretKey;
import org.bastionforest.api.auth.Authenticator;
import org.bastionforest.api.auth.CachingPasswordVerifier;
import org.bastionforest.api.auth.GssSpnegoAcceptor;
import org.bastionforest.api.auth.LdapPasswordVerifier;
import org.bastionforest.api.auth.LoginThrottle;
import org.bastionforest.api.auth.PasswordVerifier;
import org.bastionforest.api.auth.SpnegoAcceptor;
import org.bastionforest.api.config.BastionConfig;
import org.bastionforest.api.config.BastionConfig.BastionKind;
import org.bastionforest.api.config.BastionConfig.ProductionKind;
import org.bastionforest.api.config.BastionConfig.TlsMode;
import org.bastionforest.api.config.ConfigException;
import org.bastionforest.api.config.Secret;
import org.bastionforest.api.http.HealthResource;
import org.bastionforest.api.http.HttpServers;
import org.bastionforest.api.http.Services;
import org.bastionforest.api.http.VersionResource;
import org.bastionforest.api.rest.AuditResource;
import org.bastionforest.api.rest.AuthenticationFilter;
import org.bastionforest.api.rest.BodyLimitFilter;
import org.bastionforest.api.rest.MetricsFilter;
import org.bastionforest.api.rest.MetricsResource;
import org.bastionforest.api.rest.NegotiateResponse;
import org.bastionforest.api.rest.OpenApiResource;
import org.bastionforest.api.rest.PrincipalsResource;
import org.bastionforest.api.rest.ProblemMapper;
import org.bastionforest.api.rest.SyncResource;
import org.bastionforest.api.tls.TlsMaterial;
import org.bastionforest.kerberos.BastionKdc;
import org.bastionforest.kerberos.Enctype;
import org.bastionforest.kerberos.PacAuthorizationData;
import org.bastionforest.kerberos.TicketAudit;
import org.bastionforest.ldapsync.connect.LdapEndpoint;
import org.bastionforest.ldapsync.connect.LdapEndpointOptions;
import org.bastionforest.ldapsync.embedded.EmbeddedBastionDirectory;
import org.bastionforest.ldapsync.embedded.EmbeddedBastionDirectoryOptions;
import org.bastionforest.ldapsync.embedded.EmbeddedDemoProductionDirectory;
import org.bastionforest.ldapsync.facts.ProductionDirectoryFacts;
import org.bastionforest.ldapsync.sync.BastionTarget;
import org.bastionforest.ldapsync.sync.ManagedGroups;
import org.bastionforest.ldapsync.sync.SourceKind;
import org.bastionforest.ldapsync.sync.SyncEngine;
import org.bastionforest.ldapsync.sync.SyncOptions;
import org.bastionforest.ldapsync.writer.LdapBastionDirectory;
import org.bastionforest.scheduler.GrantScheduler;
import org.bastionforest.scheduler.SyncRunner;
import org.bastionforest.shadowgroups.audit.AuditJournal;
import org.bastionforest.shadowgroups.audit.AuditLog;
import org.bastionforest.shadowgroups.directory.MembershipDispatcher;
import org.bastionforest.shadowgroups.directory.MembershipReconciler;
import org.bastionforest.shadowgroups.errors.BastionException;
import org.bastionforest.shadowgroups.errors.ConflictException;
import org.bastionforest.shadowgroups.errors.DirectoryUnavailableException;
import org.bastionforest.shadowgroups.errors.StorageException;
import org.bastionforest.shadowgroups.mfa.TotpService;
import org.bastionforest.shadowgroups.model.Sid;
import org.bastionforest.shadowgroups.notification.NotificationRelay;
import org.bastionforest.shadowgroups.policy.Administrators;
import org.bastionforest.shadowgroups.policy.ShadowGroupService;
import org.bastionforest.shadowgroups.policy.UserId;
import org.bastionforest.shadowgroups.request.RequestService;
import org.bastionforest.shadowgroups.storage.Database;
import org.bastionforest.shadowgroups.storage.DatabaseOptions;
import org.bastionforest.shadowgroups.storage.Installation;
import org.bastionforest.shadowgroups.storage.InstallationStore;
import org.bastionforest.shadowgroups.token.ApiTokenService;
import org.bastionforest.testldif.Fixtures;
import org.glassfish.grizzly.http.server.HttpServer;
import org.glassfish.jersey.server.ResourceConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running service: starts its components in order (data directory, TLS, database, bastion
 * directory, production directory, HTTP), registers each one's health, and stops them in reverse.
 * This is the one place where the modules are wired together.
 *
 * <pre>{@code
 * try (BastionService service = BastionService.start(config)) {
 *     System.out.println(service.summary());
 *     ...
 * }
 * }</pre>
 *
 * <p>Thread-safe: {@link #close()} may be called from a shutdown hook while other threads serve.
 */
public final class BastionService implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(BastionService.class);
    private static final Duration CHECK_TIMEOUT = Duration.ofSeconds(3);
    static final String BASTION_ADMIN_SECRET = "bastion-directory-admin.password";
    static final String TLS_PIN_SECRET = "tls-keystore.password";

    /** The resources served when the KDC runs. */
    static final List<Class<?>> KERBEROS_RESOURCES =
            List.of(
                    PrincipalsResource.class,
                    PrincipalsResource.Password.class,
                    PrincipalsResource.Krb5Conf.class);

    /** Failed logins allowed per account in 5 minutes before it is refused for a while. */
    static final int USER_FAILURES = 5;

    /** Failed authentications allowed per client address in 5 minutes. */
    static final int CLIENT_FAILURES = 100;

    private final BastionConfig config;
    private final HealthRegistry health = new HealthRegistry();
    private final Deque<Component> started = new ArrayDeque<>();
    private final List<String> summary = new ArrayList<>();
    private final AtomicBoolean closed = new AtomicBoolean();
    private DataDirectory data;
    private TlsMaterial tls;
    private Database database;
    private Installation installation;
    private MasterKey masterKey;
    private final Clock clock = Clock.systemUTC();
    private LDAPConnectionPool productionLdap;
    private List<DN> productionBases;
    private ProductionDirectoryFacts.Nesting nesting;
    private LDAPInterface bastionLdap;
    private int bastionPageSize = BastionTarget.DEFAULT_PAGE_SIZE;
    private DN bastionAccounts;
    private DN bastionShadowContainer;
    private LdapBastionDirectory.Mode bastionMode;
    private BastionCore core;
    private SyncEngine sync;
    private BastionKdc kdc;
    private AuditJournal journal;
    private volatile int restPort = -1;
    private volatile int productionPort = -1;
    private volatile int bastionLdapPort = -1;

    private BastionService(BastionConfig config) {
        this.config = config;
    }

    /** A started component and how to stop it. */
    private record Component(String name, AutoCloseable closeable) {}

    /**
     * Starts every component. On failure, what was started is stopped again before the exception is
     * thrown.
     *
     * @throws ConfigException when the configuration is valid but unusable (e.g. the data directory
     *     cannot be created)
     * @throws StartupException when a component cannot start
     */
    public static BastionService start(BastionConfig config)
            throws ConfigException, StartupException {
        BastionService service = new BastionService(config);
        try {
            service.startAll();
            LOG.info("service.started: {}", String.join("; ", service.summary));
            return service;
        } catch (ConfigException | StartupException | RuntimeException e) {
            service.close();
            throw e;
        }
    }

    private void startAll() throws ConfigException, StartupException {
        data = DataDirectory.open(Path.of(config.dataDir()));
        summary.add("data directory      " + data.root());
        tls = startTls();
        startDatabase();
        startBastionDirectory();
        startProductionDirectory();
        startCore();
        startKdc();
        startHttp();
    }

    private TlsMaterial startTls() throws StartupException {
        BastionConfig.Tls c = config.rest().tls();
        try {
            if (c.mode() == TlsMode.KEYSTORE) {
                Secret pin =
                        Secret.of(
                                java.nio.file.Files.readString(Path.of(c.keystorePasswordFile()))
                                        .strip());
                return TlsMaterial.load(Path.of(c.keystore()), c.keystoreType(), pin);
            }
            // self-signed, and also with mode none: the embedded directory's LDAPS still needs one
            return TlsMaterial.selfSigned(
                    data.directory("tls"),
                    data.secret(TLS_PIN_SECRET),
                    List.of(config.rest().host()));
        } catch (IOException | GeneralSecurityException e) {
            throw new StartupException("TLS material: " + e.getMessage(), e);
        }
    }

    private void startDatabase() throws StartupException {
        BastionConfig.Database c = config.database();
        // every scheduler thread may hold a connection while the API and the dispatcher need theirs
        int pool = Math.max(c.maxPoolSize(), config.scheduler().threads() + 3);
        DatabaseOptions options =
                c.embedded()
                        ? DatabaseOptions.embedded(data.root()).withMaxPoolSize(pool)
                        : new DatabaseOptions(
                                c.url(),
                                c.username(),
                                c.password().reveal(),
                                pool,
                                Duration.ofSeconds(10));
        try {
            database = Database.open(options);
            started.push(new Component("database", database));
            installation = new InstallationStore(database, Clock.systemUTC()).installation();
            String schema = database.schemaVersion();
            health.register("database", () -> toComponentHealth(database.check(CHECK_TIMEOUT)));
            summary.add(
                    "database            "
                            + (c.embedded()
                                    ? "embedded "
                                            + database.vendor()
                                            + " "
                                            + data.root().resolve("db")
                                    : database.vendor() + " " + options.jdbcUrl())
                            + " (schema "
                            + schema
                            + ")");
        } catch (StorageException e) {
            throw new StartupException("database: " + e.getMessage(), e);
        }
    }

    private void startBastionDirectory() throws StartupException {
        BastionConfig.Bastion c = config.bastion();
        if (c.kind() == BastionKind.EMBEDDED) {
            startEmbeddedBastion(c);
            return;
        }
        LdapEndpoint endpoint =
                external("bastion", List.of(c.url()), c.bindDn(), c.bindPassword(), c.caFile());
        started.push(new Component("bastion directory", endpoint));
        health.register("bastionDirectory", () -> check(endpoint::check));
        try {
            DN root = new DN(c.rootDn());
            bastionLdap = endpoint.pool();
            bastionAccounts =
                    new DN(new RDN("CN", "Users"), root); // as the embedded directory and AD
            bastionShadowContainer = shadowPrincipalContainer(root);
            bastionMode =
                    c.kind() == BastionKind.AD
                            ? LdapBastionDirectory.Mode.TTL_LINKS
                            : LdapBastionDirectory.Mode.PLAIN;
        } catch (LDAPException e) {
            throw new StartupException("bastion directory: invalid root DN", e);
        }
        summary.add(
                "bastion directory   "
                        + c.kind().name().toLowerCase()
                        + " "
                        + c.url()
                        + "  root "
                        + c.rootDn());
    }

    private void startProductionDirectory() throws StartupException {
        BastionConfig.Production c = config.production();
        if (c.kind() == ProductionKind.DEMO) {
            startDemoProduction(c);
            return;
        }
        LdapEndpoint endpoint =
                external("production", c.urls(), c.bindDn(), c.bindPassword(), c.caFile());
        started.push(new Component("production directory", endpoint));
        health.register("productionDirectory", () -> check(endpoint::check));
        productionLdap = endpoint.pool();
        productionBases = new ArrayList<>();
        for (String base : c.baseDns()) {
            try {
                productionBases.add(new DN(base));
            } catch (LDAPException e) {
                throw new StartupException("production directory: invalid base DN", e);
            }
        }
        // AD (and Samba) resolve nested membership with the in-chain matching rule
        nesting =
                c.kind() == ProductionKind.AD
                        ? ProductionDirectoryFacts.Nesting.IN_CHAIN_RULE
                        : ProductionDirectoryFacts.Nesting.EXPAND;
        summary.add(
                "production          "
                        + c.kind().name().toLowerCase()
                        + " "
                        + String.join(", ", c.urls()));
    }

    private void startEmbeddedBastion(BastionConfig.Bastion c) throws StartupException {
        try {
            DN root = new DN(c.rootDn());
            EmbeddedBastionDirectoryOptions options =
                    new EmbeddedBastionDirectoryOptions(
                            root,
                            c.embedded().host(),
                            c.embedded().ldapPort(),
                            c.embedded().ldapsPort(),
                            Optional.of(tls.sslContext()),
                            data.directory("bastion-directory"),
                            new DN(new RDN("CN", "bastion-admin"), root),
                            data.secret(BASTION_ADMIN_SECRET).chars());
            EmbeddedBastionDirectory directory = EmbeddedBastionDirectory.start(options);
            started.push(new Component("bastion directory", directory));
            bastionLdap = directory.pool();
            bastionPageSize = BastionTarget.EMBEDDED_PAGE_SIZE;
            bastionLdapPort = directory.ldapPort();
            bastionAccounts = directory.usersContainer();
            bastionShadowContainer = directory.shadowPrincipalContainer();
            bastionMode = LdapBastionDirectory.Mode.PLAIN;
            health.register("bastionDirectory", () -> check(directory::check));
            String host = c.embedded().host();
            summary.add(
                    "bastion directory   ldap://"
                            + host
                            + ":"
                            + directory.ldapPort()
                            + "  ldaps://"
                            + host
                            + ":"
                            + directory.ldapsPort()
                            + "  root "
                            + root
                            + "  (admin "
                            + options.adminDn()
                            + ", password in "
                            + data.root().resolve("secrets").resolve(BASTION_ADMIN_SECRET)
                            + ")");
        } catch (LDAPException | IOException e) {
            throw new StartupException("bastion directory: " + e.getMessage(), e);
        } catch (DirectoryUnavailableException e) {
            throw new StartupException(e.getMessage(), e);
        }
    }

    private void startDemoProduction(BastionConfig.Production c) throws StartupException {
        try (InputStream ldif = Fixtures.open(Fixtures.DEMO_AD_FOREST)) {
            EmbeddedDemoProductionDirectory demo =
                    EmbeddedDemoProductionDirectory.start(
                            new DN(Fixtures.DEMO_ROOT), c.demo().host(), c.demo().port(), ldif);
            started.push(new Component("demo production directory", demo));
            productionPort = demo.port();
            LDAPConnectionPool pool =
                    new LDAPConnectionPool(
                            new SingleServerSet(c.demo().host(), demo.port()),
                            new SimpleBindRequest(
                                    Fixtures.DEMO_SYNC_ACCOUNT_DN,
                                    Fixtures.DEMO_SYNC_ACCOUNT_PASSWORD),
                            1,
                            8);
            started.push(new Component("demo production connections", pool::close));
            productionLdap = pool;
            productionBases = List.of(new DN(Fixtures.DEMO_ROOT));
            // the in-memory directory has no in-chain matching rule
            nesting = ProductionDirectoryFacts.Nesting.EXPAND;
            health.register(
                    "productionDirectory",
                    () ->
                            check(
                                    () ->
                                            demo.check(
                                                    Fixtures.DEMO_SYNC_ACCOUNT_DN,
                                                    Fixtures.DEMO_SYNC_ACCOUNT_PASSWORD)));
            summary.add(
                    "production (demo)   ldap://"
                            + c.demo().host()
                            + ":"
                            + demo.port()
                            + "  root "
                            + Fixtures.DEMO_ROOT
                            + "  (read-only demo data: see test-ldif/README.md)");
        } catch (LDAPException | IOException e) {
            throw new StartupException("demo production directory: " + e.getMessage(), e);
        } catch (DirectoryUnavailableException e) {
            throw new StartupException(e.getMessage(), e);
        }
    }

    /** A directory's own probe. */
    private interface Probe {
        String check() throws DirectoryUnavailableException;
    }

    private static ComponentHealth check(Probe probe) {
        try {
            return ComponentHealth.up(probe.check());
        } catch (DirectoryUnavailableException e) {
            return ComponentHealth.down(e.getMessage());
        }
    }

    private LdapEndpoint external(
            String which, List<String> urls, String bindDn, Secret password, String caFile)
            throws StartupException {
        try {
            List<LDAPURL> parsed = new ArrayList<>();
            for (String url : urls) {
                parsed.add(new LDAPURL(url));
            }
            return LdapEndpoint.open(
                    new LdapEndpointOptions(
                            parsed,
                            new DN(bindDn),
                            password.chars(),
                            caFile.isEmpty() ? Optional.empty() : Optional.of(Path.of(caFile)),
                            Duration.ofSeconds(5),
                            Duration.ofSeconds(30),
                            8));
        } catch (LDAPException e) {
            throw new StartupException(which + " directory: invalid URL or DN", e);
        } catch (DirectoryUnavailableException e) {
            throw new StartupException(which + " directory: " + e.getMessage(), e);
        }
    }

    /**
     * The core and the scheduler: the scheduler's start sweeps (ends every overdue grant, applies
     * pending directory changes, reconciles) before it returns, so the service is never healthy
     * with an overdue grant.
     */
    private void startCore() throws StartupException {
        try {
            String keyFile = config.security().masterKeyFile();
            masterKey =
                    MasterKey.load(
                            keyFile.isEmpty() ? Optional.empty() : Optional.of(Path.of(keyFile)),
                            data);
        } catch (IOException e) {
            throw new StartupException("security: " + e.getMessage(), e);
        }
        AuditLog audit = new AuditLog(database);
        // closed after the KDC and the scheduler, before the database: writes buffered events
        started.push(new Component("audit buffer", audit::close));
        ProductionDirectoryFacts facts =
                new ProductionDirectoryFacts(productionLdap, productionBases, nesting);
        Administrators administrators =
                new Administrators(Set.of(), Set.of(adminGroupSid(config.admin().group())));
        SecretKey mfaKey = masterKey.derive("mfa-totp");
        TotpService totp =
                new TotpService(
                        database, audit, () -> mfaKey, clock, TotpService.Options.defaults());
        LdapBastionDirectory writer =
                new LdapBastionDirectory(
                        bastionLdap, bastionAccounts, bastionShadowContainer, bastionMode, clock);
        MembershipDispatcher dispatcher =
                new MembershipDispatcher(
                        database, writer, audit, clock, MembershipDispatcher.Options.defaults());
        MembershipReconciler reconciler = new MembershipReconciler(database, writer, audit, clock);
        BastionConfig.Scheduler s = config.scheduler();
        GrantScheduler.Options options =
                new GrantScheduler.Options(
                        s.threads(),
                        s.misfireThreshold(),
                        s.cluster().enabled(),
                        s.cluster().checkinInterval(),
                        s.cluster().instanceId().isEmpty()
                                ? GrantScheduler.Options.defaultInstanceId()
                                : s.cluster().instanceId(),
                        s.dispatchInterval(),
                        s.sweepInterval(),
                        s.reconcileInterval(),
                        config.sync().interval());
        try {
            AtomicReference<SyncEngine> syncEngine = new AtomicReference<>();
            SyncRunner runner =
                    () -> {
                        SyncEngine engine = syncEngine.get();
                        if (engine != null) {
                            try {
                                engine.run();
                            } catch (ConflictException running) {
                                LOG.info("sync.skipped: a run is in progress");
                            }
                        }
                    };
            GrantScheduler scheduler =
                    new GrantScheduler(database, dispatcher, reconciler, runner, clock, options);
            started.push(new Component("scheduler", scheduler));
            ShadowGroupService groups =
                    new ShadowGroupService(database, audit, facts, administrators, clock);
            RequestService requests =
                    new RequestService(
                            database, audit, facts, totp, administrators, clock, scheduler);
            scheduler.bind(requests);
            sync =
                    new SyncEngine(
                            syncOptions(),
                            productionLdap,
                            new BastionTarget(
                                    bastionLdap,
                                    bastionAccounts,
                                    bastionShadowContainer,
                                    bastionPageSize),
                            database,
                            audit,
                            ManagedGroups.of(groups),
                            requests::retireAccount,
                            clock);
            syncEngine.set(sync);
            scheduler.notifyWith(
                    new NotificationRelay(database, audit, new LogNotifier()),
                    s.endingSoon().isZero() ? Optional.empty() : Optional.of(s.endingSoon()),
                    s.notifyInterval());
            scheduler.start();
            scheduler.syncSoon(); // bastion accounts and shadow principals before the first grant
            health.register("scheduler", () -> toComponentHealth(scheduler.status().health()));
            core =
                    new BastionCore(
                            database,
                            audit,
                            facts,
                            administrators,
                            groups,
                            requests,
                            totp,
                            scheduler,
                            clock);
            summary.add(
                    "scheduler           "
                            + (options.clustered()
                                    ? "clustered, instance " + options.instanceId()
                                    : "single node")
                            + ", "
                            + options.threadCount()
                            + " threads");
        } catch (StorageException e) {
            throw new StartupException("scheduler: " + e.getMessage(), e);
        }
    }

    /**
     * The bastion KDC, when {@code kdc.enabled}: keys encrypted with a key derived from the master
     * key.
     */
    private void startKdc() throws StartupException {
        BastionConfig.Kdc c = config.kdc();
        if (!c.enabled()) {
            summary.add("KDC                 off (kdc.enabled: false)");
            return;
        }
        List<Enctype> enctypes = new ArrayList<>();
        for (String e : c.enctypes()) {
            enctypes.add(
                    switch (e) {
                        case "aes256-cts-hmac-sha1-96" -> Enctype.AES256_CTS_HMAC_SHA1_96;
                        case "aes128-cts-hmac-sha1-96" -> Enctype.AES128_CTS_HMAC_SHA1_96;
                        default -> Enctype.RC4_HMAC;
                    });
        }
        BastionKdc.Options options =
                new BastionKdc.Options(
                        c.realm(),
                        c.host(),
                        c.tcpPort(),
                        c.udpPort(),
                        c.maxTicketLifetime(),
                        c.maxRenewableLifetime(),
                        c.minTicketLifetime(),
                        c.clockSkew(),
                        enctypes,
                        c.renewal().requireGrant(),
                        c.identityCacheTtl(),
                        c.udpMaxResponse(),
                        c.maxRequestSize(),
                        c.workerThreads(),
                        c.maxTcpConnections(),
                        c.tcpIdleTimeout(),
                        TicketAudit.parse(c.ticketAudit()));
        byte[] key = masterKey.derive("kerberos-keys").getEncoded();
        try {
            if (options.ticketAudit() == TicketAudit.JOURNAL) {
                Path dir = data.directory("audit-journal");
                journal =
                        AuditJournal.open(
                                dir,
                                core.audit(),
                                clock,
                                new AuditJournal.Settings(
                                        AuditJournal.Settings.defaults().segmentBytes(),
                                        c.ticketJournal().retention(),
                                        c.ticketJournal().checkpointInterval(),
                                        c.ticketJournal().sync().equals("each-write")));
                started.push(new Component("audit journal", journal::close));
                summary.add(
                        "Ticket audit        journal "
                                + journal.id()
                                + " ("
                                + c.ticketJournal().sync()
                                + ")"
                                + " in "
                                + dir
                                + " (at "
                                + journal.head().seq()
                                + ")");
            }
            kdc =
                    new BastionKdc(
                            options,
                            database,
                            core.audit(),
                            journal,
                            new BastionDirectoryAccounts(bastionLdap, bastionAccounts),
                            core.requests()::effectiveWindow,
                            new PacAuthorizationData(c.realm()),
                            clock,
                            key);
            kdc.start();
            started.push(new Component("KDC", kdc::close));
            health.register("kdc", () -> toComponentHealth(kdc.check()));
            summary.add(
                    "KDC                 "
                            + c.realm()
                            + " on "
                            + c.host()
                            + " tcp "
                            + kdc.tcpPort()
                            + " udp "
                            + kdc.udpPort());
        } catch (StorageException | IOException e) {
            throw new StartupException("kdc: " + e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            throw new StartupException(e.getMessage(), e);
        } finally {
            java.util.Arrays.fill(key, (byte) 0);
        }
    }

    /** The sync's options from {@code sync.*} and the production directory's kind. */
    private SyncOptions syncOptions() throws StartupException {
        BastionConfig.Sync c = config.sync();
        ProductionKind kind = config.production().kind();
        SourceKind source =
                switch (c.source()) {
                    case AD_DIRSYNC -> SourceKind.AD_DIRSYNC;
                    case AD_USN -> SourceKind.AD_USN;
                    case GENERIC -> SourceKind.GENERIC;
                    // the demo directory (UnboundID in-memory) has no DirSync control
                    case AUTO ->
                            kind == ProductionKind.AD
                                    ? SourceKind.AD_DIRSYNC
                                    : kind == ProductionKind.DEMO
                                            ? SourceKind.AD_USN
                                            : SourceKind.GENERIC;
                };
        try {
            SyncOptions o =
                    source == SourceKind.GENERIC
                            ? SyncOptions.generic(productionBases.get(0))
                            : SyncOptions.activeDirectory(source, productionBases.get(0));
            o = o.withUserBases(productionBases).withGroupBases(productionBases);
            if (!c.userFilter().isEmpty()) {
                o = o.withUserFilter(com.unboundid.ldap.sdk.Filter.create(c.userFilter()));
            }
            List<DN> scope = new ArrayList<>();
            for (String g : c.scopeGroups()) {
                scope.add(new DN(g));
            }
            Set<Sid> managed = new java.util.TreeSet<>();
            for (String sid : c.managedGroups()) {
                managed.add(Sid.parse(sid));
            }
            return o.withPaging(c.pageSize(), c.batchSize())
                    .withMassDeleteShare(c.massDeleteShare())
                    .withFullSyncInterval(c.fullInterval())
                    .withDirSyncObjectSecurity(c.dirsyncObjectSecurity())
                    .withContentSync(c.contentSync())
                    .withScopeGroups(scope)
                    .withManagedGroups(managed);
        } catch (LDAPException | IllegalArgumentException e) {
            throw new StartupException("sync: " + e.getMessage(), e);
        }
    }

    /** The administrators' production group's SID, read from the production directory. */
    private Sid adminGroupSid(String groupDn) throws StartupException {
        try {
            SearchResultEntry entry = productionLdap.getEntry(groupDn, "objectSid");
            if (entry == null || !entry.hasAttribute("objectSid")) {
                throw new StartupException(
                        "admin.group: "
                                + groupDn
                                + " was not found in the production directory or has no objectSid");
            }
            return Sid.fromBytes(entry.getAttributeValueBytes("objectSid"));
        } catch (LDAPException e) {
            throw new StartupException(
                    "admin.group: cannot read " + groupDn + ": " + e.getResultCode(), e);
        } catch (IllegalArgumentException e) {
            throw new StartupException("admin.group: " + groupDn + " has an invalid objectSid", e);
        }
    }

    private static DN shadowPrincipalContainer(DN root) {
        List<RDN> rdns = new ArrayList<>();
        rdns.add(new RDN("CN", "Shadow Principal Configuration"));
        rdns.add(new RDN("CN", "Services"));
        rdns.add(new RDN("CN", "Configuration"));
        rdns.addAll(List.of(root.getRDNs()));
        return new DN(rdns);
    }

    private void startHttp() throws StartupException {
        VersionResource.VersionInfo version =
                new VersionResource.VersionInfo(
                        "Bastion Forest",
                        productVersion(),
                        installation.id().toString(),
                        schemaVersion(),
                        System.getProperty("java.version"));
        PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new JvmMemoryMetrics().bindTo(metrics);
        new JvmThreadMetrics().bindTo(metrics);
        new ProcessorMetrics().bindTo(metrics);
        new UptimeMetrics().bindTo(metrics);
        JvmGcMetrics gc = new JvmGcMetrics();
        gc.bindTo(metrics);
        started.push(new Component("GC metrics", gc));
        io.micrometer.core.instrument.Gauge.builder(
                        "bastion.directory.backlog",
                        core.scheduler(),
                        s -> s.status().directoryBacklog().orElse(0))
                .description("bastion-directory changes waiting to be applied (retried)")
                .register(metrics);
        io.micrometer.core.instrument.Gauge.builder(
                        "bastion.audit.buffered", core.audit(), AuditLog::bufferedEvents)
                .description(
                        "audit events waiting to be written (kdc.ticket-audit: buffered); at"
                                + " 10,000 the KDC refuses tickets")
                .register(metrics);
        if (kdc != null) {
            for (String name : kdc.counters().keySet()) {
                io.micrometer.core.instrument.FunctionCounter.builder(
                                name, kdc, k -> k.counters().getOrDefault(name, 0L))
                        .description(
                                switch (name) {
                                    case "kerberos.tickets.issued" ->
                                            "tickets issued by the bastion KDC (AS, TGS,"
                                                    + " renewals)";
                                    case "kerberos.requests.refused" ->
                                            "requests the bastion KDC refused with a KRB-ERROR";
                                    default ->
                                            "groups of ticket audit events forced to the audit"
                                                    + " journal together (each-write)";
                                })
                        .register(metrics);
            }
        }
        ApiTokenService tokens =
                new ApiTokenService(
                        database, core.audit(), core.administrators(), core.facts(), clock);
        PasswordVerifier passwords =
                new LdapPasswordVerifier(
                        productionLdap,
                        productionBases,
                        config.production().kind() == ProductionKind.LDAP
                                ? LdapPasswordVerifier.Attributes.GENERIC
                                : LdapPasswordVerifier.Attributes.ACTIVE_DIRECTORY);
        if (!config.rest().basicAuthCache().isZero()) {
            passwords =
                    new CachingPasswordVerifier(passwords, config.rest().basicAuthCache(), clock);
        }
        Authenticator authenticator =
                new Authenticator(
                        passwords,
                        tokens,
                        spnego(),
                        new LoginThrottle(USER_FAILURES, Duration.ofMinutes(5), clock),
                        new LoginThrottle(CLIENT_FAILURES, Duration.ofMinutes(5), clock),
                        core.audit(),
                        clock);
        Services services =
                new Services()
                        .add(HealthRegistry.class, health)
                        .add(VersionResource.VersionInfo.class, version)
                        .add(BastionCore.class, core)
                        .add(
                                AuditResource.Journal.class,
                                new AuditResource.Journal(Optional.ofNullable(journal)))
                        .add(ApiTokenService.class, tokens)
                        .add(SyncEngine.class, sync)
                        .add(
                                PrincipalsResource.KdcAddress.class,
                                new PrincipalsResource.KdcAddress(config.kdc().host()))
                        .add(Authenticator.class, authenticator)
                        .add(PrometheusMeterRegistry.class, metrics)
                        .add(
                                OpenApiResource.Document.class,
                                new OpenApiResource.Document(KERBEROS_RESOURCES, productVersion()));
        List<Class<?>> resources = new ArrayList<>();
        resources.add(HealthResource.class);
        resources.add(VersionResource.class);
        resources.add(MetricsResource.class);
        resources.add(OpenApiResource.class);
        resources.add(SyncResource.class);
        if (kdc != null) {
            services.add(BastionKdc.class, kdc);
            resources.addAll(KERBEROS_RESOURCES);
        }
        resources.addAll(OpenApiResource.DESCRIBED);
        resources.add(AuthenticationFilter.class);
        resources.add(BodyLimitFilter.class);
        resources.add(ProblemMapper.class);
        resources.add(NegotiateResponse.class);
        List<Object> instances = List.of(new MetricsFilter(metrics));
        List<Class<?>> managementResources =
                List.of(
                        HealthResource.class,
                        VersionResource.class,
                        MetricsResource.class,
                        ProblemMapper.class);
        BastionConfig.Rest rest = config.rest();
        try {
            ResourceConfig api = HttpServers.application(resources, instances, services);
            boolean plain = rest.tls().mode() == TlsMode.NONE;
            HttpServer server =
                    HttpServers.start(
                            rest.host(), rest.port(), api, plain ? null : tls.sslContext());
            started.push(new Component("REST API", server::shutdownNow));
            restPort = HttpServers.port(server);
            summary.add(
                    "REST API            "
                            + (plain ? "http" : "https")
                            + "://"
                            + rest.host()
                            + ":"
                            + HttpServers.port(server));
            if (rest.management().enabled()) {
                HttpServer management =
                        HttpServers.start(
                                "127.0.0.1",
                                rest.management().port(),
                                HttpServers.application(managementResources, services),
                                null);
                started.push(new Component("management", management::shutdownNow));
                summary.add(
                        "management          http://127.0.0.1:"
                                + HttpServers.port(management)
                                + "  (/health, /version, /metrics)");
            }
        } catch (IOException | UncheckedIOException e) {
            throw new StartupException("HTTP: cannot listen: " + e.getMessage(), e);
        }
    }

    private Optional<SpnegoAcceptor> spnego() throws StartupException {
        BastionConfig.Spnego c = config.rest().spnego();
        if (!c.enabled()) {
            return Optional.empty();
        }
        Path keytab;
        if (!c.keytab().isEmpty()) {
            keytab = Path.of(c.keytab());
        } else {
            keytab = ownHttpKeytab(c.principal());
        }
        try {
            return Optional.of(GssSpnegoAcceptor.login(c.principal(), keytab));
        } catch (javax.security.auth.login.LoginException e) {
            throw new StartupException(
                    "rest.spnego: cannot log in as " + c.principal() + ": " + e.getMessage(), e);
        }
    }

    /**
     * The keytab of the service's own HTTP principal in its own KDC: registered on first start
     * (rotated never automatically), exported to {@code <data-dir>/kerberos/http.keytab} (0600).
     */
    private Path ownHttpKeytab(String principal) throws StartupException {
        int at = principal.lastIndexOf('@');
        String name = principal.substring(0, at);
        String realm = principal.substring(at + 1);
        if (kdc == null || !realm.equals(config.kdc().realm())) {
            throw new StartupException(
                    "rest.spnego.principal: without rest.spnego.keytab it must be in the service's"
                            + " own realm "
                            + config.kdc().realm()
                            + " with kdc.enabled: true");
        }
        UserId system = UserId.of("bastion-service");
        try {
            try {
                kdc.principals().registerService(name, system);
            } catch (ConflictException exists) {
                // registered at an earlier start: its keys are reused
            }
            Path file = data.directory("kerberos").resolve("http.keytab");
            byte[] bytes = kdc.principals().exportKeytab(name, system);
            Path tmp = Files.createTempFile(file.getParent(), "http", ".tmp");
            try {
                if (tmp.getFileSystem().supportedFileAttributeViews().contains("posix")) {
                    Files.setPosixFilePermissions(
                            tmp,
                            java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
                }
                Files.write(tmp, bytes);
                Files.move(
                        tmp,
                        file,
                        java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                        java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            } finally {
                java.util.Arrays.fill(bytes, (byte) 0);
                Files.deleteIfExists(tmp);
            }
            return file;
        } catch (BastionException | IOException e) {
            throw new StartupException(
                    "rest.spnego: cannot make " + principal + ": " + e.getMessage(), e);
        }
    }

    private String schemaVersion() {
        try {
            return database.schemaVersion();
        } catch (StorageException e) {
            return "unknown";
        }
    }

    private static ComponentHealth toComponentHealth(
            org.bastionforest.shadowgroups.storage.Health h) {
        return h.isUp() ? ComponentHealth.up(h.detail()) : ComponentHealth.down(h.detail());
    }

    /** The product version from the build. */
    public static String productVersion() {
        try (InputStream in =
                BastionService.class.getResourceAsStream(
                        "/org/bastionforest/api/version.properties")) {
            Properties p = new Properties();
            if (in != null) {
                p.load(in);
            }
            return p.getProperty("version", "unknown");
        } catch (IOException e) {
            return "unknown";
        }
    }

    /** The port the REST API listens on. */
    public int restPort() {
        return restPort;
    }

    /** The embedded bastion directory's LDAP port, or -1 when the bastion is external. */
    public int bastionLdapPort() {
        return bastionLdapPort;
    }

    /** The demo production directory's port, or -1 when production is not the demo. */
    public int productionPort() {
        return productionPort;
    }

    /** The core services, for the REST resources. */
    public BastionCore core() {
        return core;
    }

    /** The health of every component, now. */
    public HealthRegistry health() {
        return health;
    }

    /** What is running where: one line per component, for the console at start. */
    public String summary() {
        return "Bastion Forest "
                + productVersion()
                + " started (installation "
                + (installation == null ? "?" : installation.id())
                + ")\n  "
                + String.join("\n  ", summary);
    }

    /** Stops every started component in reverse order; safe to call more than once. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        while (!started.isEmpty()) {
            Component c = started.pop();
            try {
                c.closeable().close();
            } catch (Exception e) {
                LOG.warn("service.stop.failed: {}", c.name(), e);
            }
        }
        LOG.info("service.stopped");
    }
}
