package org.bastionforest.ldapsync.sync.generic;

import com.unboundid.asn1.ASN1OctetString;
import com.unboundid.ldap.sdk.DN;
import com.unboundid.ldap.sdk.IntermediateResponse;
import com.unboundid.ldap.sdk.IntermediateResponseListener;
import com.unboundid.ldap.sdk.LDAPException;
import com.unboundid.ldap.sdk.LDAPInterface;
import com.unboundid.ldap.sdk.ResultCode;
import com.unboundid.ldap.sdk.SearchRequest;
import com.unboundid.ldap.sdk.SearchResult;
import com.unboundid.ldap.sdk.SearchResultEntry;
import com.unboundid.ldap.sdk.SearchScope;
import com.unboundid.ldap.sdk.controls.ContentSyncDoneControl;
import com.unboundid.ldap.sdk.controls.ContentSyncInfoIntermediateResponse;
import com.unboundid.ldap.sdk.controls.ContentSyncInfoType;
import com.unboundid.ldap.sdk.controls.ContentSyncRequestControl;
import com.unboundid.ldap.sdk.controls.ContentSyncRequestMode;
import com.unboundid.ldap.sdk.controls.ContentSyncState;
import com.unboundid.ldap.sdk.controls.ContentSyncStateControl;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.bastionforest.ldapsync.sync.ChangeSource;
import org.bastionforest.ldapsync.sync.ProductionMapper;
import org.bastionforest.ldapsync.sync.SourceChange;
import org.bastionforest.ldapsync.sync.SyncOptions;
import org.bastionforest.shadowgroups.model.ObjectGuid;

/**
 * A generic directory by RFC 4533 content synchronization in refreshOnly mode (OpenLDAP's
 * syncprov): one search of the user base with the cookie of the last run; the server returns what
 * was added or changed since, and either the deleted entries' UUIDs (refreshDeletes) or those of
 * every unchanged entry still in scope (the present phase: the engine deletes the rest). The
 * checkpoint is {@value #PREFIX} and the base64 cookie. Only for a single user base; the answer of
 * one search is held in memory (small after the first run).
 *
 * <p>Stateless and thread-safe; a session is used by one thread.
 */
public final class ContentSyncSource implements ChangeSource {
    /** The prefix of this source's checkpoints. */
    public static final String PREFIX = "rfc4533:";

    private final SyncOptions options;
    private final ProductionMapper mapper;

    public ContentSyncSource(SyncOptions options) {
        if (options.userBases().size() != 1) {
            throw new IllegalArgumentException(
                    "content synchronization reads exactly one sync.userBases entry");
        }
        this.options = options;
        this.mapper = new ProductionMapper(options.mapping());
    }

    @Override
    public Session open(LDAPInterface connection, Optional<String> checkpoint) {
        byte[] cookie = null;
        if (checkpoint.isPresent() && checkpoint.get().startsWith(PREFIX)) {
            try {
                cookie = Base64.getDecoder().decode(checkpoint.get().substring(PREFIX.length()));
            } catch (IllegalArgumentException e) {
                cookie = null; // not ours: start over
            }
        }
        return new ContentSyncSession(connection, cookie);
    }

    /** Collects the UUIDs of sync info messages (syncIdSet) while the search runs. */
    private static final class SyncInfo implements IntermediateResponseListener {
        private static final long serialVersionUID = 1L;

        final ArrayList<UUID> present = new ArrayList<>();
        final ArrayList<UUID> deleted = new ArrayList<>();

        @Override
        public void intermediateResponseReturned(IntermediateResponse response) {
            ContentSyncInfoIntermediateResponse info;
            try {
                info = ContentSyncInfoIntermediateResponse.decode(response);
            } catch (LDAPException e) {
                return; // not a sync info message
            }
            if (info.getType() == ContentSyncInfoType.SYNC_ID_SET) {
                (info.refreshDeletes() ? deleted : present).addAll(info.getEntryUUIDs());
            }
        }
    }

    private final class ContentSyncSession implements Session {
        private final LDAPInterface ldap;
        private final byte[] cookie;
        private final Set<ObjectGuid> present = new HashSet<>();
        private final List<ObjectGuid> deleted = new ArrayList<>();
        private boolean presentPhase;
        private boolean done;

        ContentSyncSession(LDAPInterface ldap, byte[] cookie) {
            this.ldap = ldap;
            this.cookie = cookie;
        }

        @Override
        public boolean full() {
            return cookie == null;
        }

        @Override
        public Optional<Batch> next() throws LDAPException {
            if (done) {
                return Optional.empty();
            }
            done = true;
            DN base = options.userBases().get(0);
            List<String> attributes = new ArrayList<>(List.of(mapper.mapping().userAttributes()));
            attributes.add("entryUUID");
            SearchRequest request =
                    new SearchRequest(
                            base.toString(),
                            SearchScope.SUB,
                            options.userFilter(),
                            attributes.toArray(String[]::new));
            request.addControl(
                    new ContentSyncRequestControl(
                            true,
                            ContentSyncRequestMode.REFRESH_ONLY,
                            cookie == null ? null : new ASN1OctetString(cookie),
                            false));
            SyncInfo info = new SyncInfo();
            request.setIntermediateResponseListener(info);
            SearchResult result = ldap.search(request);
            info.present.forEach(uuid -> present.add(new ObjectGuid(uuid)));
            info.deleted.forEach(uuid -> deleted.add(new ObjectGuid(uuid)));
            ContentSyncDoneControl doneControl = ContentSyncDoneControl.get(result);
            if (doneControl == null) {
                throw new LDAPException(
                        ResultCode.CONTROL_NOT_FOUND, "the content sync answer carried no cookie");
            }
            List<SourceChange> changes = new ArrayList<>();
            for (SearchResultEntry entry : result.getSearchEntries()) {
                ContentSyncStateControl state = ContentSyncStateControl.get(entry);
                if (state == null) {
                    changes.add(mapper.user(entry));
                    continue;
                }
                ObjectGuid anchor = new ObjectGuid(state.getEntryUUID());
                if (state.getState() == ContentSyncState.PRESENT) {
                    present.add(anchor);
                } else if (state.getState() == ContentSyncState.DELETE) {
                    deleted.add(anchor);
                } else {
                    SourceChange change = mapper.user(entry);
                    if (change instanceof SourceChange.Upsert upsert) {
                        present.add(upsert.user().anchor());
                    }
                    changes.add(change);
                }
            }
            presentPhase = cookie != null && !doneControl.refreshDeletes();
            for (ObjectGuid anchor : deleted) {
                changes.add(new SourceChange.Gone(anchor, "deleted or left the scope"));
            }
            ASN1OctetString next = doneControl.getCookie();
            Optional<String> checkpoint =
                    next == null || next.getValueLength() == 0
                            ? Optional.empty()
                            : Optional.of(
                                    PREFIX + Base64.getEncoder().encodeToString(next.getValue()));
            return Optional.of(new Batch(changes, checkpoint));
        }

        @Override
        public Optional<Set<ObjectGuid>> scopeAnchors() {
            return presentPhase ? Optional.of(present) : Optional.empty();
        }
    }
}
