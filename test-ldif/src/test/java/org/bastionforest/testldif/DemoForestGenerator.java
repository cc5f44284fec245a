package org.bastionforest.testldif;

import com.unboundid.ldap.sdk.DN;
import com.unboundid.ldap.sdk.Entry;
import com.unboundid.ldap.sdk.RDN;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.text.Normalizer;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import org.bastionforest.shadowgroups.model.ObjectGuid;
import org.bastionforest.shadowgroups.model.Sid;

/**
 * Generates {@code demo-ad-forest.ldif}: an AD-like production forest, deterministically (a seeded
 * PRNG), so that the committed file can be checked against this code ({@link
 * DemoForestFixtureTest}).
 *
 * <p>Regenerate after changing this class:
 *
 * <pre>
 * ./mvnw -q -pl test-ldif test-compile exec:java -Dexec.classpathScope=test \
 *   -Dexec.mainClass=org.bastionforest.testldif.DemoForestGenerator \
 *   -Dexec.args=test-ldif/src/main/resources/test-ldif/demo-ad-forest.ldif
 * </pre>
 */
public final class DemoForestGenerator {
    static final String ROOT = Fixtures.DEMO_ROOT;
    static final Sid DOMAIN = Sid.parse(Fixtures.DEMO_DOMAIN_SID);
    static final String CATEGORY = ",CN=Schema,CN=Configuration," + ROOT;
    static final int GLOBAL_SECURITY = -2147483646;
    static final int UNIVERSAL_SECURITY = -2147483640;
    static final int BUILTIN_LOCAL = -2147483643;
    static final int DOMAIN_LOCAL_SECURITY = -2147483644;
    static final String[] DEPARTMENTS = {"Engineering", "Finance", "IT", "Operations", "Sales"};

    /** Given names (display form, ASCII form for account names). */
    static final String[][] GIVEN = {
        {"Anna", "anna"},
        {"Ben", "ben"},
        {"Chloé", "chloe"},
        {"David", "david"},
        {"Eva", "eva"},
        {"François", "francois"},
        {"Grace", "grace"},
        {"Hannah", "hannah"},
        {"Ian", "ian"},
        {"Jürgen", "juergen"},
        {"Karin", "karin"},
        {"Łukasz", "lukasz"},
        {"Maria", "maria"},
        {"Nils", "nils"},
        {"Olivia", "olivia"},
        {"Pablo", "pablo"},
        {"Quentin", "quentin"},
        {"Rosa", "rosa"},
        {"Søren", "soeren"},
        {"Tomás", "tomas"},
        {"Uma", "uma"},
        {"Víctor", "victor"},
        {"Wei", "wei"},
        {"Xavier", "xavier"},
        {"Yusuf", "yusuf"},
        {"Zoë", "zoe"},
        {"Ольга", "olga"},
        {"秀樹", "hideki"},
        {"José", "jose"},
        {"Ingrid", "ingrid"},
        {"Aino", "aino"},
        {"Björn", "bjoern"}
    };

    static final String[][] FAMILY = {
        {"Andersen", "andersen"},
        {"Brown", "brown"},
        {"Çelik", "celik"},
        {"Dubois", "dubois"},
        {"Ekström", "ekstroem"},
        {"Fischer", "fischer"},
        {"García", "garcia"},
        {"Hansen", "hansen"},
        {"Ivanova", "ivanova"},
        {"Jansen", "jansen"},
        {"Kowalski", "kowalski"},
        {"López", "lopez"},
        {"Müller", "mueller"},
        {"Nakamura", "nakamura"},
        {"O'Brien", "obrien"},
        {"Petrov", "petrov"},
        {"Quinn", "quinn"},
        {"Rossi", "rossi"},
        {"Schmidt", "schmidt"},
        {"Tanaka", "tanaka"},
        {"Ueda", "ueda"},
        {"Virtanen", "virtanen"},
        {"Weiß", "weiss"},
        {"Ångström", "angstroem"},
        {"Żółć", "zolc"},
        {"Muñoz", "munoz"},
        {"田中", "tanaka"},
        {"Иванова", "ivanova"},
        {"Smith, Jr.", "smith"},
        {"Nguyễn", "nguyen"}
    };

