/**
 * Generic LDAPv3 sources of the sync: RFC 4533 content synchronization where the server really
 * offers it, else modifyTimestamp / createTimestamp high-water marks with a diff of entryUUIDs.
 */
package org.bastionforest.ldapsync.sync.generic;
