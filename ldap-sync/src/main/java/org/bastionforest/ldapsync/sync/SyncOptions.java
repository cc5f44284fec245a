package org.bastionforest.ldapsync.sync;

import com.unboundid.ldap.sdk.DN;
import com.unboundid.ldap.sdk.Filter;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.bastionforest.shadowgroups.model.Sid;

/**
 * Everything a {@link SyncEngine} needs to know about the production side, validated at
 * construction (the message names the bad key, as in {@code sync.*} of the service's
 * configuration).
 *
 * <pre>{@code
 * SyncOptions ad = SyncOptions.activeDirectory(SourceKind.AD_DIRSYNC, new DN("DC=corp,DC=example"));
 * SyncOptions ldap = SyncOptions.generic(new DN("dc=example,dc=org"))
 *         .withUserBases(List.of(new DN("ou=people,dc=example,dc=org")));
 * }</pre>
 *
 * <p>Immutable and thread-safe.
 *
 * @param source how changes are found
 * @param userBases where users are searched (whole subtrees); at least one
 * @param userFilter which entries under the user bases are users in scope
 * @param groupBases where managed groups are searched; at least one
 * @param groupFilter which entries are groups
 * @param mapping production attribute names
 * @param pageSize entries per page of a paged search (AD's MaxPageSize is 1000), 1 to 10000
 * @param batchSize changes applied per batch; the cookie or high-water mark is committed after each
 *     batch, 1 to 10000
 * @param massDeleteShare the largest share of bastion accounts (or of shadow principals) that one
 *     run may delete, above 0 and at most 1 (1: no guard); default 0.10
 * @param managedGroups SIDs of production groups managed in addition to the shadow groups
 * @param dirSyncObjectSecurity send DirSync with {@code LDAP_DIRSYNC_OBJECT_SECURITY}: no
 *     replication right needed, only objects and attributes the account may read are returned
 * @param fullSyncInterval how long after the last completed full run the next run reads everything
 *     again (finding deletions by diff, and users that came into scope through a group membership,
 *     which neither DirSync nor USNs report); default one day
 */
