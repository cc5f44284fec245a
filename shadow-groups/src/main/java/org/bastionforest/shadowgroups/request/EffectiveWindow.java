package org.bastionforest.shadowgroups.request;

import java.time.Instant;
import java.util.Collections;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.bastionforest.shadowgroups.model.Sid;
import org.bastionforest.shadowgroups.policy.UserId;

/**
 * What a user holds at one instant: the production group SIDs of their active grants, each with its
 * end, and the earliest of those ends, which is the latest any Kerberos ticket carrying these SIDs
 * may end (invariant 1).
 *
 * <p>Immutable and thread-safe.
 *
 * @param user the user
 * @param asOf the instant this was computed for
 * @param grants the SIDs held, each with the end of its grant
 */
public record EffectiveWindow(UserId user, Instant asOf, Map<Sid, Instant> grants) {
    /** Copies the map (sorted by SID). */
    public EffectiveWindow {
        grants = Collections.unmodifiableMap(new TreeMap<>(grants));
    }

    /** The SIDs held at {@link #asOf()}. */
    public java.util.Set<Sid> sids() {
        return grants.keySet();
    }

    /** The earliest end among the grants; empty when the user holds none. */
    public Optional<Instant> until() {
        return grants.values().stream().min(Instant::compareTo);
    }
}
