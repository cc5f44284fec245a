package org.bastionforest.ldapsync.sync;

/** Where the sync reads production users from, and how it finds what changed. */
public enum SourceKind {
    /**
     * Active Directory with the DirSync control ({@code 1.2.840.113556.1.4.841}): the server hands
     * out a cookie and returns what changed since, deletions included. Needs the "Replicating
     * Directory Changes" right on the domain (or {@link SyncOptions#dirSyncObjectSecurity()}).
     */
    AD_DIRSYNC,
    /**
     * Active Directory by {@code uSNChanged} high-water mark per domain controller, tombstones read
     * with the Show Deleted control: for sync accounts without the DirSync right. A directory whose
     * root DSE has no {@code highestCommittedUSN} (the demo directory) is read in full every run.
     */
    AD_USN,
    /**
     * Any LDAPv3 directory (OpenLDAP, ApacheDS): changes by {@code modifyTimestamp}, deletions by a
     * full diff of the entries' identifiers ({@code entryUUID}) on every run.
     */
    GENERIC
}
