package org.bastionforest.bench;

import com.unboundid.ldap.sdk.DN;
import com.unboundid.ldap.sdk.Entry;
import com.unboundid.ldap.sdk.LDAPConnectionPool;
import com.unboundid.ldap.sdk.Modification;
import com.unboundid.ldap.sdk.ModificationType;
import com.unboundid.ldap.sdk.RDN;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.bastionforest.ldapsync.embedded.EmbeddedBastionDirectory;
import org.bastionforest.ldapsync.writer.LdapBastionDirectory;
import org.bastionforest.scheduler.GrantScheduler;
import org.bastionforest.scheduler.SyncRunner;
import org.bastionforest.shadowgroups.audit.AuditLog;
import org.bastionforest.shadowgroups.directory.BastionDirectory;
import org.bastionforest.shadowgroups.directory.DirectoryFacts;
import org.bastionforest.shadowgroups.directory.MembershipDispatcher;
import org.bastionforest.shadowgroups.directory.MembershipReconciler;
import org.bastionforest.shadowgroups.errors.DirectoryUnavailableException;
import org.bastionforest.shadowgroups.model.Sid;
import org.bastionforest.shadowgroups.policy.ActivationPolicy;
import org.bastionforest.shadowgroups.policy.Administrators;
import org.bastionforest.shadowgroups.policy.ShadowGroup;
import org.bastionforest.shadowgroups.policy.ShadowGroupId;
import org.bastionforest.shadowgroups.policy.ShadowGroupService;
import org.bastionforest.shadowgroups.policy.UserId;
import org.bastionforest.shadowgroups.request.AccessRequest;
import org.bastionforest.shadowgroups.request.NewRequest;
import org.bastionforest.shadowgroups.request.RequestService;
import org.bastionforest.shadowgroups.storage.Database;
import org.bastionforest.shadowgroups.storage.DatabaseOptions;
import org.bastionforest.testsupport.PostgresServer;

/**
 * Revocation lateness (invariant 2): N grants whose ends fall within one window (default 10,000 in
 * one minute) on the real stack — HSQLDB file database, Quartz JDBC job store, the dispatcher, the
 * LDAP writer and the embedded bastion directory — recording for each grant the delay between its
 * end and the moment the directory confirmed the removal of its membership. For reference, the same
 * run measures the directory's own latency for single member removals over the SDK (the floor).
 *
 * <p>Grants are created "in the past" (the core runs on a per-thread shifted clock while
 * submitting) so that their one-minute duration, the shortest a policy allows, ends at the chosen
 * instant; Quartz and the measurements run on the real clock.
 *
 * <pre>
 * ./mvnw -q -pl bench -am install -DskipTests
 * java -cp "bench/target/classes:$(cat bench/target/classpath.txt)" \
 *     org.bastionforest.bench.RevocationLateness 10000 60
 * </pre>
 */
public final class RevocationLateness {
    private static final DN ROOT = dn("DC=priv,DC=example");

    private RevocationLateness() {}

    /**
     * The result.
     *
     * @param grants grants created
     * @param removed memberships whose removal was confirmed
     * @param latenessMillis each removed grant's lateness, sorted
     * @param directoryRemoveMillis the reference: single SDK member removals, sorted
     * @param threads scheduler worker threads
     */
    public record Result(
            int grants,
            int removed,
            long[] latenessMillis,
            long[] directoryRemoveMillis,
            int threads) {
        /** The {@code p}-th percentile (0 to 100) of {@code sorted}. */
        public static long percentile(long[] sorted, double p) {
            if (sorted.length == 0) {
                return -1;
            }
            int i = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
            return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
        }

        /** A Markdown table row set. */
        public String markdown() {
            return String.join(
                    "\n",
                    "| measure | p50 ms | p99 ms | max ms |",
                    "| --- | --- | --- | --- |",
                    row(
                            "lateness of removal after grant end (" + removed + "/" + grants + ")",
                            latenessMillis),
                    row(
                            "reference: one SDK member removal on the same directory",
                            directoryRemoveMillis));
        }

        private static String row(String what, long[] v) {
            return "| "
                    + what
                    + " | "
                    + percentile(v, 50)
                    + " | "
                    + percentile(v, 99)
                    + " | "
                    + (v.length == 0 ? -1 : v[v.length - 1])
                    + " |";
        }
    }

