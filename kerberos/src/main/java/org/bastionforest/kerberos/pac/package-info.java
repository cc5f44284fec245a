/**
 * MS-PAC: builds, signs, parses and verifies the Privilege Attribute Certificate that the bastion
 * KDC puts into tickets, carrying the production-group SIDs of the user's active grants.
 *
 * <p>Entry points: {@link org.bastionforest.kerberos.pac.PacBuilder} (build a {@link
 * org.bastionforest.kerberos.pac.Pac}, then {@link org.bastionforest.kerberos.pac.Pac#encode
 * encode} it signed), {@link org.bastionforest.kerberos.pac.Pac#parse} and the {@code verify*}
 * methods, {@link org.bastionforest.kerberos.pac.Pac#toAuthorizationData} to wrap the bytes in
 * {@code AD-IF-RELEVANT(AD-WIN2K-PAC)}. Independent of the KDC classes; depends only on Kerby's
 * core/crypto types and {@link org.bastionforest.shadowgroups.model.Sid}. See {@code docs/pac.md}.
 */
package org.bastionforest.kerberos.pac;
