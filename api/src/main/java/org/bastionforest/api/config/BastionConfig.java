package org.bastionforest.api.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Duration;
import java.util.List;

/**
 * The service's whole configuration, as loaded by {@link ConfigLoader} from the embedded defaults,
 * an optional {@code bastion.yaml} and {@code BASTION_*} environment variables, and validated.
 *
 * <p>Every key is documented in {@code default-bastion.yaml} (next to this class) and in {@code
 * docs/configuration.md}. Immutable and thread-safe; {@code toString()} shows no secret.
 */
public record BastionConfig(
        String dataDir,
        Production production,
        Bastion bastion,
        Database database,
        Security security,
        Scheduler scheduler,
        Sync sync,
        Kdc kdc,
        Rest rest,
        Admin admin) {

    /** Which kind of production directory is read. */
    public enum ProductionKind {
        @JsonProperty("demo")
        DEMO,
        @JsonProperty("ad")
        AD,
        @JsonProperty("ldap")
        LDAP
    }

    /** Which kind of bastion directory is written. */
    public enum BastionKind {
        @JsonProperty("embedded")
        EMBEDDED,
        @JsonProperty("ad")
        AD,
        @JsonProperty("ldap")
        LDAP
    }

    /** How the REST API is served. */
    public enum TlsMode {
        @JsonProperty("self-signed")
        SELF_SIGNED,
        @JsonProperty("keystore")
        KEYSTORE,
        @JsonProperty("none")
        NONE
    }

    public record Production(
            ProductionKind kind,
            List<String> urls,
            String bindDn,
            Secret bindPassword,
            String bindPasswordFile,
            List<String> baseDns,
            String caFile,
            Endpoint demo) {}

    public record Bastion(
            BastionKind kind,
            String rootDn,
            String url,
            String bindDn,
            Secret bindPassword,
            String bindPasswordFile,
            String caFile,
            EmbeddedDirectory embedded) {}

    public record EmbeddedDirectory(String host, int ldapPort, int ldapsPort) {}

    public record Endpoint(String host, int port) {}

    public record Database(
            String url, String username, Secret password, String passwordFile, int maxPoolSize) {

        /** True when the embedded HSQLDB file database under the data directory is used. */
        public boolean embedded() {
            return url.isEmpty();
        }
    }

    public record Security(String masterKeyFile) {}

    public record Scheduler(
            int threads,
            Duration misfireThreshold,
            Duration dispatchInterval,
            Duration sweepInterval,
            Duration reconcileInterval,
            Duration notifyInterval,
            Duration endingSoon,
            Cluster cluster) {}

    public record Cluster(boolean enabled, String instanceId, Duration checkinInterval) {}

    /** How the sync finds changes. */
    public enum SyncSource {
        @JsonProperty("auto")
        AUTO,
        @JsonProperty("ad-dirsync")
        AD_DIRSYNC,
        @JsonProperty("ad-usn")
        AD_USN,
        @JsonProperty("generic")
        GENERIC
    }

    public record Sync(
            Duration interval,
            SyncSource source,
            String userFilter,
            List<String> scopeGroups,
            List<String> managedGroups,
            int pageSize,
            int batchSize,
            double massDeleteShare,
            Duration fullInterval,
            boolean dirsyncObjectSecurity,
            boolean contentSync) {}

    public record Kdc(
            boolean enabled,
            String realm,
            String host,
            int tcpPort,
            int udpPort,
            Duration maxTicketLifetime,
            Duration maxRenewableLifetime,
            Duration minTicketLifetime,
            Duration clockSkew,
            List<String> enctypes,
            Renewal renewal,
            Duration identityCacheTtl,
            int udpMaxResponse,
            int maxRequestSize,
            int workerThreads,
            int maxTcpConnections,
            Duration tcpIdleTimeout,
            String ticketAudit,
            TicketJournal ticketJournal) {}

    public record TicketJournal(String sync, Duration retention, Duration checkpointInterval) {}

    public record Renewal(boolean requireGrant) {}

    public record Rest(
            String host,
            int port,
            Tls tls,
            Spnego spnego,
            Management management,
            Duration basicAuthCache) {}

    public record Spnego(String keytab, String principal) {
        /** Whether SPNEGO is configured. */
        public boolean enabled() {
            return !principal.isEmpty();
        }
    }

    public record Tls(
            TlsMode mode, String keystore, String keystoreType, String keystorePasswordFile) {}

    public record Management(boolean enabled, int port) {}

    public record Admin(String group) {}
}
