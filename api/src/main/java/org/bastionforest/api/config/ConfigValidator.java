package org.bastionforest.api.config;

import com.unboundid.ldap.sdk.DN;
import com.unboundid.ldap.sdk.LDAPException;
import com.unboundid.ldap.sdk.LDAPURL;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.bastionforest.api.config.BastionConfig.Bastion;
import org.bastionforest.api.config.BastionConfig.BastionKind;
import org.bastionforest.api.config.BastionConfig.Cluster;
import org.bastionforest.api.config.BastionConfig.Database;
import org.bastionforest.api.config.BastionConfig.Production;
import org.bastionforest.api.config.BastionConfig.ProductionKind;
import org.bastionforest.api.config.BastionConfig.Rest;
import org.bastionforest.api.config.BastionConfig.Scheduler;
import org.bastionforest.api.config.BastionConfig.Security;
import org.bastionforest.api.config.BastionConfig.Tls;

/**
 * Checks a bound configuration and resolves what it refers to (password files, relative paths). The
 * first problem found is reported as a {@link ConfigException} naming its key. Stateless.
 */
final class ConfigValidator {
    private static final Pattern REALM = Pattern.compile("[A-Z0-9][A-Z0-9.-]{0,254}");

    private ConfigValidator() {}

    static BastionConfig validate(BastionConfig c) throws ConfigException {
        String dataDir = path("data-dir", c.dataDir(), false);
        Production production = production(c.production());
        Bastion bastion = bastion(c.bastion());
        Database database = database(c.database());
        Security security = security(c.security());
        scheduler(c.scheduler(), database, security);
        sync(c.sync(), production);
        kdc(c.kdc());
        Rest rest = rest(c.rest());
        dn("admin.group", c.admin().group(), true);
        BastionConfig resolved =
                new BastionConfig(
                        dataDir,
                        production,
                        bastion,
                        database,
                        security,
                        c.scheduler(),
                        c.sync(),
                        c.kdc(),
                        rest,
                        c.admin());
        distinctPorts(resolved);
        return resolved;
    }

    private static Production production(Production p) throws ConfigException {
        host("production.demo.host", p.demo().host());
        port("production.demo.port", p.demo().port());
        caFile("production.ca-file", p.caFile());
        if (p.kind() == ProductionKind.DEMO) {
            return p;
        }
        if (p.urls().isEmpty()) {
            throw new ConfigException(
                    "production.urls",
                    "at least one ldap:// or ldaps:// URL is required for kind "
                            + kindName(p.kind()));
        }
        for (int i = 0; i < p.urls().size(); i++) {
            ldapUrl("production.urls[" + i + "]", p.urls().get(i));
        }
        dn("production.bind-dn", p.bindDn(), true);
        Secret password =
                secret(
                        "production.bind-password",
                        p.bindPassword(),
                        "production.bind-password-file",
                        p.bindPasswordFile());
        if (p.baseDns().isEmpty()) {
            throw new ConfigException("production.base-dns", "at least one base DN is required");
        }
        for (int i = 0; i < p.baseDns().size(); i++) {
            dn("production.base-dns[" + i + "]", p.baseDns().get(i), true);
        }
        return new Production(
                p.kind(), p.urls(), p.bindDn(), password, "", p.baseDns(), p.caFile(), p.demo());
    }

    private static Bastion bastion(Bastion b) throws ConfigException {
        dn("bastion.root-dn", b.rootDn(), true);
        caFile("bastion.ca-file", b.caFile());
        host("bastion.embedded.host", b.embedded().host());
        loopback("bastion.embedded.host", b.embedded().host());
        port("bastion.embedded.ldap-port", b.embedded().ldapPort());
        port("bastion.embedded.ldaps-port", b.embedded().ldapsPort());
        if (b.kind() == BastionKind.EMBEDDED) {
            return b;
        }
        if (b.url().isEmpty()) {
            throw new ConfigException("bastion.url", "is required for kind " + kindName(b.kind()));
        }
        ldapUrl("bastion.url", b.url());
        dn("bastion.bind-dn", b.bindDn(), true);
        Secret password =
                secret(
                        "bastion.bind-password",
                        b.bindPassword(),
                        "bastion.bind-password-file",
                        b.bindPasswordFile());
        return new Bastion(
                b.kind(), b.rootDn(), b.url(), b.bindDn(), password, "", b.caFile(), b.embedded());
    }

