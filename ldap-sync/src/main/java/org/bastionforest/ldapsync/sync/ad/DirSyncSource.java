package org.bastionforest.ldapsync.sync.ad;

import com.unboundid.asn1.ASN1OctetString;
import com.unboundid.ldap.sdk.DN;
import com.unboundid.ldap.sdk.Filter;
import com.unboundid.ldap.sdk.LDAPException;
import com.unboundid.ldap.sdk.LDAPInterface;
import com.unboundid.ldap.sdk.ResultCode;
import com.unboundid.ldap.sdk.SearchRequest;
import com.unboundid.ldap.sdk.SearchResult;
import com.unboundid.ldap.sdk.SearchResultEntry;
import com.unboundid.ldap.sdk.SearchScope;
import com.unboundid.ldap.sdk.experimental.ActiveDirectoryDirSyncControl;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import org.bastionforest.ldapsync.sync.ChangeSource;
import org.bastionforest.ldapsync.sync.ProductionMapper;
import org.bastionforest.ldapsync.sync.SourceChange;
import org.bastionforest.ldapsync.sync.SyncOptions;
import org.bastionforest.shadowgroups.errors.DirectoryUnavailableException;
import org.bastionforest.shadowgroups.model.ObjectGuid;

/**
 * Active Directory by the DirSync control: the domain's naming context is searched with the cookie
 * of the last run; the answer holds every user that changed since (only the changed attributes:
 * each changed user is read again by {@code <GUID=...>}) and every tombstone ({@code
 * isDeleted=TRUE}). {@code name} is requested so that renames are reported. The cookie (base64) is
 * the checkpoint after each answer.
 *
 * <p>Stateless and thread-safe; a session is used by one thread.
 */
public final class DirSyncSource implements ChangeSource {
    private final SyncOptions options;
    private final ProductionMapper mapper;

    public DirSyncSource(SyncOptions options) {
        this.options = options;
        this.mapper = new ProductionMapper(options.mapping());
    }

    @Override
    public Session open(LDAPInterface connection, Optional<String> checkpoint)
            throws LDAPException, DirectoryUnavailableException {
        RootDse root = RootDse.read(connection);
        if (!root.supports(RootDse.DIRSYNC_OID)) {
            throw new DirectoryUnavailableException(
                    "the production directory does not offer the DirSync control; set sync.source"
                            + " to AD_USN (or GENERIC)");
        }
        DN nc = root.namingContext(options.userBases());
        byte[] cookie = null;
        if (checkpoint.isPresent()) {
            try {
                cookie = Base64.getDecoder().decode(checkpoint.get());
            } catch (IllegalArgumentException e) {
                cookie = null; // not ours: start over
            }
        }
        return new DirSyncSession(connection, nc, cookie);
    }

    private final class DirSyncSession implements Session {
        private final LDAPInterface ldap;
        private final DN nc;
        private final boolean full;
        private byte[] cookie;
        private boolean done;

        DirSyncSession(LDAPInterface ldap, DN nc, byte[] cookie) {
            this.ldap = ldap;
            this.nc = nc;
            this.cookie = cookie;
            this.full = cookie == null;
        }

        @Override
        public boolean full() {
            return full;
        }

        @Override
        public Optional<Batch> next() throws LDAPException {
            if (done) {
                return Optional.empty();
            }
            List<String> attributes = new ArrayList<>(List.of(mapper.mapping().userAttributes()));
            attributes.addAll(List.of("name", "isDeleted", "lastKnownParent", "objectClass"));
            Filter filter =
                    Filter.createORFilter(
                            options.userFilter(),
                            Filter.createANDFilter(
                                    Filter.createEqualityFilter("objectClass", "user"),
                                    Filter.createEqualityFilter("isDeleted", "TRUE")));
            SearchRequest request =
                    new SearchRequest(
                            nc.toString(),
                            SearchScope.SUB,
                            filter,
                            attributes.toArray(String[]::new));
            request.addControl(
                    new ActiveDirectoryDirSyncControl(
                            true,
                            options.dirSyncObjectSecurity()
                                    ? ActiveDirectoryDirSyncControl.FLAG_OBJECT_SECURITY
                                    : 0,
                            Integer.MAX_VALUE,
                            cookie == null ? null : new ASN1OctetString(cookie)));
            SearchResult result = ldap.search(request);
            ActiveDirectoryDirSyncControl response = ActiveDirectoryDirSyncControl.get(result);
            if (response == null) {
                throw new LDAPException(
                        ResultCode.CONTROL_NOT_FOUND, "the DirSync answer carried no cookie");
            }
            List<SourceChange> changes = new ArrayList<>();
            for (SearchResultEntry entry : result.getSearchEntries()) {
                changes.add(change(entry));
            }
            byte[] next = response.getCookie() == null ? null : response.getCookie().getValue();
            if (next != null && next.length > 0) {
                cookie = next;
            }
            done = response.getFlags() == 0;
            return Optional.of(
                    new Batch(
                            changes,
                            cookie == null
                                    ? Optional.empty()
                                    : Optional.of(Base64.getEncoder().encodeToString(cookie))));
        }

        private SourceChange change(SearchResultEntry entry) throws LDAPException {
            Optional<ObjectGuid> anchor = mapper.anchor(entry);
            if (anchor.isEmpty()) {
                return new SourceChange.Unreadable(entry.getDN(), "no objectGUID");
            }
            if ("TRUE".equalsIgnoreCase(entry.getAttributeValue("isDeleted"))) {
                return new SourceChange.Gone(anchor.get(), "deleted");
            }
            if (!inScope(entry.getParsedDN())) {
                return new SourceChange.Gone(anchor.get(), "moved out of the user bases");
            }
            if (full) {
                return mapper.user(entry);
            }
            // an incremental answer holds only what changed: read the whole user again
            SearchResultEntry whole;
            try {
                whole =
                        ldap.searchForEntry(
                                "<GUID=" + anchor.get() + ">",
                                SearchScope.BASE,
                                options.userFilter(),
                                mapper.mapping().userAttributes());
            } catch (LDAPException e) {
                if (e.getResultCode() == ResultCode.NO_SUCH_OBJECT) {
                    return new SourceChange.Gone(anchor.get(), "deleted since");
                }
                throw e;
            }
            if (whole == null) {
                return new SourceChange.Gone(anchor.get(), "no longer matches sync.userFilter");
            }
            return mapper.user(whole);
        }

        private boolean inScope(DN dn) {
            return options.userBases().stream().anyMatch(base -> dn.isDescendantOf(base, true));
        }
    }
}