    /**
     * Named people at fixed positions, so that tests and docs can rely on them (see {@link
     * Fixtures}): display name, given name, family name, sAMAccountName. Positions 0 to 5 are the
     * first enabled people, hence the privileged ones (see {@link #groups}); position 13 is
     * disabled in place ({@code i % 97 == 13}).
     */
    static final Map<Integer, String[]> PERSONAS =
            Map.of(
                    0, new String[] {"Zoë Ångström", "Zoë", "Ångström", "zangstroem"},
                    1, new String[] {"Jürgen Weiß", "Jürgen", "Weiß", "jweiss"},
                    2, new String[] {"Łukasz Żółć", "Łukasz", "Żółć", "lzolc"},
                    3, new String[] {"José Muñoz", "José", "Muñoz", "jmunoz"},
                    4, new String[] {"田中 秀樹", "秀樹", "田中", "htanaka"},
                    5, new String[] {"Ольга Иванова", "Ольга", "Иванова", "oivanova"},
                    13, new String[] {"Dana Departed", "Dana", "Departed", "ddeparted"});

    private final Random random = new Random(20261122L);
    private final Map<String, Entry> entries = new LinkedHashMap<>();
    private final Set<String> accountNames = new HashSet<>();
    private final Set<String> normalizedDns = new HashSet<>();
    private long usn = 12000;
    private long rid = 1100;
    private Instant clock = Instant.parse("2024-01-08T09:00:00Z");

    public static void main(String[] args) throws IOException {
        Path out = Path.of(args.length > 0 ? args[0] : "demo-ad-forest.ldif");
        Files.writeString(out, new DemoForestGenerator().generate(), StandardCharsets.UTF_8);
        System.out.println("wrote " + out);
    }

    /** The whole fixture as LDIF text. */
    public String generate() {
        structure();
        List<String> people = people();
        List<String> services = serviceAccounts();
        groups(people, services);
        StringBuilder ldif = new StringBuilder();
        ldif.append("# The Bastion Forest demo production forest (AD-like). GENERATED by\n")
                .append(
                        "# test-ldif/src/test/java/org/bastionforest/testldif/DemoForestGenerator.java:")
                .append(" do not edit by hand.\n")
                .append("# Demo passwords are published in test-ldif/README.md: demo data only.\n")
                .append("version: 1\n");
        for (Entry e : entries.values()) {
            ldif.append('\n').append(e.toLDIFString(0));
        }
        return ldif.toString();
    }

    private void structure() {
        Entry root = object(ROOT, "domainDNS", "CN=Domain-DNS");
        root.addAttribute("dc", "corp");
        root.addAttribute("objectSid", DOMAIN.toBytes());
        put(root);
        container("CN=Users," + ROOT, "Default container for upgraded user accounts");
        container("CN=Builtin," + ROOT, "Built-in local groups");
        for (String ou : new String[] {"People", "Groups", "Service Accounts", "Disabled"}) {
            organizationalUnit("OU=" + ou + "," + ROOT);
        }
        for (String department : DEPARTMENTS) {
            organizationalUnit("OU=" + department + ",OU=People," + ROOT);
        }
    }

    private List<String> people() {
        List<String> dns = new ArrayList<>();
        for (int i = 0; i < Fixtures.DEMO_USERS; i++) {
            String[] given = GIVEN[random.nextInt(GIVEN.length)];
            String[] family = FAMILY[random.nextInt(FAMILY.length)];
            String[] persona = PERSONAS.get(i);
            boolean disabledOu = i % 50 == 49; // 40 users parked in OU=Disabled
            boolean disabled = disabledOu || i % 97 == 13; // and a few disabled in place
            String parent =
                    disabledOu
                            ? "OU=Disabled," + ROOT
                            : "OU=" + DEPARTMENTS[i % DEPARTMENTS.length] + ",OU=People," + ROOT;
            String display = persona != null ? persona[0] : given[0] + " " + family[0];
            String sam =
                    uniqueAccountName(
                            persona != null ? persona[3] : given[1].charAt(0) + family[1]);
            String dn = new DN(new RDN("CN", display + " (" + sam + ")"), dnOf(parent)).toString();
            Entry user = user(dn, sam, disabled);
            user.addAttribute("givenName", persona != null ? persona[1] : given[0]);
            user.addAttribute("sn", persona != null ? persona[2] : family[0]);
            user.addAttribute("displayName", display);
            user.addAttribute("mail", sam + "@corp.example");
            user.addAttribute("userPassword", ssha256(Fixtures.DEMO_USER_PASSWORD));
            put(user);
            dns.add(dn);
        }
        return dns;
    }

