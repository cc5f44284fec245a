/**
 * API tokens for non-human identities (CI jobs, scripts): created by administrators for a named
 * identity, scoped to the shadow groups it may request, shown once, stored as SHA-256 hashes,
 * expiring, revocable. Entry point: {@link org.bastionforest.shadowgroups.token.ApiTokenService}.
 */
package org.bastionforest.shadowgroups.token;
