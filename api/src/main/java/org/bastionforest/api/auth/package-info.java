/**
 * Authentication of API callers: HTTP Basic verified by an LDAP bind against the production
 * directory, API tokens, Kerberos SPNEGO; and the throttle that slows down password guessing.
 */
package org.bastionforest.api.auth;
