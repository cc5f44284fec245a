package org.bastionforest.kerberos;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import org.apache.kerby.kerberos.kerb.KrbErrorCode;
import org.apache.kerby.kerberos.kerb.KrbException;
import org.apache.kerby.kerberos.kerb.type.ad.AuthorizationData;
import org.apache.kerby.kerberos.kerb.type.ad.AuthorizationDataEntry;
import org.apache.kerby.kerberos.kerb.type.ad.AuthorizationType;
import org.bastionforest.kerberos.der.DerException;
import org.bastionforest.kerberos.der.KdcCodec;
import org.bastionforest.kerberos.pac.Pac;
import org.bastionforest.kerberos.pac.PacBuilder;
import org.bastionforest.kerberos.pac.PacException;
import org.bastionforest.shadowgroups.model.Sid;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Puts an MS-PAC into every ticket whose client has a SID: KERB_VALIDATION_INFO with the user's SID
 * and, as extra SIDs, the production groups of the grants active now (the ticket's cap as
 * KickOffTime and LogoffTime), client info and UPN/DNS info, signed with the service's and the
 * KDC's keys. At TGS and renewal the PAC of the presented TGT must carry a valid KDC signature (a
 * forged or tampered one is refused with {@code KDC_ERR_BADOPTION}); the new PAC is then rebuilt
 * from the current grants, so a grant that ended early is not carried over.
 *
 * <pre>{@code
 * AuthorizationDataProvider pac = new PacAuthorizationData("PRIV.EXAMPLE");
 * }</pre>
 *
 * <p>Immutable and thread-safe.
 */
public final class PacAuthorizationData implements AuthorizationDataProvider {
    private static final Logger LOG = LoggerFactory.getLogger(PacAuthorizationData.class);

    private final String netbiosDomain;
    private final String dnsDomain;

    /**
     * For realm {@code PRIV.EXAMPLE}: logon domain {@code PRIV}, DNS domain {@code priv.example}.
     */
    public PacAuthorizationData(String realm) {
        Objects.requireNonNull(realm, "realm");
        int dot = realm.indexOf('.');
        this.netbiosDomain = (dot < 0 ? realm : realm.substring(0, dot)).toUpperCase(Locale.ROOT);
        this.dnsDomain = realm.toLowerCase(Locale.ROOT);
    }

    @Override
    public List<AuthorizationDataEntry> authorizationData(TicketContext t) throws KrbException {
        if (t.previousKdcKey().isPresent()) {
            for (AuthorizationDataEntry e : t.previous()) {
                for (byte[] pac : pacs(e)) {
                    try {
                        Pac.parse(pac).verifyKdcSignature(t.previousKdcKey().get());
                    } catch (PacException bad) {
                        LOG.warn(
                                "kerberos.pac.refused: the presented ticket's PAC does not verify"
                                        + " ({})",
                                bad.getMessage());
                        throw new KrbException(
                                KrbErrorCode.KDC_ERR_BADOPTION, "the ticket's PAC does not verify");
                    }
                }
            }
        }
        if (!t.pacRequested() || t.account().isEmpty() || t.account().get().sid().isEmpty()) {
            return List.of();
        }
        AccountSource.Account account = t.account().get();
        Sid user = account.sid().get();
        try {
            PacBuilder b =
                    PacBuilder.forUser(
                                    account.user().value(),
                                    netbiosDomain,
                                    dnsDomain,
                                    user.domainSid(),
                                    user)
                            .clientName(String.join("/", t.client().getNameStrings()))
                            .extraSids(new ArrayList<>(new java.util.TreeSet<>(t.sids())))
                            .logonTime(t.authTime())
                            .authTime(t.authTime())
                            .kickOffTime(t.end())
                            .logoffTime(t.end());
            if (!account.displayName().isEmpty()) {
                b.fullName(account.displayName());
            }
            account.upn().ifPresent(b::upn);
            byte[] bytes = b.build().encode(t.serverKey(), t.kdcKey());
            return Pac.toAuthorizationData(bytes).getElements();
        } catch (PacException | IllegalArgumentException e) {
            LOG.warn(
                    "kerberos.pac.failed: no PAC for {} ({})",
                    account.user().value(),
                    e.getMessage());
            throw new KrbException(KrbErrorCode.KDC_ERR_SVC_UNAVAILABLE, "cannot build the PAC");
        }
    }

    private static List<byte[]> pacs(AuthorizationDataEntry e) {
        List<byte[]> out = new ArrayList<>();
        if (e.getAuthzType() != AuthorizationType.AD_IF_RELEVANT) {
            return out;
        }
        try {
            AuthorizationData inner = KdcCodec.decodeContainer(e.getAuthzData());
            for (AuthorizationDataEntry i : inner.getElements()) {
                if (i.getAuthzType() == AuthorizationType.AD_WIN2K_PAC) {
                    out.add(i.getAuthzData());
                }
            }
        } catch (DerException ex) {
            // not a PAC container: nothing to verify
        }
        return out;
    }
}
