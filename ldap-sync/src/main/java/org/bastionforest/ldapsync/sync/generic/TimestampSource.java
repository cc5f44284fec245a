package org.bastionforest.ldapsync.sync.generic;

import com.unboundid.ldap.sdk.DN;
import com.unboundid.ldap.sdk.Filter;
import com.unboundid.ldap.sdk.LDAPException;
import com.unboundid.ldap.sdk.LDAPInterface;
import com.unboundid.ldap.sdk.SearchResultEntry;
import com.unboundid.util.StaticUtils;
import java.text.ParseException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Date;
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
import org.bastionforest.shadowgroups.model.ObjectGuid;

/**
 * Any LDAPv3 directory: users whose {@code modifyTimestamp} or {@code createTimestamp} is at or
 * after the high-water mark (the latest of both seen so far, in the server's own generalized time;
 * entries of that very second are read again, which changes nothing), and, on every incremental
 * run, the identifiers ({@code entryUUID}) of all users in scope, so that the engine finds
 * deletions by diff.
 *
 * <p>Stateless and thread-safe; a session is used by one thread.
 */
public final class TimestampSource implements ChangeSource {
    private final SyncOptions options;
    private final ProductionMapper mapper;

    public TimestampSource(SyncOptions options) {
        this.options = options;
        this.mapper = new ProductionMapper(options.mapping());
    }

    @Override
    public Session open(LDAPInterface connection, Optional<String> checkpoint) {
        Optional<String> mark = checkpoint.filter(TimestampSource::isTime);
        return new TimestampSession(connection, mark);
    }

    private static boolean isTime(String text) {
        try {
            StaticUtils.decodeGeneralizedTime(text);
            return true;
        } catch (ParseException e) {
            return false;
        }
    }

    private final class TimestampSession implements Session {
        private final LDAPInterface ldap;
        private final Optional<String> from;
        private final Deque<PagedSearch> searches = new ArrayDeque<>();
        private String highest;
        private Date highestTime;
        private boolean finished;

        TimestampSession(LDAPInterface ldap, Optional<String> from) {
            this.ldap = ldap;
            this.from = from;
            List<String> attributes = new ArrayList<>(List.of(mapper.mapping().userAttributes()));
            attributes.add("modifyTimestamp");
            attributes.add("createTimestamp");
            for (DN base : options.userBases()) {
                Filter filter =
                        from.isEmpty()
                                ? options.userFilter()
                                : Filter.createANDFilter(
                                        options.userFilter(),
                                        // ApacheDS sets no modifyTimestamp on a new entry
                                        Filter.createORFilter(
                                                Filter.createGreaterOrEqualFilter(
                                                        "modifyTimestamp", from.get()),
                                                Filter.createGreaterOrEqualFilter(
                                                        "createTimestamp", from.get())));
                searches.add(
                        new PagedSearch(
                                ldap,
                                base,
                                filter,
                                options.pageSize(),
                                List.of(),
                                attributes.toArray(String[]::new)));
            }
        }

        @Override
        public boolean full() {
            return from.isEmpty();
        }

        @Override
        public Optional<Batch> next() throws LDAPException {
            while (!searches.isEmpty()) {
                Optional<List<SearchResultEntry>> page = searches.peek().next();
                if (page.isEmpty()) {
                    searches.pop();
                    continue;
                }
                List<SourceChange> changes = new ArrayList<>();
                for (SearchResultEntry entry : page.get()) {
                    note(entry.getAttributeValue("modifyTimestamp"));
                    note(entry.getAttributeValue("createTimestamp"));
                    changes.add(mapper.user(entry));
                }
                return Optional.of(new Batch(changes, Optional.empty()));
            }
            if (finished) {
                return Optional.empty();
            }
            finished = true;
            return Optional.of(new Batch(List.of(), highest == null ? from : Optional.of(highest)));
        }

        private void note(String time) {
            if (time == null) {
                return;
            }
            try {
                Date t = StaticUtils.decodeGeneralizedTime(time);
                if (highestTime == null || t.after(highestTime)) {
                    highestTime = t;
                    highest = time;
                }
            } catch (ParseException e) {
                // not a time: ignore
            }
        }

        @Override
        public Optional<Set<ObjectGuid>> scopeAnchors() throws LDAPException {
            if (from.isEmpty()) {
                return Optional.empty();
            }
            Set<ObjectGuid> anchors = new HashSet<>();
            for (DN base : options.userBases()) {
                PagedSearch search =
                        new PagedSearch(
                                ldap,
                                base,
                                options.userFilter(),
                                options.pageSize(),
                                List.of(),
                                mapper.mapping().anchor());
                for (Optional<List<SearchResultEntry>> page; (page = search.next()).isPresent(); ) {
                    for (SearchResultEntry entry : page.get()) {
                        mapper.anchor(entry).ifPresent(anchors::add);
                    }
                }
            }
            return Optional.of(anchors);
        }
    }
}
