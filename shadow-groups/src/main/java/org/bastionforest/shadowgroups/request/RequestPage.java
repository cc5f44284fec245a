package org.bastionforest.shadowgroups.request;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One page of {@link RequestService#search}.
 *
 * <p>Immutable and thread-safe.
 *
 * @param items the requests, in the query's order
 * @param next the cursor of the next page; empty when this is the last one
 */
public record RequestPage(List<AccessRequest> items, Optional<RequestQuery.Cursor> next) {
    /** Copies the list. */
    public RequestPage {
        items = List.copyOf(items);
        Objects.requireNonNull(next, "next");
    }
}