    /** Arguments: grants (default 10000), window in seconds (default 60). */
    public static void main(String[] args) throws Exception {
        int grants = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
        int window = args.length > 1 ? Integer.parseInt(args[1]) : 60;
        int accounts = args.length > 2 ? Integer.parseInt(args[2]) : 100;
        boolean cluster = args.length > 3 && args[3].equals("postgres-cluster");
        Result r = run(grants, Duration.ofSeconds(window), 10, accounts, cluster);
        System.out.println(
                "revocation lateness: "
                        + grants
                        + " grants ending within "
                        + window
                        + " s, "
                        + r.threads()
                        + " scheduler threads, "
                        + Math.max(accounts, Math.min(100, grants))
                        + " bastion accounts, "
                        + (cluster ? "2 nodes on PostgreSQL, " : "1 node on HSQLDB, ")
                        + Runtime.getRuntime().availableProcessors()
                        + " CPUs");
        System.out.println(r.markdown());
    }

    /** Runs the benchmark with {@code grants} grants whose ends spread over {@code window}. */
    public static Result run(int grants, Duration window, int threads) throws Exception {
        return run(grants, window, threads, 0);
    }

    /**
     * Runs the benchmark with {@code grants} grants whose ends spread over {@code window}, in a
     * bastion directory that holds at least {@code accounts} accounts (the grants go to the first
     * 100; the others make the directory as large as a real one, which matters for lookups).
     */
    public static Result run(int grants, Duration window, int threads, int accounts)
            throws Exception {
        return run(grants, window, threads, accounts, false);
    }

    /**
     * Runs the benchmark; with {@code cluster}, on two scheduler nodes (Quartz clustered, each with
     * its own connection pool and dispatcher) sharing a PostgreSQL database that this run starts
     * (Debian postgresql) and stops. Grants are made on the first node; either node fires the ends.
     */
    public static Result run(
            int grants, Duration window, int threads, int accounts, boolean cluster)
            throws Exception {
        PostgresServer pg = cluster ? PostgresServer.start() : null;
        try {
            return run(grants, window, threads, accounts, pg);
        } finally {
            if (pg != null) {
                pg.close();
            }
        }
    }

