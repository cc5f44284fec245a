package org.bastionforest.bench;

import com.unboundid.ldap.listener.InMemoryDirectoryServer;
import com.unboundid.ldap.listener.InMemoryDirectoryServerConfig;
import com.unboundid.ldap.listener.InMemoryListenerConfig;
import com.unboundid.ldap.listener.interceptor.InMemoryInterceptedSearchEntry;
import com.unboundid.ldap.listener.interceptor.InMemoryOperationInterceptor;
import com.unboundid.ldap.sdk.DN;
import com.unboundid.ldap.sdk.Entry;
import com.unboundid.ldap.sdk.LDAPConnection;
import com.unboundid.ldap.sdk.LDAPConnectionPool;
import com.unboundid.ldap.sdk.LDAPException;
import com.unboundid.ldap.sdk.Modification;
import com.unboundid.ldap.sdk.ModificationType;
import com.unboundid.ldap.sdk.SearchRequest;
import com.unboundid.ldap.sdk.SearchResult;
import com.unboundid.ldap.sdk.SearchResultEntry;
import com.unboundid.ldap.sdk.SearchScope;
import com.unboundid.ldap.sdk.controls.SimplePagedResultsControl;
import com.unboundid.util.StaticUtils;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bastionforest.ldapsync.embedded.AdSchema;
import org.bastionforest.ldapsync.embedded.EmbeddedBastionDirectory;
import org.bastionforest.ldapsync.sync.BastionTarget;
import org.bastionforest.ldapsync.sync.SourceKind;
import org.bastionforest.ldapsync.sync.SyncEngine;
import org.bastionforest.ldapsync.sync.SyncOptions;
import org.bastionforest.ldapsync.sync.SyncResult;
import org.bastionforest.shadowgroups.audit.AuditLog;
import org.bastionforest.shadowgroups.model.Sid;
import org.bastionforest.shadowgroups.storage.Database;
import org.bastionforest.shadowgroups.storage.DatabaseOptions;

/**
 * Full sync throughput and memory: {@code users} users and {@code groups} groups (20 members each)
 * in an AD-like in-memory source (UnboundID with the AD schema subset, the same indexes as the demo
 * forest), synced by the real engine into the embedded bastion directory (accounts, and the shadow
 * principals of 50 managed groups), against a reference in the same run: the same users copied with
 * the LDAP SDK alone (paged search of the same page size, one add each) into a fresh embedded
 * bastion directory.
 *
 * <pre>
 * java -Xmx2g -cp "bench/target/classes:$(cat bench/target/classpath.txt)" \
 *     org.bastionforest.bench.SyncThroughput 50000 5000
 * java -Xmx800m -XX:+UseG1GC -XX:+UseStringDeduplication -XX:MinHeapFreeRatio=10 \
 *     -XX:MaxHeapFreeRatio=20 -cp ... org.bastionforest.bench.SyncThroughput 100000 10000 memory
 * java -Xmx2g -cp ... org.bastionforest.bench.SyncThroughput 50000 5000 incremental
 * </pre>
 *
 * In {@code memory} mode the run syncs once and then reports this JVM's resident set (VmRSS, VmHWM)
 * and heap after a full GC; the reference is the same source entries alone in a bare in-memory
 * server in a JVM like it ({@code memory-reference}). The JVM options are the launcher's defaults
 * ({@code ./bastion}) plus the heap operations.md recommends for 100,000 accounts. {@code
 * -Dbench.histogram=true} adds the live heap's largest classes, {@code -Dbench.nmt=true} (with
 * {@code -XX:NativeMemoryTracking=summary}) where the rest of the resident set goes.
 */
public final class SyncThroughput {
    static final String SOURCE_ROOT = "DC=corp,DC=example";
    static final String SOURCE_BIND_DN = "CN=bastion-sync,OU=People," + SOURCE_ROOT;
    static final String SOURCE_BIND_PASSWORD = "bench-sync-password-0123456789";