    private static Database database(Database d) throws ConfigException {
        if (d.maxPoolSize() < 1 || d.maxPoolSize() > 100) {
            throw new ConfigException(
                    "database.max-pool-size",
                    "must be between 1 and 100 (was " + d.maxPoolSize() + ")");
        }
        if (d.embedded()) {
            if (!d.username().isEmpty() || !d.password().isEmpty() || !d.passwordFile().isEmpty()) {
                throw new ConfigException(
                        "database.username",
                        "is only used with database.url (the embedded database has no login)");
            }
            return d;
        }
        if (!d.url().startsWith("jdbc:postgresql://") && !d.url().startsWith("jdbc:hsqldb:")) {
            throw new ConfigException(
                    "database.url",
                    "must be a jdbc:postgresql://host:port/database or jdbc:hsqldb: URL, or empty for the embedded database");
        }
        if (d.url().contains("password=")) {
            throw new ConfigException(
                    "database.url", "must not contain the password: use database.password-file");
        }
        Secret password =
                d.passwordFile().isEmpty() && d.password().isEmpty()
                        ? Secret.empty()
                        : secret(
                                "database.password",
                                d.password(),
                                "database.password-file",
                                d.passwordFile());
        return new Database(d.url(), d.username(), password, "", d.maxPoolSize());
    }

    private static Security security(Security s) throws ConfigException {
        if (s.masterKeyFile().isEmpty()) {
            return s;
        }
        return new Security(path("security.master-key-file", s.masterKeyFile(), true));
    }

    private static void scheduler(Scheduler s, Database database, Security security)
            throws ConfigException {
        if (s.threads() < 1 || s.threads() > 100) {
            throw new ConfigException(
                    "scheduler.threads", "must be between 1 and 100 (was " + s.threads() + ")");
        }
        between(
                "scheduler.misfire-threshold",
                s.misfireThreshold(),
                Duration.ofSeconds(1),
                Duration.ofMinutes(10));
        between(
                "scheduler.dispatch-interval",
                s.dispatchInterval(),
                Duration.ofMillis(100),
                Duration.ofHours(1));
        between(
                "scheduler.sweep-interval",
                s.sweepInterval(),
                Duration.ofSeconds(1),
                Duration.ofHours(1));
        between(
                "scheduler.reconcile-interval",
                s.reconcileInterval(),
                Duration.ofSeconds(1),
                Duration.ofDays(1));
        between(
                "scheduler.notify-interval",
                s.notifyInterval(),
                Duration.ofMillis(100),
                Duration.ofHours(1));
        if (!s.endingSoon().isZero()) {
            between(
                    "scheduler.ending-soon",
                    s.endingSoon(),
                    Duration.ofSeconds(1),
                    Duration.ofDays(1));
        }
        Cluster cluster = s.cluster();
        between(
                "scheduler.cluster.checkin-interval",
                cluster.checkinInterval(),
                Duration.ofSeconds(1),
                Duration.ofMinutes(10));
        if (!cluster.instanceId().isEmpty()
                && !cluster.instanceId().matches("[A-Za-z0-9._-]{1,200}")) {
            throw new ConfigException(
                    "scheduler.cluster.instance-id",
                    "must be 1 to 200 letters, digits, '.', '_' or '-' (was '"
                            + cluster.instanceId()
                            + "')");
        }
        if (cluster.enabled()) {
            if (!database.url().startsWith("jdbc:postgresql:")) {
                throw new ConfigException(
                        "scheduler.cluster.enabled",
                        "cluster mode needs a shared PostgreSQL database (set database.url)");
            }
            if (security.masterKeyFile().isEmpty()) {
                throw new ConfigException(
                        "security.master-key-file",
                        "is required in cluster mode: every node must use the same master key");
            }
        }
    }

