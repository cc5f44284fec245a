package org.bastionforest.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real Samba Active Directory domain controller (Debian's samba-ad-dc packages) for tests:
 * provisioned into a temporary directory ({@code --dns-backend=NONE}), serving only LDAP/LDAPS on
 * 127.0.0.1 (ports 389 and 636: Samba's AD LDAP server has no port setting), simple binds allowed
 * without TLS ({@code ldap server require strong auth = no}), stopped by its process id.
 *
 * <p>Samba 4.17 provisions at most the Windows Server 2012 R2 schema, which has no shadow
 * principals; the harness adds {@code msDS-ShadowPrincipalSid}, {@code
 * msDS-ShadowPrincipalContainer} and {@code msDS-ShadowPrincipal} from Microsoft's Windows Server
 * 2016 schema definitions that the samba package installs ({@code
 * /usr/share/samba/setup/ad-schema/}), before the DC starts.
 *
 * <p>Provisioning takes a few seconds, so tests share one DC per JVM ({@link #shared()}); each test
 * should work in its own OU. Domain {@code CORP}, realm {@code CORP.SAMBA.TEST}, base DN {@link
 * #BASE_DN}.
 *
 * <pre>{@code
 * SambaDc dc = SambaDc.shared();
 * dc.sambaTool("user", "create", "alice", "Passw0rd-Alice!");
 * // LDAP: dc.url(), bind as dc.adminDn() / dc.adminPassword()
 * }</pre>
 *
 * <p>Skips the test when Samba is not installed (fails under {@code CI=true}). Thread-safe.
 */
public final class SambaDc implements AutoCloseable {
    public static final String REALM = "CORP.SAMBA.TEST";
    public static final String DOMAIN = "CORP";
    public static final String BASE_DN = "DC=corp,DC=samba,DC=test";
    private static final Pattern DOMAIN_SID = Pattern.compile("DOMAIN SID:\\s+(S-1-5-21-[0-9-]+)");
    private static SambaDc shared;

    private final ManagedProcess process;
    private final Path dir;
    private final Path smbConf;
    private final Path sambaTool;
    private final String adminPassword;
    private final String domainSid;

    private SambaDc(
            ManagedProcess process,
            Path dir,
            Path smbConf,
            Path sambaTool,
            String adminPassword,
            String domainSid) {
        this.process = process;
        this.dir = dir;
        this.smbConf = smbConf;
        this.sambaTool = sambaTool;
        this.adminPassword = adminPassword;
        this.domainSid = domainSid;
    }

    /** The DC shared by all tests of this JVM, provisioned and started on first use. */
    public static synchronized SambaDc shared() {
        if (shared == null || !shared.process.isAlive()) {
            shared = start();
            Runtime.getRuntime().addShutdownHook(new Thread(shared::stop, "stop-samba"));
        }
        return shared;
    }

    private static SambaDc start() {
        Path samba = ExternalTools.require("samba", "samba-ad-dc", "/usr/sbin/samba");
        Path sambaTool = ExternalTools.require("samba-tool", "samba");
        try {
            Path dir = Files.createTempDirectory("bastion-samba-");
            Path target = dir.resolve("dc");
            String adminPassword = "Samba-Adm1n-" + Long.toHexString(System.nanoTime());
            String provision =
                    run(
                            List.of(
                                    sambaTool.toString(),
                                    "domain",
                                    "provision",
                                    "--realm=" + REALM,
                                    "--domain=" + DOMAIN,
                                    "--adminpass=" + adminPassword,
                                    "--server-role=dc",
                                    "--dns-backend=NONE",
                                    "--use-rfc2307",
                                    "--host-name=dc1",
                                    "--targetdir=" + target,
                                    "--option=interfaces=lo",
                                    "--option=bind interfaces only=yes",
                                    "--option=ldap server require strong auth=no"),
                            dir,
                            Duration.ofMinutes(3));
            Matcher sid = DOMAIN_SID.matcher(provision);
            if (!sid.find()) {
                throw new IllegalStateException(
                        "samba-tool did not report the domain SID:\n" + provision);
            }
            Path smbConf = target.resolve("etc/smb.conf");
            addShadowPrincipalSchema(target.resolve("private/sam.ldb"), dir);
            if (listening(389)) {
                throw new IllegalStateException(
                        "something already listens on 127.0.0.1:389; Samba's AD LDAP port is fixed");
            }
            ManagedProcess process =
                    ManagedProcess.start(
                            "samba",
                            List.of(
                                    samba.toString(),
                                    "-i",
                                    "-M",
                                    "single",
                                    "-s",
                                    smbConf.toString(),
                                    "--option=server services=ldap",
                                    "--option=ldap server require strong auth=no",
                                    "--option=log file=" + dir.resolve("samba-%m.log")),
                            dir,
                            Map.of());
            process.awaitReady(Duration.ofSeconds(60), () -> listening(389) && listening(636));
            return new SambaDc(process, dir, smbConf, sambaTool, adminPassword, sid.group(1));
        } catch (IOException e) {
            throw new UncheckedIOException("could not start Samba", e);
        }
    }

    private static final Path SCHEMA_2016 = Path.of("/usr/share/samba/setup/ad-schema");

    /** Adds the three 2016 schema objects of shadow principals to the offline database. */
    private static void addShadowPrincipalSchema(Path samLdb, Path dir) throws IOException {
        Path ldbadd = ExternalTools.require("ldbadd", "ldb-tools");
        String attribute =
                schemaObject(
                        "AD_DS_Attributes__Windows_Server_2016.ldf", "ms-DS-Shadow-Principal-Sid");
        String container =
                schemaObject(
                        "AD_DS_Classes__Windows_Server_2016.ldf",
                        "ms-DS-Shadow-Principal-Container");
        String principal =
                schemaObject("AD_DS_Classes__Windows_Server_2016.ldf", "ms-DS-Shadow-Principal");
        // two runs: the class needs the attribute, and ldbadd reloads the schema only when it opens
        for (String ldif : List.of(attribute + "\n" + container, principal)) {
            Path file =
                    Files.writeString(
                            dir.resolve("schema-2016.ldif"), ldif, StandardCharsets.UTF_8);
            run(
                    List.of(
                            ldbadd.toString(),
                            "-H",
                            samLdb.toString(),
                            "--option=dsdb:schema update allowed=true",
                            file.toString()),
                    dir,
                    Duration.ofMinutes(1));
        }
    }

    private static String schemaObject(String file, String cn) throws IOException {
        // Microsoft's LDF files are Windows-1252 text with CRLF line ends
        String text =
                Files.readString(
                                SCHEMA_2016.resolve(file),
                                java.nio.charset.Charset.forName("windows-1252"))
                        .replace("\r\n", "\n");
        for (String block : text.split("\n\n")) {
            String b = block.strip();
            if (b.startsWith("dn: CN=" + cn + ",CN=Schema")) {
                return b.replace("DC=X", BASE_DN).replace("changetype: add\n", "") + "\n";
            }
        }
        throw new IOException("no " + cn + " in " + file + ": is the samba package complete?");
    }

    /**
     * Runs {@code samba-tool} against this DC's database (e.g. {@code user create alice Pw}),
     * returning its output.
     */
    public String sambaTool(String... args) {
        List<String> command = new ArrayList<>();
        command.add(sambaTool.toString());
        command.addAll(List.of(args));
        command.add("--configfile=" + smbConf);
        try {
            return run(command, dir, Duration.ofMinutes(1));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String run(List<String> command, Path dir, Duration timeout) throws IOException {
        Process p =
                new ProcessBuilder(command)
                        .directory(dir.toFile())
                        .redirectErrorStream(true)
                        .start();
        p.getOutputStream().close();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new IOException(command.get(0) + " did not finish in " + timeout);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
        if (p.exitValue() != 0) {
            throw new IOException(
                    String.join(" ", command.subList(0, Math.min(3, command.size())))
                            + " failed ("
                            + p.exitValue()
                            + "):\n"
                            + output);
        }
        return output;
    }

    private static boolean listening(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    public String url() {
        return "ldap://127.0.0.1:389";
    }

    public String ldapsUrl() {
        return "ldaps://127.0.0.1:636";
    }

    /** The domain administrator's DN. */
    public String adminDn() {
        return "CN=Administrator,CN=Users," + BASE_DN;
    }

    public String adminPassword() {
        return adminPassword;
    }

    /** The domain SID, e.g. {@code S-1-5-21-3425760329-162663985-1351120276}. */
    public String domainSid() {
        return domainSid;
    }

    public long pid() {
        return process.pid();
    }

    private void stop() {
        process.close();
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a temporary directory left behind is harmless
        }
    }

    /** The shared DC is stopped when the JVM exits; closing it earlier does nothing. */
    @Override
    public void close() {
        // shared: stopped by the shutdown hook
    }
}