    /** The JVM options the launcher ({@code ./bastion}) starts the service with. */
    static final List<String> LAUNCHER_DEFAULTS =
            List.of(
                    "-XX:+UseG1GC",
                    "-XX:+UseStringDeduplication",
                    "-XX:MinHeapFreeRatio=10",
                    "-XX:MaxHeapFreeRatio=20");

    static final Sid DOMAIN = Sid.parse("S-1-5-21-3623811015-3361044348-30300820");

    private SyncThroughput() {}

    /**
     * The result.
     *
     * @param users users in the source
     * @param groups groups in the source
     * @param syncMillis the engine's full run
     * @param rawMillis the SDK-only copy of the same users
     * @param accounts accounts in the bastion after the sync
     * @param copied entries the SDK-only copy added
     */
    public record Result(
            int users, int groups, long syncMillis, long rawMillis, int accounts, int copied) {
        /** A markdown table of the result. */
        public String markdown() {
            double sync = users * 1000.0 / Math.max(1, syncMillis);
            double raw = users * 1000.0 / Math.max(1, rawMillis);
            return String.format(
                    Locale.ROOT,
                    "| full sync of %,d users + %,d groups | time | users/s |%n"
                            + "| --- | --- | --- |%n"
                            + "| the sync engine (%,d accounts written) | %.1f s | %.0f |%n"
                            + "| reference: SDK paged search + add (%,d entries) | %.1f s | %.0f |%n"
                            + "| ratio (sync / reference throughput) | | %.2f |%n",
                    users,
                    groups,
                    accounts,
                    syncMillis / 1000.0,
                    sync,
                    copied,
                    rawMillis / 1000.0,
                    raw,
                    sync / raw);
        }
    }

    /** Runs the throughput comparison. */
    public static Result run(int users, int groups) throws Exception {
        Path dir = Files.createTempDirectory("bastion-bench-sync-");
        InMemoryDirectoryServer source = source(users, groups, new Random(42));
        try {
            LDAPConnectionPool production = new LDAPConnectionPool(source.getConnection(), 1, 4);
            long syncMillis;
            int accounts;
            try (EmbeddedBastionDirectory bastion =
                            BenchSupport.bastion(Files.createDirectories(dir.resolve("sync")));
                    Database db = Database.open(DatabaseOptions.embedded(dir.resolve("sync-db")))) {
                SyncEngine engine = engine(production, bastion, db, groups);
                long t0 = System.nanoTime();
                SyncResult r = engine.run();
                syncMillis = (System.nanoTime() - t0) / 1_000_000;
                if (!r.outcome().name().equals("COMPLETED")) {
                    throw new IllegalStateException("sync: " + r);
                }
                accounts = accounts(bastion);
            }
            long rawMillis;
            int copied;
            try (EmbeddedBastionDirectory bastion =
                    BenchSupport.bastion(Files.createDirectories(dir.resolve("raw")))) {
                long t0 = System.nanoTime();
                copied = rawCopy(production, bastion);
                rawMillis = (System.nanoTime() - t0) / 1_000_000;
            }
            production.close();
            return new Result(users, groups, syncMillis, rawMillis, accounts, copied);
        } finally {
            source.shutDown(true);
            BenchSupport.deleteTree(dir);
        }
    }

    /**
     * The incremental result.
     *
     * @param users users in the source before the changes
     * @param fullMillis the first (full) run
     * @param changes changes made in the source
     * @param secondRunWasFull whether the engine read everything again (it must not)
     * @param incrementalMillis the engine's run that picked the changes up
     * @param counts what that run changed in the bastion directory
     * @param accountsAfter accounts in the bastion directory after it
     */
    public record Incremental(
            int users,
            long fullMillis,
            int changes,
            boolean secondRunWasFull,
            long incrementalMillis,
            SyncResult.Counts counts,
            int accountsAfter) {
        /** A markdown table of the result. */
        public String markdown() {
            return String.format(
                    Locale.ROOT,
                    "| incremental sync, %,d users | time |%n"
                            + "| --- | --- |%n"
                            + "| first run (full) | %.1f s |%n"
                            + "| %d changes: 60 display names and mail, 20 disabled, 20 new users"
                            + " | %d ms (%s; added %d, updated %d, deleted %d, failed %d) |%n",
                    users,
                    fullMillis / 1000.0,
                    changes,
                    incrementalMillis,
                    secondRunWasFull ? "FULL read" : "incremental by uSNChanged",
                    counts.added(),
                    counts.updated(),
                    counts.deleted(),
                    counts.failed());
        }
    }