    private static void sync(BastionConfig.Sync s, Production production) throws ConfigException {
        between("sync.interval", s.interval(), Duration.ofSeconds(1), Duration.ofDays(1));
        between("sync.full-interval", s.fullInterval(), Duration.ofMinutes(1), Duration.ofDays(30));
        if (s.pageSize() < 1 || s.pageSize() > 10_000) {
            throw new ConfigException(
                    "sync.page-size", "must be between 1 and 10000 (was " + s.pageSize() + ")");
        }
        if (s.batchSize() < 1 || s.batchSize() > 10_000) {
            throw new ConfigException(
                    "sync.batch-size", "must be between 1 and 10000 (was " + s.batchSize() + ")");
        }
        if (!(s.massDeleteShare() > 0) || s.massDeleteShare() > 1) {
            throw new ConfigException(
                    "sync.mass-delete-share",
                    "must be above 0 and at most 1 (was " + s.massDeleteShare() + ")");
        }
        if (!s.userFilter().isEmpty()) {
            try {
                com.unboundid.ldap.sdk.Filter.create(s.userFilter());
            } catch (LDAPException e) {
                throw new ConfigException("sync.user-filter", "is not an LDAP filter");
            }
        }
        for (int i = 0; i < s.scopeGroups().size(); i++) {
            dn("sync.scope-groups[" + i + "]", s.scopeGroups().get(i), true);
        }
        for (int i = 0; i < s.managedGroups().size(); i++) {
            try {
                org.bastionforest.shadowgroups.model.Sid.parse(s.managedGroups().get(i));
            } catch (IllegalArgumentException e) {
                throw new ConfigException(
                        "sync.managed-groups[" + i + "]", "is not a SID: " + e.getMessage());
            }
        }
        boolean ad =
                s.source() == BastionConfig.SyncSource.AD_DIRSYNC
                        || s.source() == BastionConfig.SyncSource.AD_USN;
        if (production.kind() == ProductionKind.LDAP && ad) {
            throw new ConfigException(
                    "sync.source", "an ad-* source needs production.kind ad (or demo)");
        }
        if (production.kind() != ProductionKind.LDAP
                && s.source() == BastionConfig.SyncSource.GENERIC) {
            throw new ConfigException("sync.source", "generic needs production.kind ldap");
        }
    }

    private static void between(String key, Duration value, Duration min, Duration max)
            throws ConfigException {
        if (value.compareTo(min) < 0 || value.compareTo(max) > 0) {
            throw new ConfigException(
                    key,
                    "must be between "
                            + ConfigDurations.format(min)
                            + " and "
                            + ConfigDurations.format(max)
                            + " (was "
                            + ConfigDurations.format(value)
                            + ")");
        }
    }

    private static void kdc(BastionConfig.Kdc k) throws ConfigException {
        if (!REALM.matcher(k.realm()).matches()) {
            throw new ConfigException(
                    "kdc.realm",
                    "must be an upper-case realm name such as PRIV.EXAMPLE.COM (was '"
                            + k.realm()
                            + "')");
        }
        host("kdc.host", k.host());
        kdcPort("kdc.tcp-port", k.tcpPort());
        kdcPort("kdc.udp-port", k.udpPort());
        if (k.tcpPort() < 0 && k.udpPort() < 0) {
            throw new ConfigException("kdc.tcp-port", "TCP and UDP cannot both be off (-1)");
        }
        between(
                "kdc.max-ticket-lifetime",
                k.maxTicketLifetime(),
                Duration.ofMinutes(1),
                Duration.ofDays(7));
        between(
                "kdc.max-renewable-lifetime",
                k.maxRenewableLifetime(),
                Duration.ofMinutes(1),
                Duration.ofDays(30));
        between(
                "kdc.min-ticket-lifetime",
                k.minTicketLifetime(),
                Duration.ofSeconds(1),
                Duration.ofMinutes(10));
        between("kdc.clock-skew", k.clockSkew(), Duration.ofSeconds(1), Duration.ofHours(1));
        between(
                "kdc.identity-cache-ttl",
                k.identityCacheTtl(),
                Duration.ofSeconds(1),
                Duration.ofHours(1));
        between(
                "kdc.tcp-idle-timeout",
                k.tcpIdleTimeout(),
                Duration.ofSeconds(1),
                Duration.ofHours(1));
        if (k.enctypes().isEmpty()) {
            throw new ConfigException("kdc.enctypes", "must name at least one enctype");
        }
        for (int i = 0; i < k.enctypes().size(); i++) {
            String e = k.enctypes().get(i);
            if (!List.of("aes256-cts-hmac-sha1-96", "aes128-cts-hmac-sha1-96", "rc4-hmac")
                    .contains(e)) {
                throw new ConfigException(
                        "kdc.enctypes[" + i + "]",
                        "must be aes256-cts-hmac-sha1-96, aes128-cts-hmac-sha1-96 or rc4-hmac (was '"
                                + e
                                + "')");
            }
        }
        if (!List.of("durable", "journal", "buffered").contains(k.ticketAudit())) {
            throw new ConfigException(
                    "kdc.ticket-audit",
                    "must be durable, journal or buffered (was '" + k.ticketAudit() + "')");
        }
        if (!List.of("each-write", "every-second").contains(k.ticketJournal().sync())) {
            throw new ConfigException(
                    "kdc.ticket-journal.sync",
                    "must be each-write or every-second (was '" + k.ticketJournal().sync() + "')");
        }
        between(
                "kdc.ticket-journal.retention",
                k.ticketJournal().retention(),
                Duration.ofDays(1),
                Duration.ofDays(3650));
        between(
                "kdc.ticket-journal.checkpoint-interval",
                k.ticketJournal().checkpointInterval(),
                Duration.ofSeconds(1),
                Duration.ofHours(1));
        if (k.udpMaxResponse() < 512 || k.udpMaxResponse() > 65_507) {
            throw new ConfigException("kdc.udp-max-response", "must be between 512 and 65507");
        }
        if (k.maxRequestSize() < 1024 || k.maxRequestSize() > 1 << 20) {
            throw new ConfigException("kdc.max-request-size", "must be between 1024 and 1048576");
        }
        if (k.workerThreads() < 1 || k.workerThreads() > 256) {
            throw new ConfigException("kdc.worker-threads", "must be between 1 and 256");
        }
        if (k.maxTcpConnections() < 1 || k.maxTcpConnections() > 100_000) {
            throw new ConfigException("kdc.max-tcp-connections", "must be between 1 and 100000");
        }
    }

