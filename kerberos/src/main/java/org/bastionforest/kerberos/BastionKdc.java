package org.bastionforest.kerberos;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import org.bastionforest.shadowgroups.audit.AuditEvent;
import org.bastionforest.shadowgroups.audit.AuditJournal;
import org.bastionforest.shadowgroups.audit.AuditLog;
import org.bastionforest.shadowgroups.errors.BastionException;
import org.bastionforest.shadowgroups.errors.StorageException;
import org.bastionforest.shadowgroups.storage.Database;
import org.bastionforest.shadowgroups.storage.Health;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bastion KDC: serves the bastion realm over TCP and UDP for bastion accounts and registered
 * service principals. Tickets never outlive the client's grants (invariant 1): the AS and TGS
 * exchanges and renewals cap end time and renew-till at the earliest end of the grants active at
 * that moment. Pre-authentication (PA-ENC-TIMESTAMP) is required of every client; every issued
 * ticket is audited.
 *
 * <pre>{@code
 * BastionKdc kdc = new BastionKdc(BastionKdc.Options.defaults("BASTION.EXAMPLE"), db, audit,
 *         accounts, requestService::effectiveWindow, AuthorizationDataProvider.none(),
 *         Clock.systemUTC(), MasterKey.loadOrCreate(dataDir.resolve("kdc-master.key")));
 * kdc.start();
 * kdc.principals().setPassword(UserId.of("alice"), password);
 * String snippet = kdc.krb5Conf("kdc.example.com");
 * kdc.close();
 * }</pre>
 *
 * <p>Thread-safe. Each instance has its own options, caches and threads: several KDCs can run in
 * one JVM.
 */
