package org.bastionforest.ldapsync.sync.ad;

import com.unboundid.ldap.sdk.Control;
import com.unboundid.ldap.sdk.DN;
import com.unboundid.ldap.sdk.Filter;
import com.unboundid.ldap.sdk.LDAPException;
import com.unboundid.ldap.sdk.LDAPInterface;
import com.unboundid.ldap.sdk.ResultCode;
import com.unboundid.ldap.sdk.SearchResultEntry;
import com.unboundid.ldap.sdk.SearchScope;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.bastionforest.ldapsync.sync.ChangeSource;
import org.bastionforest.ldapsync.sync.PagedSearch;
import org.bastionforest.ldapsync.sync.ProductionMapper;
import org.bastionforest.ldapsync.sync.SourceChange;
import org.bastionforest.ldapsync.sync.SyncOptions;
import org.bastionforest.shadowgroups.errors.DirectoryUnavailableException;
import org.bastionforest.shadowgroups.model.ObjectGuid;

/**
 * Active Directory by {@code uSNChanged} high-water mark, for sync accounts without the DirSync
 * right. The checkpoint is {@code <dsServiceName>|<highestCommittedUSN read at the start>}: USNs
 * are per domain controller, so a run that reaches another DC (fail-over) reads everything again.
 *
 * <p>An incremental run reads, paged: (1) users in the bases with a higher {@code uSNChanged}; (2)
 * users anywhere in the domain with a higher {@code uSNChanged} that (1) did not return: moved out
 * of the bases or no longer matching the filter, so gone from scope; (3) tombstones with a higher
 * {@code uSNChanged}, with the Show Deleted control (when the DC offers it). A directory whose root
 * DSE has no USN (the demo directory) is read in full every run, deletions found by diff.
 *
 * <p>Stateless and thread-safe; a session is used by one thread.
 */
public final class UsnSource implements ChangeSource {
    private final SyncOptions options;
    private final ProductionMapper mapper;

    public UsnSource(SyncOptions options) {
        this.options = options;
        this.mapper = new ProductionMapper(options.mapping());
    }

    @Override
    public Session open(LDAPInterface connection, Optional<String> checkpoint)
            throws LDAPException, DirectoryUnavailableException {
        RootDse root = RootDse.read(connection);
        if (root.dsServiceName().isEmpty() || root.highestCommittedUsn().isEmpty()) {
            return new UsnSession(connection, null, root, null, Optional.empty());
        }
        DN nc = root.namingContext(options.userBases());
        String server = root.dsServiceName().get();
        Long from = null;
        if (checkpoint.isPresent()) {
            int bar = checkpoint.get().lastIndexOf('|');
            if (bar > 0 && checkpoint.get().substring(0, bar).equals(server)) {
                try {
                    from = Long.parseLong(checkpoint.get().substring(bar + 1));
                } catch (NumberFormatException e) {
                    from = null;
                }
            }
        }
        return new UsnSession(
                connection,
                nc,
                root,
                from,
                Optional.of(server + "|" + root.highestCommittedUsn().get()));
    }

    private final class UsnSession implements Session {
        private final LDAPInterface ldap;
        private final Long from;
        private final Optional<String> end;
        private final Deque<Phase> phases = new ArrayDeque<>();
        private final Set<ObjectGuid> inScopeChanged = new HashSet<>();
        private boolean finished;

        private record Phase(int kind, PagedSearch search) {}

        UsnSession(LDAPInterface ldap, DN nc, RootDse root, Long from, Optional<String> end) {
            this.ldap = ldap;
            this.from = from;
            this.end = end;
            String[] attributes = mapper.mapping().userAttributes();
            for (DN base : options.userBases()) {
                Filter filter =
                        from == null
                                ? options.userFilter()
                                : Filter.createANDFilter(options.userFilter(), changedSince());
                phases.add(
                        new Phase(
                                1,
                                new PagedSearch(
                                        ldap,
                                        base,
                                        filter,
                                        options.pageSize(),
                                        List.of(),
                                        attributes)));
            }
            if (from != null) {
                Filter users =
                        Filter.createANDFilter(
                                Filter.createEqualityFilter("objectClass", "user"), changedSince());
                phases.add(
                        new Phase(
                                2,
                                new PagedSearch(
                                        ldap,
                                        nc,
                                        users,
                                        options.pageSize(),
                                        List.of(),
                                        mapper.mapping().anchor())));
                if (root.supports(RootDse.SHOW_DELETED_OID)) {
                    Filter tombstones =
                            Filter.createANDFilter(
                                    Filter.createEqualityFilter("objectClass", "user"),
                                    Filter.createEqualityFilter("isDeleted", "TRUE"),
                                    changedSince());
                    phases.add(
                            new Phase(
                                    3,
                                    new PagedSearch(
                                            ldap,
                                            nc,
                                            tombstones,
                                            options.pageSize(),
                                            List.of(new Control(RootDse.SHOW_DELETED_OID, true)),
                                            mapper.mapping().anchor())));
                }
            }
        }

        private Filter changedSince() {
            return Filter.createGreaterOrEqualFilter("uSNChanged", Long.toString(from + 1));
        }

        @Override
        public boolean full() {
            return from == null;
        }

        @Override
        public Optional<Batch> next() throws LDAPException {
            while (!phases.isEmpty()) {
                Phase phase = phases.peek();
                Optional<List<SearchResultEntry>> page = phase.search().next();
                if (page.isEmpty()) {
                    phases.pop();
                    continue;
                }
                List<SourceChange> changes = new ArrayList<>();
                for (SearchResultEntry entry : page.get()) {
                    SourceChange change = change(phase.kind(), entry);
                    if (change != null) {
                        changes.add(change);
                    }
                }
                return Optional.of(new Batch(changes, Optional.empty()));
            }
            if (finished) {
                return Optional.empty();
            }
            finished = true;
            return Optional.of(new Batch(List.of(), end)); // commit the mark only at the end
        }

        private SourceChange change(int kind, SearchResultEntry entry) throws LDAPException {
            if (kind == 1) {
                SourceChange change = mapper.user(entry);
                if (change instanceof SourceChange.Upsert upsert) {
                    inScopeChanged.add(upsert.user().anchor());
                }
                return change;
            }
            Optional<ObjectGuid> anchor = mapper.anchor(entry);
            if (anchor.isEmpty() || inScopeChanged.contains(anchor.get())) {
                return null;
            }
            if (kind == 3) {
                return new SourceChange.Gone(anchor.get(), "deleted");
            }
            // changed, in the domain, but not returned in scope: in scope after all (changed
            // between the two searches) or gone from it
            DN dn = entry.getParsedDN();
            if (options.userBases().stream().anyMatch(base -> dn.isDescendantOf(base, true))) {
                try {
                    SearchResultEntry whole =
                            ldap.searchForEntry(
                                    dn.toString(),
                                    SearchScope.BASE,
                                    options.userFilter(),
                                    mapper.mapping().userAttributes());
                    if (whole != null) {
                        return mapper.user(whole);
                    }
                } catch (LDAPException e) {
                    if (e.getResultCode() != ResultCode.NO_SUCH_OBJECT) {
                        throw e;
                    }
                }
            }
            return new SourceChange.Gone(anchor.get(), "left the sync scope");
        }
    }
}
