package org.bastionforest.ldapsync.sync.generic;

import com.unboundid.ldap.sdk.DN;
import com.unboundid.ldap.sdk.Entry;
import com.unboundid.ldap.sdk.Filter;
import com.unboundid.ldap.sdk.LDAPException;
import com.unboundid.ldap.sdk.LDAPInterface;
import com.unboundid.ldap.sdk.ResultCode;
import com.unboundid.ldap.sdk.SearchRequest;
import com.unboundid.ldap.sdk.SearchScope;
import com.unboundid.ldap.sdk.controls.ContentSyncRequestControl;
import com.unboundid.ldap.sdk.controls.ContentSyncRequestMode;
import java.util.Optional;
import org.bastionforest.ldapsync.sync.ChangeSource;
import org.bastionforest.ldapsync.sync.SyncOptions;
import org.bastionforest.shadowgroups.errors.DirectoryUnavailableException;

/**
 * A generic LDAPv3 directory: RFC 4533 content synchronization ({@link ContentSyncSource}) when the
 * server offers it (root DSE and a probe) and there is one user base, else {@code modifyTimestamp}
 * high-water marks ({@link TimestampSource}). Stateless and thread-safe.
 */
public final class GenericSource implements ChangeSource {
    private final TimestampSource timestamps;
    private final DN base;
    private final Filter userFilter;
    private final Optional<ContentSyncSource> contentSync;

    public GenericSource(SyncOptions options, boolean allowContentSync) {
        this.timestamps = new TimestampSource(options);
        this.base = options.userBases().get(0);
        this.userFilter = options.userFilter();
        this.contentSync =
                allowContentSync && options.userBases().size() == 1
                        ? Optional.of(new ContentSyncSource(options))
                        : Optional.empty();
    }

    @Override
    public Session open(LDAPInterface connection, Optional<String> checkpoint)
            throws LDAPException, DirectoryUnavailableException {
        if (contentSync.isPresent() && offersContentSync(connection)) {
            return contentSync.get().open(connection, checkpoint);
        }
        return timestamps.open(connection, checkpoint);
    }

    /**
     * Whether the root DSE lists the control and a small content sync search of the user base
     * succeeds: ApacheDS lists it but answers "Replication is not allowed on this server" unless
     * its replication provider is configured.
     */
    private boolean offersContentSync(LDAPInterface ldap) throws LDAPException {
        Entry root = ldap.getEntry("", "supportedControl");
        if (root == null
                || !root.hasAttributeValue(
                        "supportedControl", ContentSyncRequestControl.SYNC_REQUEST_OID)) {
            return false;
        }
        SearchRequest probe =
                new SearchRequest(
                        base.toString(), SearchScope.SUB, userFilter, SearchRequest.NO_ATTRIBUTES);
        probe.setSizeLimit(1);
        probe.addControl(
                new ContentSyncRequestControl(
                        true, ContentSyncRequestMode.REFRESH_ONLY, null, false));
        try {
            ldap.search(probe);
            return true;
        } catch (LDAPException e) {
            if (e.getResultCode() == ResultCode.SIZE_LIMIT_EXCEEDED) {
                return true; // it answered entries
            }
            if (e.getResultCode().isClientSideResultCode()) {
                throw e; // the server is not reachable: the run fails
            }
            return false; // the server refused it: use timestamps
        }
    }
}
