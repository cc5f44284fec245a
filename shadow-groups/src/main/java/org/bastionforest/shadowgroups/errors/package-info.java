/**
 * The core's checked exception family.
 *
 * <p>Every failure that a caller is expected to handle is a {@link
 * org.bastionforest.shadowgroups.errors.BastionException} subclass carrying a stable {@linkplain
 * org.bastionforest.shadowgroups.errors.BastionException#errorId() error id}. Third-party
 * exceptions (JDBC, LDAP, ...) are translated into this family in exactly one adapter method per
 * library; the API maps the family to RFC 9457 problem+json in exactly one place.
 */
package org.bastionforest.shadowgroups.errors;
