package org.bastionforest.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A real OpenLDAP {@code slapd} (Debian's package) for tests: a fresh cn=config and MDB database in
 * a temporary directory, the core/cosine/inetorgperson/nis schemas, the syncprov overlay (RFC 4533
 * content sync) and {@code {SSHA}} password hashing, listening on a free loopback port, stopped by
 * its process id on {@link #close()}.
 *
 * <pre>{@code
 * try (SlapdServer slapd = SlapdServer.start("dc=example,dc=org", Optional.of(ldifFile))) {
 *     String url = slapd.url(); // ldap://127.0.0.1:<port>
 *     // bind as slapd.rootDn() / slapd.rootPassword()
 * }
 * }</pre>
 *
 * <p>Skips the test when slapd is not installed (fails under {@code CI=true}). Not thread-safe.
 */
public final class SlapdServer implements AutoCloseable {
    private static final String MODULE_PATH = "/usr/lib/ldap";

    private volatile ManagedProcess process;
    private final int port;
    private final String suffix;
    private final String rootPassword;
    private final Path dir;

    private SlapdServer(
            ManagedProcess process, int port, String suffix, String rootPassword, Path dir) {
        this.process = process;
        this.port = port;
        this.suffix = suffix;
        this.rootPassword = rootPassword;
        this.dir = dir;
    }

    /**
     * Starts slapd for {@code suffix}, loading {@code initialLdif} (which must contain the suffix
     * entry) with slapadd before it starts; without it the suffix entry alone is created.
     */
    public static SlapdServer start(String suffix, Optional<Path> initialLdif) {
        return start(suffix, initialLdif, List.of(), List.of());
    }

    /**
     * Starts slapd as {@link #start(String, Optional)} does, with extra schema: RFC 4512 attribute
     * type and object class definitions (as in a subschema entry's {@code attributeTypes} and
     * {@code objectClasses} values), loaded as a cn=config schema named {@code extra}.
     */
    public static SlapdServer start(
            String suffix,
            Optional<Path> initialLdif,
            List<String> attributeTypes,
            List<String> objectClasses) {
        Path slapd = ExternalTools.require("slapd", "slapd", "/usr/sbin/slapd");
        Path slapadd = ExternalTools.require("slapadd", "slapd", "/usr/sbin/slapadd");
        try {
            Path dir = Files.createTempDirectory("bastion-slapd-");
            Path config = dir.resolve("slapd.d");
            Path data = dir.resolve("data");
            Files.createDirectories(config);
            Files.createDirectories(data);
            String rootPassword = "slapd-root-" + Long.toHexString(System.nanoTime());
            String rootDn = "cn=admin," + suffix;
            Path configLdif = dir.resolve("config.ldif");
            Files.writeString(
                    configLdif,
                    config(
                            suffix,
                            rootDn,
                            rootPassword,
                            dir,
                            data,
                            extraSchema(attributeTypes, objectClasses)),
                    StandardCharsets.UTF_8);
            run(
                    List.of(
                            slapadd.toString(),
                            "-n",
                            "0",
                            "-F",
                            config.toString(),
                            "-l",
                            configLdif.toString()),
                    dir);
            Path content = initialLdif.orElse(null);
            if (content == null) {
                content = dir.resolve("suffix.ldif");
                String dc = suffix.split(",")[0].split("=")[1];
                Files.writeString(
                        content,
                        "dn: "
                                + suffix
                                + "\nobjectClass: top\nobjectClass: dcObject\nobjectClass: organization\n"
                                + "dc: "
                                + dc
                                + "\no: "
                                + dc
                                + "\n",
                        StandardCharsets.UTF_8);
            }
            run(
                    List.of(
                            slapadd.toString(),
                            "-n",
                            "1",
                            "-F",
                            config.toString(),
                            "-l",
                            content.toString()),
                    dir);
            int port = FreePorts.next();
            ManagedProcess process = launch(slapd, port, config, dir);
            return new SlapdServer(process, port, suffix, rootPassword, dir);
        } catch (IOException e) {
            throw new UncheckedIOException("could not start slapd", e);
        }
    }

    private static ManagedProcess launch(Path slapd, int port, Path config, Path dir) {
        ManagedProcess process =
                ManagedProcess.start(
                        "slapd",
                        List.of(
                                slapd.toString(),
                                "-d",
                                "0",
                                "-h",
                                "ldap://127.0.0.1:" + port + "/",
                                "-F",
                                config.toString()),
                        dir,
                        Map.of());
        process.awaitReady(Duration.ofSeconds(20), () -> listening(port));
        return process;
    }

    /**
     * Stops slapd (SIGTERM, then SIGKILL) and keeps its data, for a test of a directory that is
     * down; {@link #restart()} brings it back on the same port with the same data.
     */
    public synchronized void stop() {
        process.close();
    }

    /** Starts slapd again after {@link #stop()}, on the same port with the same data. */
    public synchronized void restart() {
        process.close();
        process =
                launch(
                        ExternalTools.require("slapd", "slapd", "/usr/sbin/slapd"),
                        port,
                        dir.resolve("slapd.d"),
                        dir);
    }

    private static String extraSchema(List<String> attributeTypes, List<String> objectClasses) {
        if (attributeTypes.isEmpty() && objectClasses.isEmpty()) {
            return "";
        }
        StringBuilder ldif =
                new StringBuilder(
                        "dn: cn=extra,cn=schema,cn=config\nobjectClass: olcSchemaConfig\ncn: extra\n");
        attributeTypes.forEach(a -> ldif.append("olcAttributeTypes: ").append(a).append('\n'));
        objectClasses.forEach(o -> ldif.append("olcObjectClasses: ").append(o).append('\n'));
        return ldif.toString();
    }

    private static String config(
            String suffix,
            String rootDn,
            String rootPassword,
            Path dir,
            Path data,
            String extraSchema) {
        return String.join(
                "\n",
                "dn: cn=config",
                "objectClass: olcGlobal",
                "cn: config",
                "olcPidFile: " + dir.resolve("slapd.pid"),
                "",
                "dn: cn=module{0},cn=config",
                "objectClass: olcModuleList",
                "cn: module{0}",
                "olcModulePath: " + MODULE_PATH,
                "olcModuleLoad: back_mdb",
                "olcModuleLoad: syncprov",
                "",
                "dn: cn=schema,cn=config",
                "objectClass: olcSchemaConfig",
                "cn: schema",
                "",
                "include: file:///etc/ldap/schema/core.ldif",
                "",
                "include: file:///etc/ldap/schema/cosine.ldif",
                "",
                "include: file:///etc/ldap/schema/inetorgperson.ldif",
                "",
                "include: file:///etc/ldap/schema/nis.ldif",
                "",
                extraSchema,
                "dn: olcDatabase={-1}frontend,cn=config",
                "objectClass: olcDatabaseConfig",
                "objectClass: olcFrontendConfig",
                "olcDatabase: {-1}frontend",
                "olcPasswordHash: {SSHA}",
                "",
                "dn: olcDatabase={0}config,cn=config",
                "objectClass: olcDatabaseConfig",
                "olcDatabase: {0}config",
                "olcAccess: {0}to * by * none",
                "",
                "dn: olcDatabase={1}mdb,cn=config",
                "objectClass: olcDatabaseConfig",
                "objectClass: olcMdbConfig",
                "olcDatabase: {1}mdb",
                "olcSuffix: " + suffix,
                "olcRootDN: " + rootDn,
                "olcRootPW: " + rootPassword,
                "olcDbDirectory: " + data,
                "olcDbMaxSize: 268435456",
                "olcDbIndex: objectClass eq",
                "olcDbIndex: entryUUID eq",
                "olcDbIndex: entryCSN eq",
                "olcDbIndex: member eq",
                "olcDbIndex: uid eq",
                "olcAccess: {0}to attrs=userPassword by anonymous auth by * none",
                "olcAccess: {1}to * by users read by * none",
                "",
                "dn: olcOverlay={0}syncprov,olcDatabase={1}mdb,cn=config",
                "objectClass: olcOverlayConfig",
                "objectClass: olcSyncProvConfig",
                "olcOverlay: {0}syncprov",
                "");
    }

    private static void run(List<String> command, Path dir) throws IOException {
        Commands.run(command, dir, Map.of(), Duration.ofSeconds(60));
    }

    private static boolean listening(int port) {
        return Commands.listening(port);
    }

    public String url() {
        return "ldap://127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    public String suffix() {
        return suffix;
    }

    /** The database's root DN ({@code cn=admin,<suffix>}): it may do anything. */
    public String rootDn() {
        return "cn=admin," + suffix;
    }

    public String rootPassword() {
        return rootPassword;
    }

    public long pid() {
        return process.pid();
    }

    /** Stops slapd (SIGTERM, then SIGKILL) and deletes its files. */
    @Override
    public void close() {
        process.close();
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a temporary directory left behind is harmless
        }
    }
}
