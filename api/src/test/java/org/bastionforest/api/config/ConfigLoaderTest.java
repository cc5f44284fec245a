package org.bastionforest.api.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.bastionforest.api.config.BastionConfig.ProductionKind;
import org.bastionforest.api.config.BastionConfig.TlsMode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ConfigLoaderTest {
    @TempDir Path dir;

    private BastionConfig load(String yaml, Map<String, String> env) throws Exception {
        Path file = dir.resolve("bastion.yaml");
        Files.writeString(file, yaml);
        return ConfigLoader.load(Optional.of(file), env);
    }

    private ConfigException failure(String yaml, Map<String, String> env) {
        return (ConfigException)
                org.assertj.core.api.Assertions.catchThrowable(() -> load(yaml, env));
    }

    @Test
    void load_whenNoFileAndNoEnvironment_thenEmbeddedDefaults() throws Exception {
        BastionConfig c = ConfigLoader.load(Optional.empty(), Map.of());
        assertThat(c.production().kind()).isEqualTo(ProductionKind.DEMO);
        assertThat(c.bastion().kind()).isEqualTo(BastionConfig.BastionKind.EMBEDDED);
        assertThat(c.database().embedded()).isTrue();
        assertThat(c.rest().tls().mode()).isEqualTo(TlsMode.SELF_SIGNED);
        assertThat(c.rest().port()).isEqualTo(8443);
        assertThat(c.kdc().realm()).isEqualTo("PRIV.EXAMPLE");
        assertThat(c.kdc().ticketAudit()).isEqualTo("journal");
        assertThat(c.kdc().ticketJournal().sync()).isEqualTo("each-write");
        assertThat(c.kdc().ticketJournal().retention()).isEqualTo(java.time.Duration.ofDays(365));
        assertThat(Path.of(c.dataDir())).isAbsolute();
    }

    @Test
    void load_whenFileSetsSomeKeys_thenOthersKeepDefaults() throws Exception {
        BastionConfig c = load("rest:\n  port: 9443\n", Map.of());
        assertThat(c.rest().port()).isEqualTo(9443);
        assertThat(c.rest().host()).isEqualTo("127.0.0.1");
        assertThat(c.rest().management().port()).isEqualTo(8080);
    }

    @Test
    void load_whenEnvironmentOverrides_thenEnvironmentWinsOverFile() throws Exception {
        BastionConfig c =
                load(
                        "rest:\n  port: 9443\n",
                        Map.of(
                                "BASTION_REST_PORT", "9444",
                                "BASTION_REST_TLS_MODE", "none",
                                "BASTION_PRODUCTION_KIND", "ldap",
                                "BASTION_PRODUCTION_URLS",
                                        "ldap://127.0.0.1:389, ldaps://dc2.example.com",
                                "BASTION_PRODUCTION_BIND_DN", "cn=reader,dc=example,dc=org",
                                "BASTION_PRODUCTION_BIND_PASSWORD", "s3cret",
                                "BASTION_PRODUCTION_BASE_DNS", "dc=example,dc=org",
                                "PATH", "/usr/bin"));
        assertThat(c.rest().port()).isEqualTo(9444);
        assertThat(c.rest().tls().mode()).isEqualTo(TlsMode.NONE);
        assertThat(c.production().urls())
                .containsExactly("ldap://127.0.0.1:389", "ldaps://dc2.example.com");
        assertThat(c.production().bindPassword().reveal()).isEqualTo("s3cret");
        assertThat(c.toString()).doesNotContain("s3cret");
    }

    @Test
    void load_whenPasswordFile_thenSecretReadAndNotShown() throws Exception {
        Path pw = dir.resolve("pw");
        Files.writeString(pw, "from-file\n");
        BastionConfig c =
                load(
                        "production:\n  kind: ad\n  urls: [ldaps://dc1.corp.example:636]\n"
                                + "  bind-dn: CN=svc,DC=corp,DC=example\n  bind-password-file: "
                                + pw
                                + "\n  base-dns: [DC=corp,DC=example]\n",
                        Map.of());
        assertThat(c.production().bindPassword().reveal()).isEqualTo("from-file");
        assertThat(c.production().toString()).doesNotContain("from-file");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            value = {
                "negative port      | 'rest:\n  port: -1\n'                       | rest.port | between 0 and 65535",
                "port too large     | 'kdc:\n  tcp-port: 70000\n'                 | kdc.tcp-port | between 0 and 65535",
                "port not a number  | 'rest:\n  port: abc\n'                      | rest.port | whole number",
                "port is a float    | 'rest:\n  port: 80.5\n'                     | rest.port | whole number",
                "unknown top key    | 'rets:\n  port: 1\n'                        | rets | unknown key",
                "unknown nested key | 'rest:\n  prot: 1\n'                        | rest.prot | unknown key",
                "scalar for mapping | 'rest: 8443\n'                              | rest | must be a mapping",
                "mapping for scalar | 'data-dir:\n  x: 1\n'                       | data-dir | single value",
                "bad enum           | 'production:\n  kind: samba\n'              | production.kind | one of demo, ad, ldap",
                "bad url scheme     | 'production:\n  kind: ad\n  urls: [http://dc1]\n' | production.urls[0] | ldap:// or ldaps://",
                "url with base dn   | 'production:\n  kind: ad\n  urls: [ldap://dc1/dc=x]\n' | production.urls[0] | only scheme, host and port",
                "no urls for ad     | 'production:\n  kind: ad\n'                 | production.urls | at least one",
                "bad bind dn        | 'production:\n  kind: ldap\n  urls: [ldap://h]\n  bind-dn: not a dn\n' | production.bind-dn | not a valid DN",
                "missing password   | 'production:\n  kind: ldap\n  urls: [ldap://h]\n  bind-dn: cn=x\n  base-dns: [dc=x]\n' | production.bind-password | is required",
                "bad root dn        | 'bastion:\n  root-dn: \"=,=\"\n'             | bastion.root-dn | not a valid DN",
                "bad admin group    | 'admin:\n  group: \"\"\n'                   | admin.group | is required",
                "bad jdbc url       | 'database:\n  url: jdbc:mysql://h/db\n'     | database.url | jdbc:postgresql",
                "password in url    | 'database:\n  url: jdbc:postgresql://h/db?password=x\n' | database.url | must not contain the password",
                "pool size zero     | 'database:\n  max-pool-size: 0\n'           | database.max-pool-size | between 1 and 100",
                "lower-case realm   | 'kdc:\n  realm: priv.example\n'             | kdc.realm | upper-case",
                "ticket audit async | 'kdc:\n  ticket-audit: async\n'            | kdc.ticket-audit | durable, journal or buffered",
                "journal sync bad   | 'kdc:\n  ticket-journal:\n    sync: never\n' | kdc.ticket-journal.sync | each-write or every-second",
                "journal keep 1h    | 'kdc:\n  ticket-journal:\n    retention: 1h\n' | kdc.ticket-journal.retention | between",
                "plain http public  | 'rest:\n  host: 0.0.0.0\n  tls:\n    mode: none\n' | rest.tls.mode | loopback",
                "embedded not lo    | 'bastion:\n  embedded:\n    host: 10.0.0.1\n' | bastion.embedded.host | loopback",
                "missing keystore   | 'rest:\n  tls:\n    mode: keystore\n    keystore: /nonexistent.p12\n' | rest.tls.keystore | does not exist",
                "same port twice    | 'rest:\n  port: 10389\n'                    | bastion.embedded.ldap-port | already used by rest.port",
                "list for scalar    | 'rest:\n  host: [a, b]\n'                   | rest.host | single value",
                "duplicate key      | 'rest:\n  port: 1\n  port: 2\n'             | bastion.yaml | not valid YAML",
                "not a mapping      | '- a\n- b\n'                                | bastion.yaml | YAML mapping",
                "duration no unit   | 'scheduler:\n  sweep-interval: 30\n'      | scheduler.sweep-interval | a duration",
                "duration bad unit  | 'scheduler:\n  sweep-interval: 30y\n'     | scheduler.sweep-interval | a duration",
                "duration negative  | 'sync:\n  interval: -PT5M\n'              | sync.interval | a duration",
                "duration too short | 'scheduler:\n  dispatch-interval: 10ms\n' | scheduler.dispatch-interval | between 100ms and 1h",
                "ending soon > 1d   | 'scheduler:\n  ending-soon: 2d\n'         | scheduler.ending-soon | between 1s and 1d",
                "threads zero       | 'scheduler:\n  threads: 0\n'              | scheduler.threads | between 1 and 100",
                "bad instance id    | 'scheduler:\n  cluster:\n    instance-id: a b\n' | scheduler.cluster.instance-id | letters, digits",
                "cluster on hsqldb  | 'scheduler:\n  cluster:\n    enabled: true\n' | scheduler.cluster.enabled | PostgreSQL",
                "cluster no key     | 'database:\n  url: jdbc:postgresql://h/db\nscheduler:\n  cluster:\n    enabled: true\n' | security.master-key-file | cluster mode",
                "missing master key | 'security:\n  master-key-file: /nonexistent.key\n' | security.master-key-file | does not exist",
            })
    void load_whenInvalid_thenOneLineNamingTheKey(
            String name, String yaml, String key, String problem) {
        ConfigException e = failure(yaml.replace("\\n", "\n"), Map.of());
        assertThat(e).as(name).isNotNull();
        assertThat(e.key()).endsWith(key);
        assertThat(e.getMessage()).contains(problem).doesNotContain("\n");
    }

    @Test
    void load_whenUnknownEnvironmentVariable_thenNamedInError() {
        ConfigException e = failure("", Map.of("BASTION_REST_PROT", "1"));
        assertThat(e.key()).isEqualTo("BASTION_REST_PROT");
        assertThat(e.getMessage()).contains("unknown environment variable");
    }

    @Test
    void load_whenEnvironmentValueInvalid_thenKeyNamed() {
        ConfigException e = failure("", Map.of("BASTION_REST_PORT", "-5"));
        assertThat(e.getMessage()).startsWith("rest.port:");
    }

    @Test
    void load_whenReservedVariables_thenIgnored() throws Exception {
        BastionConfig c =
                load(
                        "",
                        Map.of(
                                "BASTION_CONFIG",
                                "x",
                                "BASTION_OPTS",
                                "-Xmx1g",
                                "BASTION_CLI_URL",
                                "u"));
        assertThat(c.rest().port()).isEqualTo(8443);
    }

    @Test
    void load_whenSecretInvalid_thenMessageDoesNotShowIt() {
        ConfigException e =
                failure(
                        "production:\n  kind: ldap\n  urls: [ldap://h]\n  bind-dn: cn=x\n"
                                + "  bind-password: hunter2-secret\n  base-dns: [\"bad dn\"]\n",
                        Map.of());
        assertThat(e.getMessage()).contains("production.base-dns[0]").doesNotContain("hunter2");
    }

    @Test
    void load_whenFileMissing_thenNamesFile() {
        assertThatThrownBy(() -> ConfigLoader.load(Optional.of(dir.resolve("nope.yaml")), Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("nope.yaml: configuration file does not exist");
    }

    @Test
    void knownKeys_eachHasAnEnvironmentVariableAndIsDocumented() throws IOException {
        Path docs = Path.of("..", "docs", "configuration.md");
        String reference = Files.readString(docs);
        for (String key : ConfigLoader.knownKeys()) {
            assertThat(reference)
                    .as("docs/configuration.md documents " + key)
                    .contains("`" + key + "`");
            assertThat(reference)
                    .as("docs/configuration.md names the variable of " + key)
                    .contains(ConfigLoader.environmentVariable(key));
        }
        assertThat(ConfigLoader.knownKeys())
                .contains("rest.tls.mode", "database.url", "kdc.udp-port");
    }

    @Test
    void load_whenDurationsAreGiven_thenEachFormIsRead() throws Exception {
        BastionConfig c =
                load(
                        "scheduler:\n  sweep-interval: 45s\n  reconcile-interval: PT2H\n"
                                + "  ending-soon: 0s\nsync:\n  interval: 1d\n",
                        Map.of("BASTION_SCHEDULER_DISPATCH_INTERVAL", "250ms"));
        assertThat(c.scheduler().sweepInterval()).isEqualTo(Duration.ofSeconds(45));
        assertThat(c.scheduler().reconcileInterval()).isEqualTo(Duration.ofHours(2));
        assertThat(c.scheduler().endingSoon()).isZero();
        assertThat(c.scheduler().dispatchInterval()).isEqualTo(Duration.ofMillis(250));
        assertThat(c.sync().interval()).isEqualTo(Duration.ofDays(1));
        assertThat(c.scheduler().cluster().enabled()).isFalse();
    }

    @Test
    void load_whenAListVariableIsAYamlList_thenItemsMayHoldCommas() throws Exception {
        BastionConfig c =
                load(
                        "",
                        Map.of(
                                "BASTION_SYNC_SCOPE_GROUPS",
                                "[\"CN=A,OU=G,DC=corp,DC=example\", \"CN=B,OU=G,DC=corp,DC=example\"]",
                                "BASTION_SYNC_MANAGED_GROUPS",
                                "S-1-5-21-1-2-3-512,S-1-5-21-1-2-3-519"));
        assertThat(c.sync().scopeGroups())
                .containsExactly("CN=A,OU=G,DC=corp,DC=example", "CN=B,OU=G,DC=corp,DC=example");
        assertThat(c.sync().managedGroups())
                .containsExactly("S-1-5-21-1-2-3-512", "S-1-5-21-1-2-3-519");
    }
}