    /**
     * A full sync, then 100 changes in the source (60 users with a new display name and mail, 20
     * disabled, 20 new users; each with the next {@code uSNChanged}, as AD stamps them), then the
     * engine's next run, timed from its start to its end.
     */
    public static Incremental incremental(int users, int groups) throws Exception {
        Path dir = Files.createTempDirectory("bastion-bench-syncinc-");
        AtomicLong usn = new AtomicLong(10_000L + users);
        InMemoryDirectoryServer source = source(users, groups, new Random(42), usn);
        try (LDAPConnectionPool production = new LDAPConnectionPool(source.getConnection(), 1, 4);
                EmbeddedBastionDirectory bastion = BenchSupport.bastion(dir);
                Database db = Database.open(DatabaseOptions.embedded(dir.resolve("db")))) {
            SyncEngine engine = engine(production, bastion, db, groups);
            long t0 = System.nanoTime();
            SyncResult first = engine.run();
            long fullMillis = (System.nanoTime() - t0) / 1_000_000;
            if (first.outcome() != SyncResult.Outcome.COMPLETED || !first.full()) {
                throw new IllegalStateException("first sync: " + first);
            }
            int changes = 0;
            for (int i = 0; i < 80; i++) {
                int u = i * (users / 80);
                String dn = "CN=User " + u + " (u" + u + "),OU=People," + SOURCE_ROOT;
                String when = StaticUtils.encodeGeneralizedTime(System.currentTimeMillis());
                List<Modification> mods = new ArrayList<>();
                if (i < 60) {
                    mods.add(
                            new Modification(
                                    ModificationType.REPLACE, "displayName", "Renamed " + u));
                    mods.add(
                            new Modification(
                                    ModificationType.REPLACE,
                                    "mail",
                                    "renamed" + u + "@corp.example"));
                } else {
                    mods.add(
                            new Modification(
                                    ModificationType.REPLACE, "userAccountControl", "514"));
                }
                mods.add(
                        new Modification(
                                ModificationType.REPLACE,
                                "uSNChanged",
                                Long.toString(usn.incrementAndGet())));
                mods.add(new Modification(ModificationType.REPLACE, "whenChanged", when));
                source.modify(dn, mods);
                changes++;
            }
            Random random = new Random(7);
            for (int i = 0; i < 20; i++) {
                source.add(
                        user(
                                "New " + i,
                                "new" + i,
                                900_000 + i,
                                guid(random),
                                usn.incrementAndGet()));
                changes++;
            }
            long t1 = System.nanoTime();
            SyncResult second = engine.run();
            long incrementalMillis = (System.nanoTime() - t1) / 1_000_000;
            if (second.outcome() != SyncResult.Outcome.COMPLETED) {
                throw new IllegalStateException("incremental sync: " + second);
            }
            return new Incremental(
                    users,
                    fullMillis,
                    changes,
                    second.full(),
                    incrementalMillis,
                    second.counts(),
                    accounts(bastion));
        } finally {
            source.shutDown(true);
            BenchSupport.deleteTree(dir);
        }
    }

    static SyncEngine engine(
            LDAPConnectionPool production,
            EmbeddedBastionDirectory bastion,
            Database db,
            int groups)
            throws LDAPException {
        Set<Sid> managed = new HashSet<>();
        for (int g = 0; g < Math.min(50, groups); g++) {
            managed.add(Sid.of(DOMAIN, 100_000 + g));
        }
        return new SyncEngine(
                SyncOptions.activeDirectory(SourceKind.AD_USN, new DN(SOURCE_ROOT)),
                production,
                new BastionTarget(
                        bastion.pool(),
                        bastion.usersContainer(),
                        bastion.shadowPrincipalContainer(),
                        BastionTarget.EMBEDDED_PAGE_SIZE),
                db,
                new AuditLog(db),
                () -> Set.copyOf(managed),
                (user, reason) -> 0,
                Clock.systemUTC());
    }

