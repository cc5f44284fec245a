/**
 * The REST API under {@code /api/v1}: resources, the caller's identity, problem+json errors,
 * paging. Resources are thin: every authorization decision is taken by the core services they call.
 */
package org.bastionforest.api.rest;
