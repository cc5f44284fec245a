package org.bastionforest.ldapsync.sync;

import com.unboundid.asn1.ASN1OctetString;
import com.unboundid.ldap.sdk.Control;
import com.unboundid.ldap.sdk.DN;
import com.unboundid.ldap.sdk.Filter;
import com.unboundid.ldap.sdk.LDAPException;
import com.unboundid.ldap.sdk.LDAPInterface;
import com.unboundid.ldap.sdk.SearchRequest;
import com.unboundid.ldap.sdk.SearchResult;
import com.unboundid.ldap.sdk.SearchResultEntry;
import com.unboundid.ldap.sdk.SearchScope;
import com.unboundid.ldap.sdk.controls.SimplePagedResultsControl;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A subtree search read one page at a time (RFC 2696 simple paged results, sent non-critical: a
 * server without it answers everything in one page). Use one connection for all pages: servers such
 * as AD bind the paging cookie to the connection.
 *
 * <pre>{@code
 * PagedSearch search = new PagedSearch(connection, base, filter, 500, List.of(), "objectGUID");
 * for (Optional<List<SearchResultEntry>> page; (page = search.next()).isPresent(); ) { ... }
 * }</pre>
 *
 * <p>Not thread-safe.
 */
public final class PagedSearch {
    private final LDAPInterface ldap;
    private final DN base;
    private final Filter filter;
    private final int pageSize;
    private final List<Control> controls;
    private final String[] attributes;
    private ASN1OctetString cookie = new ASN1OctetString();
    private boolean done;

    public PagedSearch(
            LDAPInterface ldap,
            DN base,
            Filter filter,
            int pageSize,
            List<Control> controls,
            String... attributes) {
        this.ldap = ldap;
        this.base = base;
        this.filter = filter;
        this.pageSize = pageSize;
        this.controls = List.copyOf(controls);
        this.attributes = attributes.clone();
    }

    /** The next page, or empty when the search is over. */
    public Optional<List<SearchResultEntry>> next() throws LDAPException {
        if (done) {
            return Optional.empty();
        }
        SearchRequest request =
                new SearchRequest(base.toString(), SearchScope.SUB, filter, attributes);
        request.addControls(controls.toArray(Control[]::new));
        request.addControl(new SimplePagedResultsControl(pageSize, cookie, false));
        SearchResult result = ldap.search(request);
        SimplePagedResultsControl response = SimplePagedResultsControl.get(result);
        if (response == null || !response.moreResultsToReturn()) {
            done = true;
        } else {
            cookie = response.getCookie();
        }
        return Optional.of(new ArrayList<>(result.getSearchEntries()));
    }
}