    static int accounts(EmbeddedBastionDirectory bastion) throws LDAPException {
        return bastion.pool()
                .search(
                        bastion.usersContainer().toString(),
                        SearchScope.ONE,
                        "(sAMAccountName=*)",
                        "1.1")
                .getEntryCount();
    }

    /** The reference: paged search of the source's users, one SDK add per entry. */
    static int rawCopy(LDAPConnectionPool production, EmbeddedBastionDirectory bastion)
            throws LDAPException {
        int copied = 0;
        LDAPConnection c = production.getConnection();
        try {
            com.unboundid.asn1.ASN1OctetString cookie = null;
            do {
                SearchRequest search =
                        new SearchRequest(
                                SOURCE_ROOT,
                                SearchScope.SUB,
                                SyncOptions.AD_USER_FILTER,
                                "sAMAccountName",
                                "userPrincipalName",
                                "displayName",
                                "mail",
                                "objectSid",
                                "objectGUID",
                                "userAccountControl");
                search.addControl(
                        new SimplePagedResultsControl(SyncOptions.DEFAULT_PAGE_SIZE, cookie));
                SearchResult page = c.search(search);
                for (SearchResultEntry e : page.getSearchEntries()) {
                    String sam = e.getAttributeValue("sAMAccountName");
                    Entry copy =
                            new Entry(
                                    new DN(
                                            new com.unboundid.ldap.sdk.RDN("CN", sam),
                                            bastion.usersContainer()));
                    copy.addAttribute(
                            "objectClass", "top", "person", "organizationalPerson", "user");
                    copy.addAttribute("cn", sam);
                    copy.addAttribute("sn", sam);
                    copy.addAttribute("sAMAccountName", sam);
                    copy.addAttribute(
                            "userPrincipalName", e.getAttributeValue("userPrincipalName"));
                    copy.addAttribute("displayName", e.getAttributeValue("displayName"));
                    copy.addAttribute("mail", e.getAttributeValue("mail"));
                    copy.addAttribute("objectSid", e.getAttributeValueBytes("objectSid"));
                    copy.addAttribute("objectGUID", e.getAttributeValueBytes("objectGUID"));
                    copy.addAttribute("userAccountControl", "512");
                    bastion.pool().add(copy);
                    copied++;
                }
                SimplePagedResultsControl next = SimplePagedResultsControl.get(page);
                cookie =
                        next == null || next.getCookie().getValueLength() == 0
                                ? null
                                : next.getCookie();
            } while (cookie != null);
        } finally {
            production.releaseConnection(c);
        }
        return copied;
    }

    /** An AD-like source: users in OU=People, groups of 20 random members in OU=Groups. */
    static InMemoryDirectoryServer source(int users, int groups, Random random) throws Exception {
        return source(users, groups, random, null);
    }

