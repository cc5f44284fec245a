package org.bastionforest.testldif;

import java.io.InputStream;
import java.util.Objects;

/**
 * The LDIF fixtures of this module and the facts about them that tests and the demo rely on. See
 * {@code test-ldif/README.md}. Stateless.
 *
 * <pre>{@code
 * try (InputStream ldif = Fixtures.open(Fixtures.DEMO_AD_FOREST)) { ... }
 * }</pre>
 */
public final class Fixtures {
    /** The AD-like demo production forest, rooted at {@link #DEMO_ROOT}. */
    public static final String DEMO_AD_FOREST = "/test-ldif/demo-ad-forest.ldif";

    /** A generic LDAPv3 tree (inetOrgPerson, groupOfNames) rooted at {@code dc=example,dc=org}. */
    public static final String GENERIC_LDAP = "/test-ldif/generic-ldap.ldif";

    /**
     * The Active Directory schema elements (AD names and OIDs) as a subschema entry, for UnboundID
     * ({@code Schema.mergeSchemas(Schema.getDefaultStandardSchema(), new Schema(entry))}) or for
     * loading into another server. The same bytes as the embedded directories' runtime copy in
     * ldap-sync (a test there checks it).
     */
    public static final String BASTION_SCHEMA = "/test-ldif/bastion-schema.ldif";

    public static final String DEMO_ROOT = "DC=corp,DC=example";

    public static final String GENERIC_ROOT = "dc=example,dc=org";

    /** The demo domain's SID; every demo account's objectSid is this plus a RID. */
    public static final String DEMO_DOMAIN_SID = "S-1-5-21-2614736917-1203569437-3412578221";

    /** The account the service binds with to read the demo forest. */
    public static final String DEMO_SYNC_ACCOUNT_DN =
            "CN=svc-bastion-sync,OU=Service Accounts,DC=corp,DC=example";

    /** Published demo password of {@link #DEMO_SYNC_ACCOUNT_DN}: demo data only. */
    public static final String DEMO_SYNC_ACCOUNT_PASSWORD = "Sync-Demo-Passw0rd!";

    /** Published demo password of every demo person: demo data only. */
    public static final String DEMO_USER_PASSWORD = "Demo-Passw0rd!";

    /** Number of person accounts in the demo forest (enabled and disabled). */
    public static final int DEMO_USERS = 2000;

    /** Number of disabled person accounts ({@code userAccountControl} 514). */
    public static final int DEMO_DISABLED_USERS = 61;

    /** {@code Domain Admins} (RID 512): three people and the nested {@code Tier0 Operators}. */
    public static final String DEMO_DOMAIN_ADMINS_DN =
            "CN=Domain Admins,CN=Users,DC=corp,DC=example";

    /** {@code SQL Admins}: four people, {@code svc-sql} and the nested {@code DBA Team}. */
    public static final String DEMO_SQL_ADMINS_DN = "CN=SQL Admins,OU=Groups,DC=corp,DC=example";

    /** {@code DBA Team}: six people; a member of {@link #DEMO_SQL_ADMINS_DN}. */
    public static final String DEMO_DBA_TEAM_DN = "CN=DBA Team,OU=Groups,DC=corp,DC=example";

    /** {@code All Staff}: every enabled person, {@value #DEMO_ALL_STAFF_MEMBERS} members. */
    public static final String DEMO_ALL_STAFF_DN = "CN=All Staff,OU=Groups,DC=corp,DC=example";

    public static final int DEMO_ALL_STAFF_MEMBERS = DEMO_USERS - DEMO_DISABLED_USERS;

    /** Zoë Ångström ({@code zangstroem}): enabled, in Domain Admins and Enterprise Admins. */
    public static final String DEMO_DOMAIN_ADMIN_USER_DN =
            "CN=Zoë Ångström (zangstroem),OU=Engineering,OU=People,DC=corp,DC=example";

    /** 田中 秀樹 ({@code htanaka}): enabled, a CJK display name and DN, in Tier0 Operators. */
    public static final String DEMO_CJK_USER_DN =
            "CN=田中 秀樹 (htanaka),OU=Sales,OU=People,DC=corp,DC=example";

    /** Dana Departed ({@code ddeparted}): disabled (514) in place, in no group. */
    public static final String DEMO_DISABLED_USER_DN =
            "CN=Dana Departed (ddeparted),OU=Operations,OU=People,DC=corp,DC=example";

    /** The generic tree's people's password (all of them): test data only. */
    public static final String GENERIC_USER_PASSWORD = "Generic-Passw0rd!";

    private Fixtures() {}

    /** Opens a fixture by its resource name; the caller closes it. */
    public static InputStream open(String resource) {
        return Objects.requireNonNull(
                Fixtures.class.getResourceAsStream(resource), "no fixture " + resource);
    }
}
