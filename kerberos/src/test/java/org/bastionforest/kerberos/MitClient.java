package org.bastionforest.kerberos;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs MIT Kerberos clients (kinit, klist, kvno) against a KDC with their own krb5.conf and
 * credential cache in a temporary directory.
 */
final class MitClient {
    record Result(int exit, String out) {}

    /** One ticket as klist prints it. */
    record Entry(Instant start, Instant end, Instant renewUntil, String service) {}

    private static final Pattern LINE =
            Pattern.compile(
                    "(\\d\\d/\\d\\d/\\d\\d \\d\\d:\\d\\d:\\d\\d)\\s+(\\d\\d/\\d\\d/\\d\\d"
                            + " \\d\\d:\\d\\d:\\d\\d)\\s+(\\S+)(?:[ \\t]*\\n\\s+renew until"
                            + " (\\d\\d/\\d\\d/\\d\\d \\d\\d:\\d\\d:\\d\\d))?");
    private static final DateTimeFormatter KLIST = DateTimeFormatter.ofPattern("MM/dd/yy HH:mm:ss");

    private final Path dir;
    private final Path conf;
    private final Path cache;

    /**
     * @param transport "tcp" or "udp"
     */
    MitClient(Path dir, BastionKdc kdc, String transport) throws IOException {
        this.dir = dir;
        this.conf = dir.resolve("krb5-" + transport + ".conf");
        this.cache = dir.resolve("cc-" + transport);
        String kdcLine =
                transport.equals("tcp")
                        ? "        kdc = 127.0.0.1:" + kdc.tcpPort() + "\n"
                        : "        kdc = 127.0.0.1:" + kdc.udpPort() + "\n";
        Files.writeString(
                conf,
                "[libdefaults]\n"
                        + "    default_realm = "
                        + KdcFixture.REALM
                        + "\n    dns_lookup_kdc = false\n    dns_lookup_realm = false\n"
                        + "    rdns = false\n    dns_canonicalize_hostname = false\n"
                        + "    udp_preference_limit = "
                        + (transport.equals("tcp") ? "1" : "65000")
                        + "\n    max_retries = 1\n    kdc_timeout = 3000\n"
                        + "\n[realms]\n    "
                        + KdcFixture.REALM
                        + " = {\n"
                        + kdcLine
                        + "    }\n[domain_realm]\n    .bastion.test = "
                        + KdcFixture.REALM
                        + "\n",
                StandardCharsets.UTF_8);
    }

    Result run(String stdin, String... command) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(List.of(command)).redirectErrorStream(true);
        Map<String, String> env = pb.environment();
        env.put("KRB5_CONFIG", conf.toString());
        env.put("KRB5CCNAME", "FILE:" + cache);
        env.put("KRB5_KTNAME", "FILE:" + dir.resolve("none.keytab"));
        env.put("TZ", "UTC");
        env.put("LC_ALL", "C");
        env.put("KRB5_TRACE", dir.resolve("trace.log").toString());
        Process p = pb.start();
        if (stdin != null) {
            p.getOutputStream().write((stdin + "\n").getBytes(StandardCharsets.UTF_8));
        }
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException(command[0] + " did not finish");
        }
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }

    Result kinit(String password, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("kinit"));
        cmd.addAll(List.of(args));
        return run(password, cmd.toArray(String[]::new));
    }

    /** The tickets in the cache. */
    List<Entry> tickets() throws IOException, InterruptedException {
        Result r = run(null, "klist");
        List<Entry> entries = new ArrayList<>();
        Matcher m = LINE.matcher(r.out());
        while (m.find()) {
            entries.add(
                    new Entry(
                            parse(m.group(1)),
                            parse(m.group(2)),
                            m.group(4) == null ? null : parse(m.group(4)),
                            m.group(3)));
        }
        return entries;
    }

    Entry ticket(String servicePrefix) throws IOException, InterruptedException {
        return tickets().stream()
                .filter(e -> e.service().startsWith(servicePrefix))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no ticket for " + servicePrefix));
    }

    String trace() throws IOException {
        Path t = dir.resolve("trace.log");
        return Files.exists(t) ? Files.readString(t) : "";
    }

    private static Instant parse(String s) {
        return LocalDateTime.parse(s, KLIST).toInstant(ZoneOffset.UTC);
    }
}
