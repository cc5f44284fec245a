/**
 * The KDC's own DER codec for the Kerberos messages on its request path (RFC 4120 section 5), built
 * on Apache Kerby's message types: {@link org.bastionforest.kerberos.der.KdcCodec} decodes requests
 * strictly and encodes replies, tickets and errors byte for byte as Kerby's {@code KrbCodec} would.
 */
package org.bastionforest.kerberos.der;
