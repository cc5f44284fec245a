/**
 * Multi-factor authentication: TOTP (RFC 6238) enrolment and verification ({@link
 * org.bastionforest.shadowgroups.mfa.TotpService}), with secrets encrypted at rest under a key the
 * service supplies ({@link org.bastionforest.shadowgroups.mfa.MfaKeyProvider}).
 */
package org.bastionforest.shadowgroups.mfa;