    private static Rest rest(Rest r) throws ConfigException {
        host("rest.host", r.host());
        port("rest.port", r.port());
        port("rest.management.port", r.management().port());
        Tls tls = r.tls();
        switch (tls.mode()) {
            case NONE -> {
                if (!isLoopback(r.host())) {
                    throw new ConfigException(
                            "rest.tls.mode",
                            "'none' (plain HTTP) is only allowed when rest.host is a loopback address (was '"
                                    + r.host()
                                    + "')");
                }
            }
            case KEYSTORE -> {
                String keystore = path("rest.tls.keystore", tls.keystore(), true);
                String pin =
                        path("rest.tls.keystore-password-file", tls.keystorePasswordFile(), true);
                if (!tls.keystoreType().equals("PKCS12") && !tls.keystoreType().equals("JKS")) {
                    throw new ConfigException(
                            "rest.tls.keystore-type",
                            "must be PKCS12 or JKS (was '" + tls.keystoreType() + "')");
                }
                return new Rest(
                        r.host(),
                        r.port(),
                        new Tls(tls.mode(), keystore, tls.keystoreType(), pin),
                        spnego(r.spnego()),
                        r.management(),
                        basicAuthCache(r.basicAuthCache()));
            }
            case SELF_SIGNED -> {
                if (!tls.keystore().isEmpty()) {
                    throw new ConfigException(
                            "rest.tls.keystore", "is only used with rest.tls.mode: keystore");
                }
            }
        }
        return new Rest(
                r.host(),
                r.port(),
                r.tls(),
                spnego(r.spnego()),
                r.management(),
                basicAuthCache(r.basicAuthCache()));
    }

    private static Duration basicAuthCache(Duration ttl) throws ConfigException {
        if (ttl == null
                || !(ttl.isZero()
                        || (ttl.compareTo(Duration.ofSeconds(1)) >= 0
                                && ttl.compareTo(Duration.ofMinutes(10)) <= 0))) {
            throw new ConfigException(
                    "rest.basic-auth-cache",
                    "must be 0s (off) or between 1s and 10m (was "
                            + (ttl == null ? "empty" : ConfigDurations.format(ttl))
                            + ")");
        }
        return ttl;
    }

    private static BastionConfig.Spnego spnego(BastionConfig.Spnego s) throws ConfigException {
        if (s.keytab().isEmpty() && s.principal().isEmpty()) {
            return s;
        }
        if (!s.principal().matches("HTTP/[A-Za-z0-9.-]+@[A-Z0-9][A-Z0-9.-]*")) {
            throw new ConfigException(
                    "rest.spnego.principal",
                    "must be HTTP/<host name>@<REALM> (was '" + s.principal() + "')");
        }
        if (s.keytab().isEmpty()) {
            return s; // the service's own KDC makes the principal and its keytab (checked at start)
        }
        return new BastionConfig.Spnego(
                path("rest.spnego.keytab", s.keytab(), true), s.principal());
    }

    private static void distinctPorts(BastionConfig c) throws ConfigException {
        Map<Integer, String> seen = new HashMap<>();
        List<Map.Entry<String, Integer>> tcp = new java.util.ArrayList<>();
        tcp.add(Map.entry("rest.port", c.rest().port()));
        if (c.rest().management().enabled()) {
            tcp.add(Map.entry("rest.management.port", c.rest().management().port()));
        }
        if (c.bastion().kind() == BastionKind.EMBEDDED) {
            tcp.add(Map.entry("bastion.embedded.ldap-port", c.bastion().embedded().ldapPort()));
            tcp.add(Map.entry("bastion.embedded.ldaps-port", c.bastion().embedded().ldapsPort()));
        }
        if (c.production().kind() == ProductionKind.DEMO) {
            tcp.add(Map.entry("production.demo.port", c.production().demo().port()));
        }
        if (c.kdc().enabled()) {
            tcp.add(Map.entry("kdc.tcp-port", c.kdc().tcpPort()));
        }
        for (Map.Entry<String, Integer> e : tcp) {
            if (e.getValue() <= 0) {
                continue;
            }
            String other = seen.putIfAbsent(e.getValue(), e.getKey());
            if (other != null) {
                throw new ConfigException(
                        e.getKey(), "port " + e.getValue() + " is already used by " + other);
            }
        }
    }