    private List<String> serviceAccounts() {
        List<String> dns = new ArrayList<>();
        String[][] accounts = {
            {
                "svc-bastion-sync",
                Fixtures.DEMO_SYNC_ACCOUNT_PASSWORD,
                "Bastion Forest sync (read-only)"
            },
            {"svc-sql", "Svc-Sql-Demo-Passw0rd!", "SQL Server service"},
        };
        for (String[] a : accounts) {
            String dn = "CN=" + a[0] + ",OU=Service Accounts," + ROOT;
            Entry user = user(dn, uniqueAccountName(a[0]), false);
            user.addAttribute("sn", a[0]);
            user.addAttribute("displayName", a[2]);
            user.addAttribute("userPassword", ssha256(a[1]));
            put(user);
            dns.add(dn);
        }
        return dns;
    }

    private void groups(List<String> people, List<String> services) {
        String users = "CN=Users," + ROOT;
        String builtin = "CN=Builtin," + ROOT;
        String groupsOu = "OU=Groups," + ROOT;
        // well-known domain groups (MS-DTYP 2.4.2.4)
        String domainAdmins = group(users, "Domain Admins", Sid.of(DOMAIN, 512), GLOBAL_SECURITY);
        group(
                users,
                "Domain Users",
                Sid.of(DOMAIN, 513),
                GLOBAL_SECURITY); // primary group: no member values
        String schemaAdmins =
                group(users, "Schema Admins", Sid.of(DOMAIN, 518), UNIVERSAL_SECURITY);
        String enterpriseAdmins =
                group(users, "Enterprise Admins", Sid.of(DOMAIN, 519), UNIVERSAL_SECURITY);
        String gpo =
                group(users, "Group Policy Creator Owners", Sid.of(DOMAIN, 520), GLOBAL_SECURITY);
        // builtin groups: S-1-5-32-RID
        Sid builtinDomain = Sid.parse("S-1-5-32");
        String administrators =
                group(builtin, "Administrators", Sid.of(builtinDomain, 544), BUILTIN_LOCAL);
        String accountOperators =
                group(builtin, "Account Operators", Sid.of(builtinDomain, 548), BUILTIN_LOCAL);
        String serverOperators =
                group(builtin, "Server Operators", Sid.of(builtinDomain, 549), BUILTIN_LOCAL);
        String backupOperators =
                group(builtin, "Backup Operators", Sid.of(builtinDomain, 551), BUILTIN_LOCAL);
        // application groups
        String tier0 = group(groupsOu, "Tier0 Operators", nextSid(), GLOBAL_SECURITY);
        String sqlAdmins = group(groupsOu, "SQL Admins", nextSid(), GLOBAL_SECURITY);
        String dbaTeam = group(groupsOu, "DBA Team", nextSid(), GLOBAL_SECURITY);
        String exchangeAdmins = group(groupsOu, "Exchange Admins", nextSid(), UNIVERSAL_SECURITY);
        String helpdesk = group(groupsOu, "Helpdesk", nextSid(), GLOBAL_SECURITY);
        String workstationAdmins =
                group(groupsOu, "Workstation Admins", nextSid(), DOMAIN_LOCAL_SECURITY);
        String backupTeam = group(groupsOu, "Backup Team", nextSid(), GLOBAL_SECURITY);
        String allStaff = group(groupsOu, "All Staff", nextSid(), GLOBAL_SECURITY);
        String pamApprovers = group(groupsOu, "PAM Approvers", nextSid(), GLOBAL_SECURITY);

        List<String> enabled = new ArrayList<>();
        for (String dn : people) {
            if (entries.get(dn).getAttributeValueAsInteger("userAccountControl") == 512) {
                enabled.add(dn);
            }
        }
        // nesting, as real forests have it
        addMembers(administrators, List.of(domainAdmins, enterpriseAdmins));
        addMembers(domainAdmins, List.of(tier0));
        addMembers(sqlAdmins, List.of(dbaTeam));
        addMembers(backupOperators, List.of(backupTeam));
        addMembers(accountOperators, List.of(helpdesk));
        addMembers(workstationAdmins, List.of(helpdesk));
        // people
        addMembers(domainAdmins, enabled.subList(0, 3));
        addMembers(enterpriseAdmins, enabled.subList(0, 1));
        addMembers(schemaAdmins, enabled.subList(1, 2));
        addMembers(tier0, enabled.subList(3, 5));
        addMembers(sqlAdmins, enabled.subList(5, 9));
        addMembers(dbaTeam, enabled.subList(9, 15));
        addMembers(exchangeAdmins, enabled.subList(15, 18));
        addMembers(helpdesk, enabled.subList(18, 33));
        addMembers(serverOperators, enabled.subList(33, 36));
        addMembers(backupTeam, enabled.subList(36, 40));
        addMembers(gpo, enabled.subList(40, 42));
        addMembers(pamApprovers, enabled.subList(42, 47));
        addMembers(allStaff, enabled); // more than 1,500 members: AD returns them in ranges
        addMembers(sqlAdmins, services.subList(1, 2));
    }

