/**
 * Active Directory quirks of the sync: DirSync, uSNChanged high-water marks per DC, tombstones with
 * the Show Deleted control, and the root DSE check before any AD control is sent.
 */
package org.bastionforest.ldapsync.sync.ad;