    /**
     * The same source; with {@code usn} its root DSE also names a domain controller, the default
     * naming context and {@code highestCommittedUSN} (the counter's value), as an AD DC's does, so
     * that the engine syncs incrementally by {@code uSNChanged}.
     */
    static InMemoryDirectoryServer source(int users, int groups, Random random, AtomicLong usn)
            throws Exception {
        InMemoryDirectoryServerConfig config = new InMemoryDirectoryServerConfig(SOURCE_ROOT);
        if (usn != null) {
            config.addInMemoryOperationInterceptor(
                    new InMemoryOperationInterceptor() {
                        @Override
                        public void processSearchEntry(InMemoryInterceptedSearchEntry result) {
                            if (!result.getSearchEntry().getDN().isEmpty()) {
                                return;
                            }
                            Entry root = result.getSearchEntry().duplicate();
                            root.setAttribute("defaultNamingContext", SOURCE_ROOT);
                            root.setAttribute(
                                    "dsServiceName",
                                    "CN=NTDS Settings,CN=DC1,CN=Servers,CN=Default-First-Site-Name,"
                                            + "CN=Sites,CN=Configuration,"
                                            + SOURCE_ROOT);
                            root.setAttribute("highestCommittedUSN", Long.toString(usn.get()));
                            result.setSearchEntry(root);
                        }
                    });
        }
        config.setSchema(AdSchema.load());
        config.addAdditionalBindCredentials(SOURCE_BIND_DN, SOURCE_BIND_PASSWORD);
        config.setEqualityIndexAttributes(
                "objectGUID", "objectSid", "sAMAccountName", "userPrincipalName", "member");
        config.setListenerConfigs(
                InMemoryListenerConfig.createLDAPConfig(
                        "ldap", InetAddress.getLoopbackAddress(), 0, null));
        InMemoryDirectoryServer server = new InMemoryDirectoryServer(config);
        server.add("dn: " + SOURCE_ROOT, "objectClass: top", "objectClass: domain", "dc: corp");
        server.add(
                "dn: OU=People," + SOURCE_ROOT,
                "objectClass: top",
                "objectClass: organizationalUnit",
                "ou: People");
        server.add(
                "dn: OU=Groups," + SOURCE_ROOT,
                "objectClass: top",
                "objectClass: organizationalUnit",
                "ou: Groups");
        List<String> dns = new ArrayList<>(users);
        for (int u = 0; u < users; u++) {
            String sam = "u" + u;
            Entry e = user("User " + u, sam, 1000 + u, guid(random), 10_000 + u);
            dns.add(e.getDN());
            server.add(e);
        }
        for (int g = 0; g < groups; g++) {
            Entry e = new Entry("CN=Group " + g + ",OU=Groups," + SOURCE_ROOT);
            e.addAttribute("objectClass", "top", "group");
            e.addAttribute("cn", "Group " + g);
            e.addAttribute("sAMAccountName", "group" + g);
            e.addAttribute("groupType", "-2147483646");
            e.addAttribute("objectSid", Sid.of(DOMAIN, 100_000 + g).toBytes());
            e.addAttribute("objectGUID", guid(random));
            Set<String> members = new HashSet<>();
            while (members.size() < Math.min(20, users)) {
                members.add(dns.get(random.nextInt(users)));
            }
            e.addAttribute("member", members);
            server.add(e);
        }
        server.startListening();
        return server;
    }

    /** A user entry as AD holds it, in OU=People, created and last changed at {@code usn}. */
    private static Entry user(String name, String sam, long rid, byte[] guid, long usn) {
        Entry e = new Entry("CN=" + name + " (" + sam + "),OU=People," + SOURCE_ROOT);
        e.addAttribute("objectClass", "top", "person", "organizationalPerson", "user");
        e.addAttribute("cn", name + " (" + sam + ")");
        e.addAttribute("sn", name.replace(" ", ""));
        e.addAttribute("givenName", "Given " + name);
        e.addAttribute("displayName", name);
        e.addAttribute("sAMAccountName", sam);
        e.addAttribute("userPrincipalName", sam + "@corp.example");
        e.addAttribute("mail", sam + "@corp.example");
        e.addAttribute("objectSid", Sid.of(DOMAIN, rid).toBytes());
        e.addAttribute("objectGUID", guid);
        e.addAttribute("userAccountControl", "512");
        e.addAttribute("sAMAccountType", "805306368");
        e.addAttribute("uSNCreated", Long.toString(usn));
        e.addAttribute("uSNChanged", Long.toString(usn));
        e.addAttribute(
                "whenChanged", StaticUtils.encodeGeneralizedTime(System.currentTimeMillis()));
        return e;
    }

    private static byte[] guid(Random random) {
        return ByteBuffer.allocate(16)
                .putLong(random.nextLong())
                .putLong(random.nextLong())
                .array();
    }