public record SyncOptions(
        SourceKind source,
        List<DN> userBases,
        Filter userFilter,
        List<DN> groupBases,
        Filter groupFilter,
        AttributeMapping mapping,
        int pageSize,
        int batchSize,
        double massDeleteShare,
        Set<Sid> managedGroups,
        boolean dirSyncObjectSecurity,
        Duration fullSyncInterval,
        boolean contentSync,
        List<DN> scopeGroups) {

    public static final int DEFAULT_PAGE_SIZE = 500;
    public static final int DEFAULT_BATCH_SIZE = 200;
    public static final double DEFAULT_MASS_DELETE_SHARE = 0.10;
    public static final Duration DEFAULT_FULL_SYNC_INTERVAL = Duration.ofDays(1);

    /** Users in AD: persons, not computers ({@code objectCategory} would not match tombstones). */
    public static final Filter AD_USER_FILTER =
            Filter.createANDFilter(
                    Filter.createEqualityFilter("objectClass", "user"),
                    Filter.createNOTFilter(Filter.createEqualityFilter("objectClass", "computer")));

    public static final Filter AD_GROUP_FILTER =
            Filter.createEqualityFilter("objectClass", "group");

    public static final Filter GENERIC_USER_FILTER =
            Filter.createEqualityFilter("objectClass", "inetOrgPerson");

    public static final Filter GENERIC_GROUP_FILTER =
            Filter.createORFilter(
                    Filter.createEqualityFilter("objectClass", "groupOfNames"),
                    Filter.createEqualityFilter("objectClass", "groupOfUniqueNames"),
                    Filter.createEqualityFilter("objectClass", "posixGroup"));

    /**
     * Validates every part.
     *
     * @throws IllegalArgumentException naming the bad key
     */
    public SyncOptions {
        Objects.requireNonNull(source, "sync.source");
        Objects.requireNonNull(userFilter, "sync.userFilter");
        Objects.requireNonNull(groupFilter, "sync.groupFilter");
        Objects.requireNonNull(mapping, "sync.mapping");
        userBases = List.copyOf(Objects.requireNonNull(userBases, "sync.userBases"));
        groupBases = List.copyOf(Objects.requireNonNull(groupBases, "sync.groupBases"));
        managedGroups = Set.copyOf(Objects.requireNonNull(managedGroups, "sync.managedGroups"));
        scopeGroups = List.copyOf(Objects.requireNonNull(scopeGroups, "sync.scopeGroups"));
        if (scopeGroups.stream().anyMatch(DN::isNullDN)) {
            throw new IllegalArgumentException("sync.scopeGroups: a group DN must not be empty");
        }
        if (userBases.isEmpty() || userBases.stream().anyMatch(DN::isNullDN)) {
            throw new IllegalArgumentException(
                    "sync.userBases: at least one base DN, none of them empty");
        }
        if (groupBases.isEmpty() || groupBases.stream().anyMatch(DN::isNullDN)) {
            throw new IllegalArgumentException(
                    "sync.groupBases: at least one base DN, none of them empty");
        }
        if (pageSize < 1 || pageSize > 10_000) {
            throw new IllegalArgumentException("sync.pageSize: must be 1 to 10000");
        }
        if (batchSize < 1 || batchSize > 10_000) {
            throw new IllegalArgumentException("sync.batchSize: must be 1 to 10000");
        }
        if (!(massDeleteShare > 0 && massDeleteShare <= 1)) {
            throw new IllegalArgumentException(
                    "sync.massDeleteShare: must be above 0 and at most 1 (e.g. 0.10 for 10 %)");
        }
        Objects.requireNonNull(fullSyncInterval, "sync.fullSyncInterval");
        if (fullSyncInterval.isNegative() || fullSyncInterval.isZero()) {
            throw new IllegalArgumentException("sync.fullSyncInterval: must be positive");
        }
        if (source != SourceKind.GENERIC && !mapping.binaryAnchor()) {
            throw new IllegalArgumentException(
                    "sync.mapping.anchor: Active Directory sources are anchored by objectGUID");
        }
    }

    /** Active Directory defaults: users and groups anywhere under {@code domainRoot}. */
    public static SyncOptions activeDirectory(SourceKind source, DN domainRoot) {
        if (source == SourceKind.GENERIC) {
            throw new IllegalArgumentException("sync.source: not an Active Directory source");
        }
        return new SyncOptions(
                source,
                List.of(domainRoot),
                AD_USER_FILTER,
                List.of(domainRoot),
                AD_GROUP_FILTER,
                AttributeMapping.activeDirectory(),
                DEFAULT_PAGE_SIZE,
                DEFAULT_BATCH_SIZE,
                DEFAULT_MASS_DELETE_SHARE,
                Set.of(),
                false,
                DEFAULT_FULL_SYNC_INTERVAL,
                true,
                List.of());
    }

    /** Generic LDAPv3 defaults: inetOrgPerson users, groupOfNames groups under {@code root}. */
    public static SyncOptions generic(DN root) {
        return new SyncOptions(
                SourceKind.GENERIC,
                List.of(root),
                GENERIC_USER_FILTER,
                List.of(root),
                GENERIC_GROUP_FILTER,
                AttributeMapping.generic(),
                DEFAULT_PAGE_SIZE,
                DEFAULT_BATCH_SIZE,
                DEFAULT_MASS_DELETE_SHARE,
                Set.of(),
                false,
                DEFAULT_FULL_SYNC_INTERVAL,
                true,
                List.of());
    }

    public SyncOptions withUserBases(List<DN> bases) {
        return new SyncOptions(
                source,
                bases,
                userFilter,
                groupBases,
                groupFilter,
                mapping,
                pageSize,
                batchSize,
                massDeleteShare,
                managedGroups,
                dirSyncObjectSecurity,
                fullSyncInterval,
                contentSync,
                scopeGroups);
    }

    public SyncOptions withUserFilter(Filter filter) {
        return new SyncOptions(
                source,
                userBases,
                filter,
                groupBases,
                groupFilter,
                mapping,
                pageSize,
                batchSize,
                massDeleteShare,
                managedGroups,
                dirSyncObjectSecurity,
                fullSyncInterval,
                contentSync,
                scopeGroups);
    }

    public SyncOptions withGroupBases(List<DN> bases) {
        return new SyncOptions(
                source,
                userBases,
                userFilter,
                bases,
                groupFilter,
                mapping,
                pageSize,
                batchSize,
                massDeleteShare,
                managedGroups,
                dirSyncObjectSecurity,
                fullSyncInterval,
                contentSync,
                scopeGroups);
    }

    public SyncOptions withGroupFilter(Filter filter) {
        return new SyncOptions(
                source,
                userBases,
                userFilter,
                groupBases,
                filter,
                mapping,
                pageSize,
                batchSize,
                massDeleteShare,
                managedGroups,
                dirSyncObjectSecurity,
                fullSyncInterval,
                contentSync,
                scopeGroups);
    }

    public SyncOptions withMapping(AttributeMapping m) {
        return new SyncOptions(
                source,
                userBases,
                userFilter,
                groupBases,
                groupFilter,
                m,
                pageSize,
                batchSize,
                massDeleteShare,
                managedGroups,
                dirSyncObjectSecurity,
                fullSyncInterval,
                contentSync,
                scopeGroups);
    }

    public SyncOptions withPaging(int page, int batch) {
        return new SyncOptions(
                source,
                userBases,
                userFilter,
                groupBases,
                groupFilter,
                mapping,
                page,
                batch,
                massDeleteShare,
                managedGroups,
                dirSyncObjectSecurity,
                fullSyncInterval,
                contentSync,
                scopeGroups);
    }

    public SyncOptions withMassDeleteShare(double share) {
        return new SyncOptions(
                source,
                userBases,
                userFilter,
                groupBases,
                groupFilter,
                mapping,
                pageSize,
                batchSize,
                share,
                managedGroups,
                dirSyncObjectSecurity,
                fullSyncInterval,
                contentSync,
                scopeGroups);
    }

    public SyncOptions withManagedGroups(Set<Sid> sids) {
        return new SyncOptions(
                source,
                userBases,
                userFilter,
                groupBases,
                groupFilter,
                mapping,
                pageSize,
                batchSize,
                massDeleteShare,
                sids,
                dirSyncObjectSecurity,
                fullSyncInterval,
                contentSync,
                scopeGroups);
    }

    public SyncOptions withDirSyncObjectSecurity(boolean objectSecurity) {
        return new SyncOptions(
                source,
                userBases,
                userFilter,
                groupBases,
                groupFilter,
                mapping,
                pageSize,
                batchSize,
                massDeleteShare,
                managedGroups,
                objectSecurity,
                fullSyncInterval,
                contentSync,
                scopeGroups);
    }

    public SyncOptions withFullSyncInterval(Duration interval) {
        return new SyncOptions(
                source,
                userBases,
                userFilter,
                groupBases,
                groupFilter,
                mapping,
                pageSize,
                batchSize,
                massDeleteShare,
                managedGroups,
                dirSyncObjectSecurity,
                interval,
                contentSync,
                scopeGroups);
    }

    public SyncOptions withContentSync(boolean use) {
        return new SyncOptions(
                source,
                userBases,
                userFilter,
                groupBases,
                groupFilter,
                mapping,
                pageSize,
                batchSize,
                massDeleteShare,
                managedGroups,
                dirSyncObjectSecurity,
                fullSyncInterval,
                use,
                scopeGroups);
    }

    public SyncOptions withScopeGroups(List<DN> groups) {
        return new SyncOptions(
                source,
                userBases,
                userFilter,
                groupBases,
                groupFilter,
                mapping,
                pageSize,
                batchSize,
                massDeleteShare,
                managedGroups,
                dirSyncObjectSecurity,
                fullSyncInterval,
                contentSync,
                groups);
    }
}
