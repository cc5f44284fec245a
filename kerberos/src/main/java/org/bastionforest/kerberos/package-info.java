/**
 * The bastion KDC (Apache Kerby): principals, TTL-bounded tickets, MS-PAC, keytabs.
 *
 * <p>Depends only on {@code shadow-groups}. Built by the kerberos issue; until then the service
 * starts without a KDC and {@code /health} does not list one.
 */
package org.bastionforest.kerberos;
