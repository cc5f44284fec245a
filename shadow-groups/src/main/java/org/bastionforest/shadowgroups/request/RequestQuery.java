package org.bastionforest.shadowgroups.request;

import java.time.Instant;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.bastionforest.shadowgroups.policy.ShadowGroupId;
import org.bastionforest.shadowgroups.policy.UserId;

/**
 * Which requests to list with {@link RequestService#search}: whose ({@link Scope}), in which
 * states, for which shadow group, in which order, a page at a time (keyset paging: pass the page's
 * {@link RequestPage#next()} cursor to get the next one).
 *
 * <pre>{@code
 * RequestPage page = requests.search(alice, RequestQuery.mine().states(Set.of(RequestState.ACTIVE)));
 * RequestPage more = requests.search(alice, RequestQuery.mine().after(page.next().orElseThrow()));
 * }</pre>
 *
 * <p>Immutable and thread-safe.
 *
 * @param scope the caller's own requests, or everybody's (administrators only)
 * @param requester with {@link Scope#ALL}: only this user's requests
 * @param states only these states; empty for all
 * @param group only this shadow group
 * @param newestFirst order by creation time, newest first (else oldest first)
 * @param after the cursor of the previous page
 * @param limit at most this many, 1 to {@value #MAX_LIMIT}
 */
public record RequestQuery(
        Scope scope,
        Optional<UserId> requester,
        Set<RequestState> states,
        Optional<ShadowGroupId> group,
        boolean newestFirst,
        Optional<Cursor> after,
        int limit) {

    /** The largest page. */
    public static final int MAX_LIMIT = 200;

    /** The default page. */
    public static final int DEFAULT_LIMIT = 50;

    /** Whose requests. */
    public enum Scope {
        /** The caller's own. */
        MINE,
        /** Everybody's: administrators only. */
        ALL
    }

    /**
     * A position in a listing: the last request of a page.
     *
     * @param createdAt its creation time
     * @param id its id
     */
    public record Cursor(Instant createdAt, RequestId id) {
        /** Checks for null. */
        public Cursor {
            Objects.requireNonNull(createdAt, "createdAt");
            Objects.requireNonNull(id, "id");
        }
    }

    /**
     * Validates the query.
     *
     * @throws IllegalArgumentException naming the bad field
     */
    public RequestQuery {
        Objects.requireNonNull(scope, "scope");
        Objects.requireNonNull(requester, "requester");
        Objects.requireNonNull(group, "group");
        Objects.requireNonNull(after, "after");
        states = states == null || states.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(states));
        if (limit < 1 || limit > MAX_LIMIT) {
            throw new IllegalArgumentException("limit must be between 1 and " + MAX_LIMIT);
        }
        if (scope == Scope.MINE && requester.isPresent()) {
            throw new IllegalArgumentException("requester is only used with scope ALL");
        }
    }

    /** The caller's requests, newest first, {@value #DEFAULT_LIMIT} at a time. */
    public static RequestQuery mine() {
        return new RequestQuery(
                Scope.MINE,
                Optional.empty(),
                Set.of(),
                Optional.empty(),
                true,
                Optional.empty(),
                DEFAULT_LIMIT);
    }

    /** Everybody's requests (administrators only), newest first. */
    public static RequestQuery all() {
        return new RequestQuery(
                Scope.ALL,
                Optional.empty(),
                Set.of(),
                Optional.empty(),
                true,
                Optional.empty(),
                DEFAULT_LIMIT);
    }

    /** Only requests of {@code user} (with scope ALL). */
    public RequestQuery requester(UserId user) {
        return new RequestQuery(scope, Optional.of(user), states, group, newestFirst, after, limit);
    }

    /** Only requests in these states. */
    public RequestQuery states(Set<RequestState> s) {
        return new RequestQuery(scope, requester, s, group, newestFirst, after, limit);
    }

    /** Only requests for this group. */
    public RequestQuery group(ShadowGroupId g) {
        return new RequestQuery(
                scope, requester, states, Optional.of(g), newestFirst, after, limit);
    }

    /** In this order. */
    public RequestQuery newestFirst(boolean newest) {
        return new RequestQuery(scope, requester, states, group, newest, after, limit);
    }

    /** The page after this cursor. */
    public RequestQuery after(Cursor cursor) {
        return new RequestQuery(
                scope, requester, states, group, newestFirst, Optional.of(cursor), limit);
    }

    /** At most this many. */
    public RequestQuery limit(int n) {
        return new RequestQuery(scope, requester, states, group, newestFirst, after, n);
    }
}