    private static void kdcPort(String key, int port) throws ConfigException {
        if (port == -1) {
            return;
        }
        port(key, port);
    }

    private static void port(String key, int port) throws ConfigException {
        if (port < 0 || port > 65535) {
            throw new ConfigException(
                    key, "must be between 0 and 65535, 0 meaning any free port (was " + port + ")");
        }
    }

    private static void host(String key, String host) throws ConfigException {
        if (host.isBlank() || !host.matches("[A-Za-z0-9.:\\-\\[\\]%]+")) {
            throw new ConfigException(
                    key, "must be a host name or IP address (was '" + host + "')");
        }
    }

    private static void loopback(String key, String host) throws ConfigException {
        if (!isLoopback(host)) {
            throw new ConfigException(
                    key, "the embedded directory listens on loopback only (was '" + host + "')");
        }
    }

    static boolean isLoopback(String host) {
        if (host.equalsIgnoreCase("localhost")) {
            return true;
        }
        if (!host.matches("[0-9.]+|[0-9a-fA-F:\\[\\]]+")) {
            return false; // only literal addresses; a name could resolve elsewhere later
        }
        try {
            return InetAddress.getByName(host.replace("[", "").replace("]", ""))
                    .isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    private static void dn(String key, String value, boolean required) throws ConfigException {
        if (value.isEmpty()) {
            if (required) {
                throw new ConfigException(key, "is required (a distinguished name)");
            }
            return;
        }
        try {
            DN dn = new DN(value);
            if (dn.isNullDN()) {
                throw new ConfigException(key, "must not be the empty DN");
            }
        } catch (LDAPException e) {
            throw new ConfigException(key, "is not a valid DN (was '" + value + "')");
        }
    }

    private static void ldapUrl(String key, String value) throws ConfigException {
        try {
            LDAPURL url = new LDAPURL(value);
            if (!url.hostProvided()) {
                throw new ConfigException(key, "must name a host (was '" + value + "')");
            }
            if (!url.getBaseDN().isNullDN() || url.filterProvided() || url.attributesProvided()) {
                throw new ConfigException(
                        key,
                        "must be only scheme, host and port, e.g. ldaps://dc1.example.com:636");
            }
        } catch (LDAPException e) {
            throw new ConfigException(
                    key, "is not an ldap:// or ldaps:// URL (was '" + value + "')");
        }
    }

    private static void caFile(String key, String value) throws ConfigException {
        if (!value.isEmpty()) {
            path(key, value, true);
        }
    }

    private static Secret secret(String key, Secret inline, String fileKey, String file)
            throws ConfigException {
        if (!inline.isEmpty() && !file.isEmpty()) {
            throw new ConfigException(
                    fileKey, "set either " + key + " or " + fileKey + ", not both");
        }
        if (!file.isEmpty()) {
            String path = path(fileKey, file, true);
            try {
                String text = Files.readString(Path.of(path), StandardCharsets.UTF_8).strip();
                if (text.isEmpty()) {
                    throw new ConfigException(fileKey, "the file is empty");
                }
                return Secret.of(text);
            } catch (IOException e) {
                throw new ConfigException(
                        fileKey, "cannot read the file: " + e.getClass().getSimpleName());
            }
        }
        if (inline.isEmpty()) {
            throw new ConfigException(key, "is required (or " + fileKey + ")");
        }
        return inline;
    }

    private static String path(String key, String value, boolean mustExist) throws ConfigException {
        if (value.isBlank()) {
            throw new ConfigException(key, "is required (a file path)");
        }
        try {
            Path p = Path.of(value).toAbsolutePath().normalize();
            if (mustExist && !Files.isReadable(p)) {
                throw new ConfigException(key, "file does not exist or cannot be read: " + p);
            }
            return p.toString();
        } catch (InvalidPathException e) {
            throw new ConfigException(key, "is not a valid path (was '" + value + "')");
        }
    }

    private static String kindName(Enum<?> kind) {
        return kind.name().toLowerCase(java.util.Locale.ROOT);
    }
}