    private String group(String parent, String name, Sid sid, int groupType) {
        String dn = "CN=" + name + "," + parent;
        Entry group = object(dn, "group", "CN=Group");
        group.addAttribute("cn", name);
        group.addAttribute("sAMAccountName", name);
        group.addAttribute("objectSid", sid.toBytes());
        group.addAttribute("groupType", Integer.toString(groupType));
        group.addAttribute(
                "sAMAccountType",
                groupType == BUILTIN_LOCAL || groupType == DOMAIN_LOCAL_SECURITY
                        ? "536870912"
                        : "268435456");
        put(group);
        return dn;
    }

    private void addMembers(String group, List<String> members) {
        Entry g = entries.get(group);
        for (String member : members) {
            g.addAttribute("member", member);
            entries.get(member).addAttribute("memberOf", group);
        }
    }

    private Entry user(String dn, String sam, boolean disabled) {
        Entry user = object(dn, "user", "CN=Person");
        user.addAttribute("objectClass", "person", "organizationalPerson");
        user.addAttribute("cn", dnOf(dn).getRDN().getAttributeValues()[0]);
        user.addAttribute("sAMAccountName", sam);
        user.addAttribute("userPrincipalName", sam + "@corp.example");
        user.addAttribute("objectSid", nextSid().toBytes());
        user.addAttribute("userAccountControl", disabled ? "514" : "512");
        user.addAttribute("sAMAccountType", "805306368");
        user.addAttribute("primaryGroupID", "513");
        return user;
    }

    private void container(String dn, String description) {
        Entry c = object(dn, "container", "CN=Container");
        c.addAttribute("cn", dnOf(dn).getRDN().getAttributeValues()[0]);
        c.addAttribute("description", description);
        put(c);
    }

    private void organizationalUnit(String dn) {
        Entry ou = new Entry(dn);
        ou.addAttribute("objectClass", "top", "organizationalUnit");
        ou.addAttribute("ou", dnOf(dn).getRDN().getAttributeValues()[0]);
        put(ou);
    }

    /** An AD object with the attributes every AD object has. */
    private Entry object(String dn, String objectClass, String category) {
        Entry e = new Entry(dn);
        e.addAttribute("objectClass", "top", objectClass);
        e.addAttribute(
                "objectGUID",
                new ObjectGuid(new UUID(random.nextLong(), random.nextLong())).toBytes());
        e.addAttribute("objectCategory", category + CATEGORY);
        String when =
                DateTimeFormatter.ofPattern("yyyyMMddHHmmss.0'Z'")
                        .withZone(ZoneOffset.UTC)
                        .format(clock);
        clock = clock.plusSeconds(37);
        e.addAttribute("whenCreated", when);
        e.addAttribute("whenChanged", when);
        usn++;
        e.addAttribute("uSNCreated", Long.toString(usn));
        e.addAttribute("uSNChanged", Long.toString(usn));
        return e;
    }

    private void put(Entry e) {
        if (!normalizedDns.add(dnOf(e.getDN()).toNormalizedString())
                || entries.putIfAbsent(e.getDN(), e) != null) {
            throw new IllegalStateException("duplicate DN " + e.getDN());
        }
    }

    private Sid nextSid() {
        return Sid.of(DOMAIN, rid++);
    }

    private String uniqueAccountName(String base) {
        String ascii =
                Normalizer.normalize(base, Normalizer.Form.NFD)
                        .replaceAll("[^A-Za-z0-9-]", "")
                        .toLowerCase(Locale.ROOT);
        String name = ascii.length() > 16 ? ascii.substring(0, 16) : ascii;
        String candidate = name;
        for (int n = 2; !accountNames.add(candidate); n++) {
            candidate = name + n;
        }
        return candidate;
    }

    /** RFC 2307-style salted SHA-256: {SSHA256}base64(SHA-256(password + salt) + salt). */
    private String ssha256(String password) {
        byte[] salt = new byte[8];
        random.nextBytes(salt);
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(password.getBytes(StandardCharsets.UTF_8));
            sha.update(salt);
            byte[] digest = sha.digest();
            byte[] value = new byte[digest.length + salt.length];
            System.arraycopy(digest, 0, value, 0, digest.length);
            System.arraycopy(salt, 0, value, digest.length, salt.length);
            return "{SSHA256}" + Base64.getEncoder().encodeToString(value);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static DN dnOf(String dn) {
        try {
            return new DN(dn);
        } catch (com.unboundid.ldap.sdk.LDAPException e) {
            throw new IllegalArgumentException(dn, e);
        }
    }
}
