/**
 * Requests and grants: the lifecycle {@code PENDING_APPROVAL -> APPROVED -> ACTIVE -> EXPIRED |
 * REVOKED | CLOSED}, {@code PENDING_APPROVAL -> DENIED | CANCELLED | TIMED_OUT}, run by {@link
 * org.bastionforest.shadowgroups.request.RequestService}, and the {@link
 * org.bastionforest.shadowgroups.request.EffectiveWindow} the KDC caps tickets at.
 */
package org.bastionforest.shadowgroups.request;