    private static Result run(
            int grants, Duration window, int threads, int accounts, PostgresServer pg)
            throws Exception {
        boolean cluster = pg != null;
        Path dir = Files.createTempDirectory("bastion-bench-revocation-");
        int users = Math.max(1, Math.min(100, grants));
        int groups = (grants + users - 1) / users;
        ThreadShiftClock clock = new ThreadShiftClock();
        DatabaseOptions dbOptions =
                cluster
                        ? new DatabaseOptions(
                                pg.createDatabase("revocation_bench"),
                                pg.username(),
                                pg.password(),
                                threads + 3,
                                Duration.ofSeconds(10))
                        : DatabaseOptions.embedded(dir.resolve("data"))
                                .withMaxPoolSize(threads + 3);
        try (Database db = Database.open(dbOptions);
                Database db2 = cluster ? Database.open(dbOptions) : null;
                EmbeddedBastionDirectory bastion = BenchSupport.bastion(dir)) {
            LDAPConnectionPool pool = bastion.pool();
            Sid domain = Sid.parse("S-1-5-21-1004336348-1177238915-682003330");
            List<UserId> people = new ArrayList<>();
            for (int u = 0; u < users; u++) {
                UserId id = UserId.of("user" + u);
                people.add(id);
                pool.add(
                        "dn: CN=" + id.value() + "," + bastion.usersContainer(),
                        "objectClass: top",
                        "objectClass: person",
                        "objectClass: organizationalPerson",
                        "objectClass: user",
                        "cn: " + id.value(),
                        "sn: " + id.value(),
                        "sAMAccountName: " + id.value());
            }
            for (int u = users; u < accounts; u++) {
                pool.add(
                        "dn: CN=other" + u + "," + bastion.usersContainer(),
                        "objectClass: top",
                        "objectClass: person",
                        "objectClass: organizationalPerson",
                        "objectClass: user",
                        "cn: other" + u,
                        "sn: other" + u,
                        "sAMAccountName: other" + u);
            }
            UserId admin = UserId.of("bench-admin");
            DirectoryFacts facts = new EveryoneEligible();
            AuditLog audit = new AuditLog(db);
            Administrators admins = new Administrators(Set.of(admin), Set.of());
            ShadowGroupService groupService =
                    new ShadowGroupService(db, audit, facts, admins, clock);
            List<ShadowGroup> shadowGroups = new ArrayList<>();
            for (int g = 0; g < groups; g++) {
                Sid sid = Sid.of(domain, 5000 + g);
                Entry principal =
                        new Entry(
                                new DN(new RDN("CN", "G" + g), bastion.shadowPrincipalContainer()));
                principal.addAttribute("objectClass", "top", "msDS-ShadowPrincipal");
                principal.addAttribute("cn", "G" + g);
                principal.addAttribute("msDS-ShadowPrincipalSid", sid.toBytes());
                pool.add(principal);
                shadowGroups.add(
                        groupService.create(
                                admin,
                                ShadowGroup.of(
                                        ShadowGroupId.of("g" + g),
                                        "G" + g,
                                        "bench",
                                        "CN=G" + g + ",OU=Groups,DC=corp,DC=example",
                                        sid,
                                        ActivationPolicy.builder()
                                                .eligibleUsers(Set.copyOf(people))
                                                .noApproval()
                                                .noTicket()
                                                .justificationRequired(false)
                                                .defaultDuration(ActivationPolicy.MIN_DURATION)
                                                .maximumDuration(Duration.ofHours(1))
                                                .build())));
            }

            Map<String, Instant> removedAt = new ConcurrentHashMap<>();
            BastionDirectory writer =
                    new Recording(
                            new LdapBastionDirectory(
                                    pool,
                                    bastion.usersContainer(),
                                    bastion.shadowPrincipalContainer()),
                            removedAt);
            MembershipDispatcher dispatcher =
                    new MembershipDispatcher(
                            db,
                            writer,
                            audit,
                            Clock.systemUTC(),
                            MembershipDispatcher.Options.defaults());
            MembershipReconciler reconciler =
                    new MembershipReconciler(db, writer, audit, Clock.systemUTC());
            GrantScheduler.Options options =
                    new GrantScheduler.Options(
                            threads,
                            Duration.ofSeconds(5),
                            false,
                            Duration.ofSeconds(5),
                            "bench",
                            Duration.ofSeconds(1),
                            Duration.ofSeconds(30),
                            Duration.ofDays(1),
                            Duration.ofDays(1));
            try (GrantScheduler scheduler =
                            new GrantScheduler(
                                    db,
                                    dispatcher,
                                    reconciler,
                                    SyncRunner.NONE,
                                    clock,
                                    cluster
                                            ? options.clustered("node-a", Duration.ofSeconds(5))
                                            : options);
                    GrantScheduler second =
                            cluster
                                    ? secondNode(db2, writer, clock, admins, facts, options)
                                    : null) {
                RequestService requests =
                        new RequestService(
                                db, audit, facts, (u, c) -> false, admins, clock, scheduler);
                scheduler.bind(requests);
                scheduler.start();
                if (second != null) {
                    second.start();
                }

                // ends spread evenly over [first, first + window); first leaves time to submit
                Instant first =
                        Instant.now().plus(Duration.ofMillis(Math.max(10_000, grants * 12L)));
                Map<String, Instant> ends = new ConcurrentHashMap<>();
                int n = 0;
                for (ShadowGroup g : shadowGroups) {
                    for (UserId u : people) {
                        if (n >= grants) {
                            break;
                        }
                        Instant end = first.plusMillis(window.toMillis() * n / grants);
                        clock.shiftForThisThread(
                                Duration.between(Instant.now(), end)
                                        .minus(ActivationPolicy.MIN_DURATION));
                        AccessRequest r;
                        try {
                            r =
                                    requests.submit(
                                            u,
                                            NewRequest.of(
                                                    g.id(),
                                                    ActivationPolicy.MIN_DURATION,
                                                    "",
                                                    null,
                                                    null));
                        } finally {
                            clock.shiftForThisThread(Duration.ZERO);
                        }
                        ends.put(key(u, g.productionGroupSid()), r.grant().orElseThrow().endsAt());
                        n++;
                    }
                }
                if (Instant.now().isAfter(first)) {
                    System.out.println(
                            "warning: submitting took longer than planned; early grants ended before all were created");
                }
                Instant last = first.plus(window);
                while (Instant.now().isBefore(last.plusSeconds(30))
                        && removedAt.size() < ends.size()) {
                    Thread.sleep(200);
                }
                long[] lateness =
                        ends.entrySet().stream()
                                .filter(e -> removedAt.containsKey(e.getKey()))
                                .mapToLong(
                                        e ->
                                                Math.max(
                                                        0,
                                                        Duration.between(
                                                                        e.getValue(),
                                                                        removedAt.get(e.getKey()))
                                                                .toMillis()))
                                .sorted()
                                .toArray();
                long[] reference = directoryReference(pool, bastion, people, shadowGroups.get(0));
                return new Result(grants, lateness.length, lateness, reference, threads);
            }
        }
    }

