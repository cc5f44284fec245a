package org.bastionforest.bench;

import com.unboundid.ldap.sdk.DN;
import com.unboundid.ldap.sdk.Entry;
import com.unboundid.ldap.sdk.Filter;
import com.unboundid.ldap.sdk.LDAPConnectionPool;
import com.unboundid.ldap.sdk.Modification;
import com.unboundid.ldap.sdk.ModificationType;
import com.unboundid.ldap.sdk.RDN;
import com.unboundid.ldap.sdk.SearchResultEntry;
import com.unboundid.ldap.sdk.SearchScope;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import org.bastionforest.ldapsync.embedded.EmbeddedBastionDirectory;
import org.bastionforest.ldapsync.writer.LdapBastionDirectory;
import org.bastionforest.shadowgroups.model.Sid;
import org.bastionforest.shadowgroups.policy.UserId;

/**
 * Membership writes against a realistically sized bastion directory: for {@code ops} accounts out
 * of {@code accounts}, the product's add and remove of a shadow-principal membership ({@link
 * LdapBastionDirectory}: account lookup by sAMAccountName, then a member modification), against the
 * reference of the same two operations done with the LDAP SDK alone (lookup on the indexed
 * attribute, then the modification), alternated in the same run on the same directory.
 *
 * <pre>
 * java -cp "bench/target/classes:$(cat bench/target/classpath.txt)" \
 *     org.bastionforest.bench.AccountLookup 20000 2000
 * </pre>
 */
public final class AccountLookup {
    private static final DN ROOT = dn("DC=priv,DC=example");

    private AccountLookup() {}

    /**
     * The result.
     *
     * @param accounts accounts in the directory
     * @param productMicros per add+remove pair through the product, sorted
     * @param referenceMicros per add+remove pair with the SDK alone, sorted
     */
    public record Result(int accounts, long[] productMicros, long[] referenceMicros) {
        /** A markdown table of the result. */
        public String markdown() {
            return String.format(
                    Locale.ROOT,
                    "| path (%,d accounts, %,d pairs) | p50 | p99 | max |%n"
                            + "| --- | --- | --- | --- |%n"
                            + "| product: LdapBastionDirectory add + remove | %s | %s | %s |%n"
                            + "| reference: SDK search (sAMAccountName=x) + modify | %s | %s |"
                            + " %s |%n"
                            + "| ratio of medians (product / reference) | %.2f | | |%n",
                    accounts,
                    productMicros.length,
                    ms(BenchSupport.pct(productMicros, 50)),
                    ms(BenchSupport.pct(productMicros, 99)),
                    ms(productMicros[productMicros.length - 1]),
                    ms(BenchSupport.pct(referenceMicros, 50)),
                    ms(BenchSupport.pct(referenceMicros, 99)),
                    ms(referenceMicros[referenceMicros.length - 1]),
                    (double) BenchSupport.pct(productMicros, 50)
                            / Math.max(1, BenchSupport.pct(referenceMicros, 50)));
        }
    }

    /**
     * Runs the benchmark.
     *
     * @param accounts accounts to create
     * @param pairs add+remove pairs to time on each path
     */
    public static Result run(int accounts, int pairs) throws Exception {
        Path dir = Files.createTempDirectory("bastion-bench-lookup-");
        try (EmbeddedBastionDirectory bastion = BenchSupport.bastion(dir)) {
            LDAPConnectionPool pool = bastion.pool();
            for (int u = 0; u < accounts; u++) {
                String name = "user" + u;
                pool.add(
                        "dn: CN=" + name + "," + bastion.usersContainer(),
                        "objectClass: top",
                        "objectClass: person",
                        "objectClass: organizationalPerson",
                        "objectClass: user",
                        "cn: " + name,
                        "sn: " + name,
                        "sAMAccountName: " + name);
            }
            Sid sid = Sid.parse("S-1-5-21-1004336348-1177238915-682003330-5000");
            DN principal = new DN(new RDN("CN", "G0"), bastion.shadowPrincipalContainer());
            Entry e = new Entry(principal);
            e.addAttribute("objectClass", "top", "msDS-ShadowPrincipal");
            e.addAttribute("cn", "G0");
            e.addAttribute("msDS-ShadowPrincipalSid", sid.toBytes());
            pool.add(e);
            LdapBastionDirectory product =
                    new LdapBastionDirectory(
                            pool, bastion.usersContainer(), bastion.shadowPrincipalContainer());
            long[] productMicros = new long[pairs];
            long[] referenceMicros = new long[pairs];
            java.time.Instant until = java.time.Instant.now().plusSeconds(86_400);
            int warmUp = Math.min(200, pairs);
            for (int round = -warmUp; round < pairs; round++) {
                int i = Math.floorMod(round * 7919, accounts);
                UserId user = UserId.of("user" + i);
                long t0 = System.nanoTime();
                product.addMember(user, sid, until);
                product.removeMember(user, sid);
                long t1 = System.nanoTime();
                SearchResultEntry account =
                        pool.searchForEntry(
                                bastion.usersContainer().toString(),
                                SearchScope.SUB,
                                Filter.createEqualityFilter("sAMAccountName", user.value()),
                                "1.1");
                pool.modify(
                        principal.toString(),
                        new Modification(ModificationType.ADD, "member", account.getDN()));
                pool.modify(
                        principal.toString(),
                        new Modification(ModificationType.DELETE, "member", account.getDN()));
                long t2 = System.nanoTime();
                if (round >= 0) {
                    productMicros[round] = (t1 - t0) / 1000;
                    referenceMicros[round] = (t2 - t1) / 1000;
                }
            }
            Arrays.sort(productMicros);
            Arrays.sort(referenceMicros);
            return new Result(accounts, productMicros, referenceMicros);
        } finally {
            BenchSupport.deleteTree(dir);
        }
    }

    /**
     * Prints the result table.
     *
     * @param args accounts (default 20000), pairs (default 2000)
     */
    public static void main(String[] args) throws Exception {
        int accounts = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
        int pairs = args.length > 1 ? Integer.parseInt(args[1]) : 2_000;
        System.out.print(run(accounts, pairs).markdown());
    }

    private static String ms(long micros) {
        return String.format(Locale.ROOT, "%.2f ms", micros / 1000.0);
    }

    private static DN dn(String s) {
        try {
            return new DN(s);
        } catch (com.unboundid.ldap.sdk.LDAPException e) {
            throw new IllegalArgumentException(e);
        }
    }
}