public final class BastionKdc implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(BastionKdc.class);

    /**
     * The KDC's settings, validated when built. Immutable.
     *
     * @param realm the bastion realm, upper case (kdc.realm)
     * @param host the address to listen on (kdc.host, 127.0.0.1)
     * @param tcpPort TCP port, 0 for any free port, -1 for no TCP (kdc.tcp-port, 10088)
     * @param udpPort UDP port, 0 for any free port, -1 for no UDP (kdc.udp-port, 10088)
     * @param maxTicketLifetime longest ticket life (kdc.max-ticket-lifetime, 10 h)
     * @param maxRenewableLifetime longest renewable life (kdc.max-renewable-lifetime, 7 d)
     * @param minTicketLifetime shortest ticket issued (kdc.min-ticket-lifetime, 5 s)
     * @param clockSkew allowed clock difference (kdc.clock-skew, 5 min)
     * @param enctypes enabled enctypes, strongest first (kdc.enctypes, AES256 and AES128)
     * @param requirePrivilegedOnlyRenewal refuse renewal to a user without grants
     *     (kdc.renewal.require-grant, true)
     * @param identityCacheTtl how long principals and accounts are cached (kdc.identity-cache-ttl,
     *     30 s)
     * @param udpMaxResponse largest UDP answer; larger gets RESPONSE_TOO_BIG (kdc.udp-max-response,
     *     1465)
     * @param maxRequestSize largest request accepted over TCP (kdc.max-request-size, 65536)
     * @param workerThreads threads answering requests (kdc.worker-threads, 4)
     * @param maxTcpConnections concurrent TCP connections (kdc.max-tcp-connections, 256)
     * @param tcpIdleTimeout a TCP connection without a complete request answered this long after it
     *     opened or after its last answer is closed, however slowly bytes arrive
     *     (kdc.tcp-idle-timeout, 30 s)
     * @param ticketAudit when a ticket's audit event is written (kdc.ticket-audit, durable)
     */
    public record Options(
            String realm,
            String host,
            int tcpPort,
            int udpPort,
            Duration maxTicketLifetime,
            Duration maxRenewableLifetime,
            Duration minTicketLifetime,
            Duration clockSkew,
            List<Enctype> enctypes,
            boolean requirePrivilegedOnlyRenewal,
            Duration identityCacheTtl,
            int udpMaxResponse,
            int maxRequestSize,
            int workerThreads,
            int maxTcpConnections,
            Duration tcpIdleTimeout,
            TicketAudit ticketAudit) {
        private static final Pattern REALM = Pattern.compile("[A-Z0-9][A-Z0-9.-]{0,254}");

        /**
         * Validates every setting.
         *
         * @throws IllegalArgumentException naming the bad key
         */
        public Options {
            if (realm == null || !REALM.matcher(realm).matches()) {
                throw new IllegalArgumentException(
                        "kdc.realm must be upper-case letters, digits, '.' and '-'");
            }
            if (host == null || host.isBlank()) {
                throw new IllegalArgumentException("kdc.host must be set");
            }
            port("kdc.tcp-port", tcpPort);
            port("kdc.udp-port", udpPort);
            if (tcpPort < 0 && udpPort < 0) {
                throw new IllegalArgumentException("kdc.tcp-port or kdc.udp-port needed");
            }
            positive("kdc.max-ticket-lifetime", maxTicketLifetime);
            positive("kdc.max-renewable-lifetime", maxRenewableLifetime);
            positive("kdc.min-ticket-lifetime", minTicketLifetime);
            positive("kdc.clock-skew", clockSkew);
            positive("kdc.identity-cache-ttl", identityCacheTtl);
            positive("kdc.tcp-idle-timeout", tcpIdleTimeout);
            if (minTicketLifetime.compareTo(maxTicketLifetime) > 0) {
                throw new IllegalArgumentException(
                        "kdc.min-ticket-lifetime exceeds kdc.max-ticket-lifetime");
            }
            if (clockSkew.compareTo(Duration.ofHours(1)) > 0) {
                throw new IllegalArgumentException("kdc.clock-skew must be at most 1 h");
            }
            if (enctypes == null || enctypes.isEmpty()) {
                throw new IllegalArgumentException("kdc.enctypes must name at least one");
            }
            enctypes = enctypes.stream().distinct().sorted().toList();
            if (udpMaxResponse < 512 || udpMaxResponse > 65_507) {
                throw new IllegalArgumentException("kdc.udp-max-response must be 512 to 65507");
            }
            if (maxRequestSize < 1024 || maxRequestSize > 1 << 20) {
                throw new IllegalArgumentException("kdc.max-request-size must be 1 KiB to 1 MiB");
            }
            if (workerThreads < 1 || workerThreads > 256) {
                throw new IllegalArgumentException("kdc.worker-threads must be 1 to 256");
            }
            if (maxTcpConnections < 1) {
                throw new IllegalArgumentException("kdc.max-tcp-connections must be >= 1");
            }
            if (ticketAudit == null) {
                throw new IllegalArgumentException(
                        "kdc.ticket-audit must be durable, journal or buffered");
            }
        }

        /**
         * The defaults for {@code realm}, as in the service's embedded configuration: port 10088
         * (TCP and UDP) on 127.0.0.1, AES only.
         */
        public static Options defaults(String realm) {
            return new Options(
                    realm,
                    "127.0.0.1",
                    10088,
                    10088,
                    Duration.ofHours(10),
                    Duration.ofDays(7),
                    Duration.ofSeconds(5),
                    Duration.ofMinutes(5),
                    List.of(Enctype.AES256_CTS_HMAC_SHA1_96, Enctype.AES128_CTS_HMAC_SHA1_96),
                    true,
                    Duration.ofSeconds(30),
                    1465,
                    65_536,
                    4,
                    256,
                    Duration.ofSeconds(30),
                    TicketAudit.DURABLE);
        }

        /** A copy listening on {@code host}, {@code tcp} and {@code udp}. */
        public Options withAddress(String host, int tcp, int udp) {
            return new Options(
                    realm,
                    host,
                    tcp,
                    udp,
                    maxTicketLifetime,
                    maxRenewableLifetime,
                    minTicketLifetime,
                    clockSkew,
                    enctypes,
                    requirePrivilegedOnlyRenewal,
                    identityCacheTtl,
                    udpMaxResponse,
                    maxRequestSize,
                    workerThreads,
                    maxTcpConnections,
                    tcpIdleTimeout,
                    ticketAudit);
        }

        /** A copy with other enctypes. */
        public Options withEnctypes(List<Enctype> types) {
            return new Options(
                    realm,
                    host,
                    tcpPort,
                    udpPort,
                    maxTicketLifetime,
                    maxRenewableLifetime,
                    minTicketLifetime,
                    clockSkew,
                    types,
                    requirePrivilegedOnlyRenewal,
                    identityCacheTtl,
                    udpMaxResponse,
                    maxRequestSize,
                    workerThreads,
                    maxTcpConnections,
                    tcpIdleTimeout,
                    ticketAudit);
        }

        /** A copy with another largest UDP answer. */
        public Options withUdpMaxResponse(int bytes) {
            return new Options(
                    realm,
                    host,
                    tcpPort,
                    udpPort,
                    maxTicketLifetime,
                    maxRenewableLifetime,
                    minTicketLifetime,
                    clockSkew,
                    enctypes,
                    requirePrivilegedOnlyRenewal,
                    identityCacheTtl,
                    bytes,
                    maxRequestSize,
                    workerThreads,
                    maxTcpConnections,
                    tcpIdleTimeout,
                    ticketAudit);
        }

        /** A copy with other lifetimes. */
        public Options withLifetimes(Duration maxTicket, Duration maxRenewable) {
            return new Options(
                    realm,
                    host,
                    tcpPort,
                    udpPort,
                    maxTicket,
                    maxRenewable,
                    minTicketLifetime,
                    clockSkew,
                    enctypes,
                    requirePrivilegedOnlyRenewal,
                    identityCacheTtl,
                    udpMaxResponse,
                    maxRequestSize,
                    workerThreads,
                    maxTcpConnections,
                    tcpIdleTimeout,
                    ticketAudit);
        }

        /** A copy with another renewal policy. */
        public Options withPrivilegedOnlyRenewal(boolean required) {
            return new Options(
                    realm,
                    host,
                    tcpPort,
                    udpPort,
                    maxTicketLifetime,
                    maxRenewableLifetime,
                    minTicketLifetime,
                    clockSkew,
                    enctypes,
                    required,
                    identityCacheTtl,
                    udpMaxResponse,
                    maxRequestSize,
                    workerThreads,
                    maxTcpConnections,
                    tcpIdleTimeout,
                    ticketAudit);
        }

        /** A copy closing TCP connections that deliver no complete request within {@code t}. */
        public Options withTcpIdleTimeout(Duration t) {
            return new Options(
                    realm,
                    host,
                    tcpPort,
                    udpPort,
                    maxTicketLifetime,
                    maxRenewableLifetime,
                    minTicketLifetime,
                    clockSkew,
                    enctypes,
                    requirePrivilegedOnlyRenewal,
                    identityCacheTtl,
                    udpMaxResponse,
                    maxRequestSize,
                    workerThreads,
                    maxTcpConnections,
                    t,
                    ticketAudit);
        }

        /** A copy writing ticket audit events as {@code mode} says. */
        public Options withTicketAudit(TicketAudit mode) {
            return new Options(
                    realm,
                    host,
                    tcpPort,
                    udpPort,
                    maxTicketLifetime,
                    maxRenewableLifetime,
                    minTicketLifetime,
                    clockSkew,
                    enctypes,
                    requirePrivilegedOnlyRenewal,
                    identityCacheTtl,
                    udpMaxResponse,
                    maxRequestSize,
                    workerThreads,
                    maxTcpConnections,
                    tcpIdleTimeout,
                    mode);
        }

        private static void port(String key, int port) {
            if (port < -1 || port > 65_535) {
                throw new IllegalArgumentException(key + " must be -1 (off), 0 (any) or 1-65535");
            }
        }

        private static void positive(String key, Duration d) {
            if (d == null || d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(key + " must be a positive duration");
            }
        }
    }

    private final Options options;
    private final PrincipalStore store;
    private final PrincipalService principals;
    private final KdcHandler handler;
    private final TicketEvents ticketEvents;

    /** With the journal forced on each write: where the committer keeps groups; else null. */
    private final TicketCommitter.Sink groups;

    private volatile KdcNetwork network;
    private volatile TicketCommitter committer;
    private volatile boolean stopped;
    private final java.util.concurrent.atomic.AtomicLong auditGroups =
            new java.util.concurrent.atomic.AtomicLong();

    /** Where issued tickets' audit events go ({@code kdc.ticket-audit}). */
    @FunctionalInterface
    private interface TicketEvents {
        /**
         * Records {@code event}; returns once it is kept as the mode promises.
         *
         * @throws StorageException if it cannot be: the ticket is then refused
         */
        void record(AuditEvent event) throws StorageException;
    }

    /**
     * Wires the KDC with ticket audit {@code durable} or {@code buffered}; does not listen yet
     * ({@link #start()}).
     *
     * @param masterKey 32 bytes (AES-256) that encrypt the keys at rest; copied
     * @throws IllegalArgumentException if the options ask for the journal
     */
    public BastionKdc(
            Options options,
            Database db,
            AuditLog audit,
            AccountSource accounts,
            GrantWindows grants,
            AuthorizationDataProvider authorizationData,
            Clock clock,
            byte[] masterKey) {
        this(options, db, audit, null, accounts, grants, authorizationData, clock, masterKey);
    }

    /**
     * Wires the KDC; does not listen yet ({@link #start()}).
     *
     * @param journal where ticket events go with {@code kdc.ticket-audit: journal} (its owner opens
     *     and closes it); may be null with the other modes
     * @param masterKey 32 bytes (AES-256) that encrypt the keys at rest; copied
     * @throws IllegalArgumentException if the options ask for the journal and there is none
     */
    public BastionKdc(
            Options options,
            Database db,
            AuditLog audit,
            AuditJournal journal,
            AccountSource accounts,
            GrantWindows grants,
            AuthorizationDataProvider authorizationData,
            Clock clock,
            byte[] masterKey) {
        this.options = Objects.requireNonNull(options, "options");
        Objects.requireNonNull(db, "db");
        Objects.requireNonNull(audit, "audit");
        Objects.requireNonNull(accounts, "accounts");
        Objects.requireNonNull(grants, "grants");
        Objects.requireNonNull(authorizationData, "authorizationData");
        Objects.requireNonNull(clock, "clock");
        this.store =
                new PrincipalStore(db, new KeyCipher(masterKey), clock, options.identityCacheTtl());
        this.principals = new PrincipalService(options, db, audit, accounts, store, clock);
        this.handler =
                new KdcHandler(
                        options,
                        store,
                        new IdentityAccounts(accounts, clock, options.identityCacheTtl()),
                        grants,
                        authorizationData,
                        clock);
        this.ticketEvents = ticketEvents(options.ticketAudit(), audit, journal);
        // a force per ticket is the journal's cost: shared by the tickets computed meanwhile
        this.groups =
                options.ticketAudit() == TicketAudit.JOURNAL && journal.forcesEachWrite()
                        ? events -> {
                            journal.appendAll(events);
                            auditGroups.incrementAndGet();
                        }
                        : null;
    }

    private static TicketEvents ticketEvents(
            TicketAudit mode, AuditLog audit, AuditJournal journal) {
        return switch (mode) {
            // group-committed with other workers' tickets; durable on return
            case DURABLE -> audit::append;
            // on disk (or with the OS, every-second) on return
            case JOURNAL -> {
                if (journal == null) {
                    throw new IllegalArgumentException(
                            "kdc.ticket-audit journal needs the audit journal");
                }
                yield journal::append;
            }
            // written within 100 ms; refused when the buffer is full
            case BUFFERED -> audit::appendBuffered;
        };
    }

    /**
     * Answers {@code request}: {@code send} gets the answer once a ticket's event is kept, or the
     * refusal if it cannot be — on this thread, or on the committer's once the event's group is on
     * disk.
     */
    private void respond(byte[] request, Consumer<byte[]> send) {
        KdcHandler.Answer answer = handler.answer(request);
        if (answer.issue() == null) {
            send.accept(answer.reply());
            return;
        }
        TicketCommitter c = committer;
        if (c == null) {
            byte[] reply;
            if (groups != null && stopped) {
                // workers that outlived close(): no write of their own into the journal
                reply = handler.unaudited(answer, new StorageException("the KDC is stopping"));
            } else {
                try {
                    ticketEvents.record(answer.issue().event());
                    reply = handler.issued(answer);
                } catch (BastionException | RuntimeException e) {
                    reply = handler.unaudited(answer, e);
                }
            }
            send.accept(reply);
            return;
        }
        c.submit(
                answer.issue().event(),
                failure ->
                        send.accept(
                                failure == null
                                        ? handler.issued(answer)
                                        : handler.unaudited(answer, failure)));
    }

    /**
     * Creates krbtgt if missing and starts listening.
     *
     * @throws StorageException if the database failed
     * @throws IOException if a port cannot be bound
     */
    public synchronized void start() throws StorageException, IOException {
        if (network != null) {
            throw new IllegalStateException("the KDC is started already");
        }
        stopped = false;
        principals.ensureKrbtgt();
        if (groups != null) {
            committer =
                    new TicketCommitter(
                            groups,
                            () -> {
                                KdcNetwork n = network;
                                return n == null ? 0 : n.answering();
                            },
                            "kdc-" + options.realm() + "-ticket-audit");
        }
        try {
            network =
                    new KdcNetwork(
                            options,
                            this::respond,
                            request -> handler.tooBig(),
                            () -> {
                                TicketCommitter c = committer;
                                if (c != null) {
                                    c.wake();
                                }
                            });
        } catch (IOException | RuntimeException e) {
            closeCommitter();
            throw e;
        }
        LOG.info(
                "kerberos.started: realm {} on {} tcp {} udp {}",
                options.realm(),
                options.host(),
                network.tcpPort(),
                network.udpPort());
    }

    /** The principals and keys of the realm. */
    public PrincipalService principals() {
        return principals;
    }

    /** The options this KDC runs with. */
    public Options options() {
        return options;
    }

    /** The TCP port listened on (after {@link #start()}), -1 if none. */
    public int tcpPort() {
        KdcNetwork n = network;
        return n == null ? -1 : n.tcpPort();
    }

    /** The UDP port listened on (after {@link #start()}), -1 if none. */
    public int udpPort() {
        KdcNetwork n = network;
        return n == null ? -1 : n.udpPort();
    }

    /** Up when listening. Never throws. */
    public Health check() {
        KdcNetwork n = network;
        TicketCommitter c = committer;
        return n != null && n.isRunning() && (c == null || c.isRunning())
                ? Health.up("KDC for " + options.realm() + " listening")
                : Health.down("KDC not running");
    }

    /**
     * Counters since start: tickets issued, requests refused, and groups of ticket events forced to
     * the audit journal together (with {@code kdc.ticket-journal.sync: each-write}; else 0).
     */
    public Map<String, Long> counters() {
        return Map.of(
                "kerberos.tickets.issued", handler.issued.get(),
                "kerberos.requests.refused", handler.refused.get(),
                "kerberos.ticket-audit.groups", auditGroups.get());
    }

    /**
     * A {@code krb5.conf} snippet for clients of the realm, naming {@code kdcHost} (the address
     * clients reach this KDC at) and the ports this KDC listens on.
     */
    public String krb5Conf(String kdcHost) {
        return Krb5Conf.snippet(options, kdcHost, tcpPort(), udpPort());
    }

    /** Answers one encoded request as the network layer would (for tests and tools). */
    byte[] handle(byte[] request) {
        CompletableFuture<byte[]> reply = new CompletableFuture<>();
        respond(request, reply::complete);
        return reply.join();
    }

    @Override
    public synchronized void close() {
        if (network != null) {
            stopped = true;
            network.close(); // its workers have handed over their last events
            network = null;
            closeCommitter(); // keeps those and sends their answers (or fails to: closed)
            LOG.info("kerberos.stopped: realm {}", options.realm());
        }
    }

    private void closeCommitter() {
        TicketCommitter c = committer;
        if (c != null) {
            c.close();
            committer = null;
        }
    }
}
