package org.bastionforest.ldapsync.sync;

import java.util.Objects;
import org.bastionforest.shadowgroups.model.ObjectGuid;

/** One change a {@link ChangeSource} reports. Immutable. */
public sealed interface SourceChange {
    /** The user exists in scope with these values (new or changed: the engine compares). */
    record Upsert(ProductionUser user) implements SourceChange {
        public Upsert {
            Objects.requireNonNull(user, "user");
        }
    }

    /** The object was deleted or left the scope. */
    record Gone(ObjectGuid anchor, String why) implements SourceChange {
        public Gone {
            Objects.requireNonNull(anchor, "anchor");
            Objects.requireNonNull(why, "why");
        }
    }

    /** The entry could not be mapped (e.g. no logon name); counted as failed. */
    record Unreadable(String dn, String why) implements SourceChange {
        public Unreadable {
            Objects.requireNonNull(dn, "dn");
            Objects.requireNonNull(why, "why");
        }
    }
}
