package org.bastionforest.kerberos;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.apache.kerby.kerberos.kerb.KrbException;
import org.apache.kerby.kerberos.kerb.type.ad.AuthorizationDataEntry;
import org.apache.kerby.kerberos.kerb.type.base.EncryptionKey;
import org.apache.kerby.kerberos.kerb.type.base.PrincipalName;
import org.apache.kerby.kerberos.kerb.type.ticket.EncTicketPart;
import org.bastionforest.shadowgroups.model.Sid;

/**
 * The plug-in point for KDC-issued authorization data, such as an MS-PAC (package {@code
 * kerberos.pac}). The KDC calls it once for every ticket it issues, after it has decided the
 * ticket's times and SIDs, and puts the returned entries into the ticket's authorization data.
 *
 * <p>Authorization data that a provider recognises as its own (for a PAC: AD-IF-RELEVANT holding
 * AD-WIN2K-PAC) must not be copied blindly from a TGT: the KDC copies every entry of the previous
 * ticket except AD-IF-RELEVANT containers that hold an AD-WIN2K-PAC, and the provider, which gets
 * the previous ticket's entries and the key that protected it, verifies and rebuilds them. A
 * provider that refuses a request throws {@link KrbException} with an error code (for example
 * KDC_ERR_BADOPTION or KRB_AP_ERR_MODIFIED for a PAC whose KDC signature does not verify); the
 * client gets that code in a KRB-ERROR.
 *
 * <p>Implementations must be thread-safe. {@link #none()} adds nothing.
 */
@FunctionalInterface
public interface AuthorizationDataProvider {

    /**
     * The entries to add to the ticket described by {@code ticket}.
     *
     * @throws KrbException to refuse the request with the exception's error code
     */
    List<AuthorizationDataEntry> authorizationData(TicketContext ticket) throws KrbException;

    /**
     * Called with the complete ticket part (its authorization data included) just before it is
     * encrypted in the service key, for signatures over the ticket itself, such as the MS-PAC
     * ticket and full-PAC checksums (MS-PAC 2.8.3 and 2.8.5): the provider may replace the
     * authorization data entries it returned from {@link #authorizationData}. The default changes
     * nothing.
     *
     * @throws KrbException to refuse the request with the exception's error code
     */
    default void beforeSeal(EncTicketPart part, TicketContext ticket) throws KrbException {}

    /** A provider that adds nothing: tickets without a PAC. */
    static AuthorizationDataProvider none() {
        return ticket -> List.of();
    }

    /** What kind of ticket is being issued. */
    enum Kind {
        /** A TGT from an AS exchange. */
        AS,
        /** A ticket from a TGS exchange (a service ticket, or a TGT for krbtgt). */
        TGS,
        /** A renewed ticket (TGS exchange with the RENEW option). */
        RENEW
    }

    /**
     * Everything a provider may need about the ticket being issued. Immutable apart from the Kerby
     * objects it holds, which the provider must not modify.
     *
     * @param kind AS, TGS or RENEW
     * @param client the client principal (name and realm)
     * @param account the bastion account of the client, empty for a service principal
     * @param sids the shadow principals' SIDs the ticket carries (already filtered to the grants
     *     active now); empty for an ordinary ticket
     * @param authTime when the client authenticated (the AS exchange)
     * @param start the new ticket's start time
     * @param end the new ticket's end time
     * @param server the service principal the ticket is for
     * @param serverKey the key the ticket is encrypted in (for the PAC server signature)
     * @param kdcKey the current krbtgt key of the realm (for the PAC KDC signature)
     * @param previous the authorization data of the ticket presented (the TGT, or the ticket being
     *     renewed), empty for AS
     * @param previousKdcKey the krbtgt key to verify the KDC signature of the presented ticket's
     *     PAC with: the key that protected the presented TGT, or for a renewed service ticket the
     *     current krbtgt key; empty for AS
     * @param pacRequested false when the client sent PA-PAC-REQUEST with include-pac FALSE (AS), or
     *     when a renewed service ticket carried no PAC
     */
    record TicketContext(
            Kind kind,
            PrincipalName client,
            Optional<AccountSource.Account> account,
            Set<Sid> sids,
            Instant authTime,
            Instant start,
            Instant end,
            PrincipalName server,
            EncryptionKey serverKey,
            EncryptionKey kdcKey,
            List<AuthorizationDataEntry> previous,
            Optional<EncryptionKey> previousKdcKey,
            boolean pacRequested) {
        public TicketContext {
            Objects.requireNonNull(kind, "kind");
            Objects.requireNonNull(client, "client");
            Objects.requireNonNull(account, "account");
            sids = Set.copyOf(sids);
            Objects.requireNonNull(authTime, "authTime");
            Objects.requireNonNull(start, "start");
            Objects.requireNonNull(end, "end");
            Objects.requireNonNull(server, "server");
            Objects.requireNonNull(serverKey, "serverKey");
            Objects.requireNonNull(kdcKey, "kdcKey");
            previous = List.copyOf(previous);
            Objects.requireNonNull(previousKdcKey, "previousKdcKey");
        }
    }
}
