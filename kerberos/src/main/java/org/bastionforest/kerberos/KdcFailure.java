package org.bastionforest.kerberos;

import java.util.Objects;
import org.apache.kerby.kerberos.kerb.KrbErrorCode;

/**
 * A request the KDC refuses: carries the KRB-ERROR code to answer with and, for the log only, a
 * reason that never holds key material. Package-private plumbing of the request path.
 */
final class KdcFailure extends Exception {
    private static final long serialVersionUID = 1L;

    private final transient KrbErrorCode code;
    private final transient byte[] edata;

    KdcFailure(KrbErrorCode code, String reason) {
        this(code, reason, null);
    }

    KdcFailure(KrbErrorCode code, String reason, byte[] edata) {
        super(reason, null, false, false);
        this.code = Objects.requireNonNull(code, "code");
        this.edata = edata == null ? null : edata.clone();
    }

    KrbErrorCode code() {
        return code;
    }

    byte[] edata() {
        return edata == null ? null : edata.clone();
    }
}