    /**
     * A JVM's memory at one moment.
     *
     * @param what what was measured
     * @param maxHeapBytes the heap limit
     * @param heapUsedBytes heap used after three full GCs
     * @param rssKb VmRSS
     * @param hwmKb VmHWM, the resident set's peak
     */
    public record MemoryUse(
            String what, long maxHeapBytes, long heapUsedBytes, long rssKb, long hwmKb) {
        /** One markdown table row. */
        public String markdown() {
            return String.format(
                    Locale.ROOT,
                    "| %s | max heap %d MiB | heap used after GC %d MiB | VmRSS %,d kB | VmHWM %,d"
                            + " kB |%n",
                    what,
                    maxHeapBytes >> 20,
                    heapUsedBytes >> 20,
                    rssKb,
                    hwmKb);
        }
    }

    /**
     * The service's side of a full sync, measured after it.
     *
     * @param accounts accounts in the bastion directory after the sync
     * @param syncMillis how long the sync took
     * @param outcome the sync's outcome
     * @param use this JVM's memory after the sync, the bastion directory still open
     */
    public record Memory(int accounts, long syncMillis, String outcome, MemoryUse use) {
        /** One markdown table row. */
        public String markdown() {
            return use.markdown();
        }
    }

    /**
     * Syncs {@code users} users and {@code groups} groups from a source in a JVM of its own (so
     * that only the service's side is in this one) into a fresh embedded bastion directory with an
     * embedded HSQLDB file database, then measures this JVM with both still open.
     */
    public static Memory memory(int users, int groups) throws Exception {
        Path dir = Files.createTempDirectory("bastion-bench-syncmem-");
        try (Source source = Source.start(users, groups, "source")) {
            try (LDAPConnectionPool production =
                            new LDAPConnectionPool(
                                    new LDAPConnection("127.0.0.1", source.port()), 1, 4);
                    EmbeddedBastionDirectory bastion = BenchSupport.bastion(dir);
                    Database db = Database.open(DatabaseOptions.embedded(dir.resolve("db")))) {
                long t0 = System.nanoTime();
                SyncResult r = engine(production, bastion, db, groups).run();
                long millis = (System.nanoTime() - t0) / 1_000_000;
                production.close();
                return new Memory(
                        accounts(bastion),
                        millis,
                        r.outcome().toString(),
                        measure("sync engine + embedded bastion directory"));
            }
        } finally {
            BenchSupport.deleteTree(dir);
        }
    }

