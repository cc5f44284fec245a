package org.bastionforest.shadowgroups.request;

/**
 * Where a request is in its lifecycle (DESIGN.md): {@code PENDING_APPROVAL -> APPROVED -> ACTIVE ->
 * EXPIRED | REVOKED | CLOSED}, or {@code PENDING_APPROVAL -> DENIED | CANCELLED | TIMED_OUT}.
 */
public enum RequestState {
    /** Waiting for approvers. */
    PENDING_APPROVAL,
    /** Approved (or needing no approval), waiting for its start time or the requester's MFA. */
    APPROVED,
    /** The grant is active: the user holds the shadow group. */
    ACTIVE,
    /** The grant reached its end. */
    EXPIRED,
    /** An administrator ended the grant. */
    REVOKED,
    /** The requester ended the grant early. */
    CLOSED,
    /** An approver denied it. */
    DENIED,
    /** The requester withdrew it before a decision. */
    CANCELLED,
    /** Nobody decided within the approval time-out. */
    TIMED_OUT;

    /** True for the states a request never leaves. */
    public boolean isFinal() {
        return this != PENDING_APPROVAL && this != APPROVED && this != ACTIVE;
    }
}
