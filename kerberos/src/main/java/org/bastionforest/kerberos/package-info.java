/**
 * The bastion KDC: serves the bastion realm over TCP and UDP on Apache Kerby's Kerberos messages
 * and crypto, with tickets that never outlive the client's grants (invariant 1).
 *
 * <p>The face of the module: {@link org.bastionforest.kerberos.BastionKdc} (built from one {@link
 * org.bastionforest.kerberos.BastionKdc.Options} record), {@link
 * org.bastionforest.kerberos.PrincipalService} (passwords, service principals, keytabs, key and
 * krbtgt rotation, cross-realm trust), and the ports the api module implements: {@link
 * org.bastionforest.kerberos.AccountSource} (bastion accounts), {@link
 * org.bastionforest.kerberos.GrantWindows} (the core's effective window) and {@link
 * org.bastionforest.kerberos.AuthorizationDataProvider} (the MS-PAC of package {@code
 * kerberos.pac}). Depends only on {@code shadow-groups}. See {@code docs/kerberos.md}.
 */
package org.bastionforest.kerberos;