    /**
     * The packaged service (its own JVM, the launcher's JVM options and {@code -Xmx<heap>},
     * embedded bastion directory and HSQLDB) pointed at an AD-like source of {@code users} users
     * and {@code groups} groups as {@code production.kind: ad} with {@code sync.source: ad-usn}:
     * its first sync after start, then the service JVM's memory after three full GCs.
     */
    public static Memory serviceMemory(int users, int groups, String heap) throws Exception {
        Path dir = Files.createTempDirectory("bastion-bench-servicemem-");
        try (Source source = Source.start(users, groups, "source-usn")) {
            Map<String, String> config = new HashMap<>();
            config.put("BASTION_PRODUCTION_KIND", "ad");
            config.put("BASTION_PRODUCTION_URLS", "ldap://127.0.0.1:" + source.port());
            config.put("BASTION_PRODUCTION_BIND_DN", SOURCE_BIND_DN);
            config.put("BASTION_PRODUCTION_BIND_PASSWORD", SOURCE_BIND_PASSWORD);
            config.put("BASTION_PRODUCTION_BASE_DNS", "[\"" + SOURCE_ROOT + "\"]");
            config.put("BASTION_SYNC_SOURCE", "ad-usn");
            config.put("BASTION_ADMIN_GROUP", "CN=Group 0,OU=Groups," + SOURCE_ROOT);
            List<String> jvm = new ArrayList<>(LAUNCHER_DEFAULTS);
            jvm.add("-Xmx" + heap);
            long t0 = System.nanoTime();
            try (ApiLoad.Service service =
                    ApiLoad.Service.start(dir, jvm, config, Duration.ofMinutes(5))) {
                String done =
                        awaitLine(
                                service.log(),
                                Pattern.compile("sync\\.(completed|failed|guard-tripped):"),
                                Duration.ofMinutes(30));
                long millis = (System.nanoTime() - t0) / 1_000_000;
                if (!done.contains("sync.completed")) {
                    throw new IllegalStateException("the service's sync did not complete: " + done);
                }
                Matcher added = Pattern.compile("(\\d+) added").matcher(done);
                int accounts = added.find() ? Integer.parseInt(added.group(1)) : -1;
                String pid = Long.toString(service.pid());
                for (int i = 0; i < 3; i++) {
                    jcmd(pid, "GC.run");
                }
                // " garbage-first heap   total 694272K, used 551234K [0x..."
                String heapInfo = jcmd(pid, "GC.heap_info");
                Matcher used = Pattern.compile("used (\\d+)K").matcher(heapInfo);
                long usedBytes = used.find() ? Long.parseLong(used.group(1)) * 1024 : -1;
                long rss = -1;
                long hwm = -1;
                for (String line : Files.readAllLines(Path.of("/proc", pid, "status"))) {
                    if (line.startsWith("VmRSS:")) {
                        rss = kilobytes(line);
                    } else if (line.startsWith("VmHWM:")) {
                        hwm = kilobytes(line);
                    }
                }
                return new Memory(
                        accounts,
                        millis,
                        "COMPLETED",
                        new MemoryUse(
                                "the packaged service (" + String.join(" ", jvm) + ")",
                                parseHeap(heap),
                                usedBytes,
                                rss,
                                hwm));
            }
        } finally {
            BenchSupport.deleteTree(dir);
        }
    }

