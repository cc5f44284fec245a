package org.bastionforest.ldapsync.sync;

import com.unboundid.ldap.sdk.LDAPException;
import com.unboundid.ldap.sdk.LDAPInterface;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.bastionforest.shadowgroups.errors.DirectoryUnavailableException;
import org.bastionforest.shadowgroups.model.ObjectGuid;

/**
 * How changes are read from a production directory (SPI of {@link SyncEngine}; implementations in
 * {@code sync.ad} and {@code sync.generic}). Implementations are stateless and thread-safe; a
 * {@link Session} is used by one thread.
 */
public interface ChangeSource {
    /**
     * Starts reading at {@code checkpoint} (empty: from scratch) over {@code connection}, which the
     * session uses alone until the run ends (paged-search cookies are bound to a connection).
     *
     * @throws DirectoryUnavailableException if the directory cannot serve this kind of source (e.g.
     *     no DirSync support), with a message saying what to configure instead
     */
    Session open(LDAPInterface connection, Optional<String> checkpoint)
            throws LDAPException, DirectoryUnavailableException;

    /** One run's reading. */
    interface Session {
        /** Whether every user in scope is reported (so that users not reported are gone). */
        boolean full();

        /**
         * The next batch, or empty when done.
         *
         * @throws LDAPException if the directory failed
         */
        Optional<Batch> next() throws LDAPException;

        /**
         * For sources that find deletions by diff in incremental runs: every anchor in scope now.
         * Empty when the source reports deletions itself (or the run is full).
         */
        default Optional<Set<ObjectGuid>> scopeAnchors() throws LDAPException {
            return Optional.empty();
        }
    }

    /**
     * Changes and the checkpoint to commit after they are applied.
     *
     * @param changes the changes
     * @param checkpoint where to start next time once they are applied; empty: keep the stored one
     */
    record Batch(List<SourceChange> changes, Optional<String> checkpoint) {
        public Batch {
            changes = List.copyOf(changes);
        }
    }
}
