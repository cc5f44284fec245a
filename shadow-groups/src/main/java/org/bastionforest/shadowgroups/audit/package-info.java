/**
 * The audit log: append-only, hash-chained events, written in the same transaction as the state
 * change they record.
 *
 * <p>{@link org.bastionforest.shadowgroups.audit.AuditLog} is the entry point: {@code append}
 * inside a caller's transaction, {@code verify} the chain, {@code query} with keyset paging, and
 * export as JSON lines or CSV.
 */
package org.bastionforest.shadowgroups.audit;
