package org.bastionforest.ldapsync.embedded;

import com.unboundid.ldap.listener.interceptor.InMemoryInterceptedExtendedRequest;
import com.unboundid.ldap.sdk.LDAPException;
import com.unboundid.ldap.sdk.ResultCode;
import com.unboundid.ldap.sdk.extensions.WhoAmIExtendedRequest;

/**
 * The extended operations the embedded directories accept. UnboundID's in-memory server also offers
 * password modify (RFC 3062) and transactions (RFC 5805), whose handlers change entries directly,
 * past the interceptors that journal the bastion directory and keep the demo production directory
 * read-only; both are refused. Stateless.
 */
final class ExtendedOperations {
    private ExtendedOperations() {}

    /** Lets "Who am I?" (RFC 4532) through and refuses every other extended operation. */
    static void refuseAllButWhoAmI(InMemoryInterceptedExtendedRequest request)
            throws LDAPException {
        String oid = request.getRequest().getOID();
        if (!WhoAmIExtendedRequest.WHO_AM_I_REQUEST_OID.equals(oid)) {
            throw new LDAPException(
                    ResultCode.UNWILLING_TO_PERFORM,
                    "extended operation " + oid + " is not supported by this directory");
        }
    }
}