    /** The second node of the cluster variant: its own dispatcher and core on {@code db}. */
    private static GrantScheduler secondNode(
            Database db,
            BastionDirectory writer,
            ThreadShiftClock clock,
            Administrators admins,
            DirectoryFacts facts,
            GrantScheduler.Options options)
            throws Exception {
        AuditLog audit = new AuditLog(db);
        GrantScheduler node =
                new GrantScheduler(
                        db,
                        new MembershipDispatcher(
                                db,
                                writer,
                                audit,
                                Clock.systemUTC(),
                                MembershipDispatcher.Options.defaults()),
                        new MembershipReconciler(db, writer, audit, Clock.systemUTC()),
                        SyncRunner.NONE,
                        clock,
                        options.clustered("node-b", Duration.ofSeconds(5)));
        node.bind(new RequestService(db, audit, facts, (u, c) -> false, admins, clock, node));
        return node;
    }

    /** 200 single member removals (after adds) straight over the SDK, in milliseconds. */
    private static long[] directoryReference(
            LDAPConnectionPool pool,
            EmbeddedBastionDirectory bastion,
            List<UserId> people,
            ShadowGroup group)
            throws Exception {
        String principal = "CN=" + group.displayName() + "," + bastion.shadowPrincipalContainer();
        long[] out = new long[200];
        for (int i = 0; i < out.length; i++) {
            String member =
                    "CN=" + people.get(i % people.size()).value() + "," + bastion.usersContainer();
            pool.modify(principal, new Modification(ModificationType.ADD, "member", member));
            long t0 = System.nanoTime();
            pool.modify(principal, new Modification(ModificationType.DELETE, "member", member));
            out[i] = (System.nanoTime() - t0) / 1_000_000;
        }
        Arrays.sort(out);
        return out;
    }

    private static String key(UserId u, Sid sid) {
        return u.value() + "|" + sid;
    }

    private static DN dn(String s) {
        try {
            return new DN(s);
        } catch (com.unboundid.ldap.sdk.LDAPException e) {
            throw new IllegalArgumentException(e);
        }
    }

    /** Records when each removal was confirmed by the directory. */
    private record Recording(BastionDirectory inner, Map<String, Instant> removedAt)
            implements BastionDirectory {
        @Override
        public void addMember(UserId account, Sid shadowPrincipal, Instant until)
                throws DirectoryUnavailableException {
            inner.addMember(account, shadowPrincipal, until);
        }

        @Override
        public void removeMember(UserId account, Sid shadowPrincipal)
                throws DirectoryUnavailableException {
            inner.removeMember(account, shadowPrincipal);
            removedAt.putIfAbsent(key(account, shadowPrincipal), Instant.now());
        }

        @Override
        public Set<UserId> members(Sid shadowPrincipal) throws DirectoryUnavailableException {
            return inner.members(shadowPrincipal);
        }
    }

    /** Eligibility is not what is measured: everybody is eligible. */
    private static final class EveryoneEligible implements DirectoryFacts {
        @Override
        public boolean isMemberOf(UserId user, Sid group) {
            return true;
        }

        @Override
        public Optional<Sid> userSid(UserId user) {
            return Optional.empty();
        }
    }

    /** The system clock, shifted for the submitting thread only. */
    static final class ThreadShiftClock extends Clock {
        private final ThreadLocal<Duration> offset = ThreadLocal.withInitial(() -> Duration.ZERO);

        void shiftForThisThread(Duration by) {
            offset.set(by);
        }

        @Override
        public Instant instant() {
            return Instant.now().plus(offset.get());
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            throw new UnsupportedOperationException("UTC only");
        }
    }
}
