/**
 * The production -> bastion sync: {@link org.bastionforest.ldapsync.sync.SyncEngine} (the entry
 * point, built from one {@link org.bastionforest.ldapsync.sync.SyncOptions}), its results ({@link
 * org.bastionforest.ldapsync.sync.SyncResult}, {@link org.bastionforest.ldapsync.sync.SyncPlan}),
 * and the SPI its sources implement ({@link org.bastionforest.ldapsync.sync.ChangeSource}; Active
 * Directory in {@code sync.ad}, generic LDAPv3 in {@code sync.generic}). See {@code docs/sync.md}.
 */
package org.bastionforest.ldapsync.sync;
