/**
 * Quartz jobs: grant expiry, request time-outs, reconcile and periodic sync.
 *
 * <p>Depends only on {@code shadow-groups}. Built by the scheduler issue; until then the service
 * starts without a scheduler and {@code /health} does not list one.
 */
package org.bastionforest.scheduler;
