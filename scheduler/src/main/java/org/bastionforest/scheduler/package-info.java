/**
 * Quartz jobs: grant expiry, request time-outs, future starts, reconcile and periodic sync, on
 * Quartz's JDBC JobStore in the service's database. The entry class is {@link
 * org.bastionforest.scheduler.GrantScheduler}; the sync port is {@link
 * org.bastionforest.scheduler.SyncRunner}. See the module's README.md.
 *
 * <p>Depends only on {@code shadow-groups}.
 */
package org.bastionforest.scheduler;
