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

    public static final String DEMO_ROOT = "DC=corp,DC=example";

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

    /** The generic tree's people's password (all of them): test data only. */
    public static final String GENERIC_USER_PASSWORD = "Generic-Passw0rd!";

    private Fixtures() {}

    /** Opens a fixture by its resource name; the caller closes it. */
    public static InputStream open(String resource) {
        return Objects.requireNonNull(
                Fixtures.class.getResourceAsStream(resource), "no fixture " + resource);
    }
}