    /** Runs {@code jcmd <pid> <command>} and returns its output. */
    private static String jcmd(String pid, String command) throws Exception {
        Process p =
                new ProcessBuilder(
                                Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                                pid,
                                command)
                        .redirectErrorStream(true)
                        .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(2, java.util.concurrent.TimeUnit.MINUTES) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IllegalStateException("jcmd " + command + " failed: " + out);
        }
        return out;
    }

    private static long parseHeap(String heap) {
        long n = Long.parseLong(heap.substring(0, heap.length() - 1));
        return switch (Character.toLowerCase(heap.charAt(heap.length() - 1))) {
            case 'g' -> n << 30;
            case 'm' -> n << 20;
            default -> throw new IllegalArgumentException("heap: like 800m or 1g, not " + heap);
        };
    }

    /** Waits for the first line of {@code log} in which {@code marker} is found; returns it. */
    private static String awaitLine(Path log, Pattern marker, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (Files.exists(log)) {
                for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
                    if (marker.matcher(line).find()) {
                        return line;
                    }
                }
            }
            Thread.sleep(1000);
        }
        throw new IllegalStateException(
                "no line with " + marker + " in " + log + " after " + timeout);
    }

    /** A source directory in a JVM of its own, so that only the service's side is measured. */
    private record Source(Process process, int port) implements AutoCloseable {
        static Source start(int users, int groups, String mode) throws Exception {
            Process child =
                    new ProcessBuilder(
                                    Path.of(System.getProperty("java.home"), "bin", "java")
                                            .toString(),
                                    "-Xmx3g",
                                    "-cp",
                                    System.getProperty("java.class.path"),
                                    SyncThroughput.class.getName(),
                                    Integer.toString(users),
                                    Integer.toString(groups),
                                    mode)
                            .redirectError(ProcessBuilder.Redirect.DISCARD)
                            .start();
            try {
                java.io.BufferedReader out =
                        new java.io.BufferedReader(
                                new java.io.InputStreamReader(
                                        child.getInputStream(), StandardCharsets.UTF_8));
                String line;
                while ((line = out.readLine()) != null) {
                    if (line.startsWith("PORT ")) {
                        return new Source(child, Integer.parseInt(line.substring(5).trim()));
                    }
                }
                throw new IllegalStateException("the source process did not start");
            } catch (Exception e) {
                child.destroyForcibly().waitFor();
                throw e;
            }
        }

        @Override
        public void close() {
            try {
                process.destroyForcibly().waitFor();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * Prints the result table, or in memory mode this JVM's memory after a sync.
     *
     * @param args users (50000), groups (5000), mode (throughput, incremental, memory,
     *     memory-reference)
     */
    public static void main(String[] args) throws Exception {
        int users = args.length > 0 ? Integer.parseInt(args[0]) : 50_000;
        int groups = args.length > 1 ? Integer.parseInt(args[1]) : 5_000;
        String mode = args.length > 2 ? args[2] : "throughput";
        switch (mode) {
            case "memory" -> {
                Memory m = memory(users, groups);
                System.out.println(
                        "synced "
                                + m.accounts()
                                + " accounts in "
                                + m.syncMillis()
                                + " ms ("
                                + m.outcome()
                                + ")");
                System.out.print(m.markdown());
                printDiagnostics();
            }
            case "service-memory" -> {
                Memory m = serviceMemory(users, groups, args.length > 3 ? args[3] : "800m");
                System.out.println(
                        "the service synced "
                                + m.accounts()
                                + " accounts in "
                                + m.syncMillis()
                                + " ms from its start");
                System.out.print(m.markdown());
            }
            case "source", "source-usn" -> {
                InMemoryDirectoryServer source =
                        source(
                                users,
                                groups,
                                new Random(42),
                                mode.equals("source-usn") ? new AtomicLong(10_000L + users) : null);
                System.out.println("PORT " + source.getListenPort());
                System.out.flush();
                System.in.read(); // until the parent goes
                source.shutDown(true);
            }
            case "memory-reference" -> {
                InMemoryDirectoryServer source = source(users, groups, new Random(42));
                System.out.print(
                        measure("reference: the same entries in a bare UnboundID in-memory server")
                                .markdown());
                printDiagnostics();
                source.shutDown(true);
            }
            case "incremental" -> System.out.print(incremental(users, groups).markdown());
            default -> System.out.print(run(users, groups).markdown());
        }
    }

    /** This JVM's heap after three full GCs and its resident set, as {@code what}. */
    static MemoryUse measure(String what) throws Exception {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(200);
        }
        long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        long rss = -1;
        long hwm = -1;
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                rss = kilobytes(line);
            } else if (line.startsWith("VmHWM:")) {
                hwm = kilobytes(line);
            }
        }
        return new MemoryUse(what, Runtime.getRuntime().maxMemory(), heap, rss, hwm);
    }

    private static long kilobytes(String statusLine) {
        // "VmRSS:\t  123456 kB"
        return Long.parseLong(statusLine.replaceAll("[^0-9]", ""));
    }

    /** With -Dbench.nmt / -Dbench.histogram: where the memory goes. */
    private static void printDiagnostics() throws Exception {
        if (Boolean.getBoolean("bench.nmt")) {
            // needs -XX:NativeMemoryTracking=summary: where the RSS beyond the heap goes
            System.out.println(diagnosticCommand("vmNativeMemory", "summary"));
        }
        if (Boolean.getBoolean("bench.histogram")) {
            // the 40 largest classes of the live heap, as jmap -histo:live prints them
            diagnosticCommand("gcClassHistogram").lines().limit(43).forEach(System.out::println);
        }
    }

    /** Runs a jcmd command in this JVM (the DiagnosticCommand MBean) and returns its output. */
    private static String diagnosticCommand(String operation, String... arguments)
            throws Exception {
        return String.valueOf(
                ManagementFactory.getPlatformMBeanServer()
                        .invoke(
                                new javax.management.ObjectName(
                                        "com.sun.management:type=DiagnosticCommand"),
                                operation,
                                new Object[] {arguments},
                                new String[] {String[].class.getName()}));
    }
}
