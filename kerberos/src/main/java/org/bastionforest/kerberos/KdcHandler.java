package org.bastionforest.kerberos;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.apache.kerby.kerberos.kerb.KrbConstant;
import org.apache.kerby.kerberos.kerb.KrbErrorCode;
import org.apache.kerby.kerberos.kerb.KrbException;
import org.apache.kerby.kerberos.kerb.type.KerberosTime;
import org.apache.kerby.kerberos.kerb.type.ad.AuthorizationData;
import org.apache.kerby.kerberos.kerb.type.ad.AuthorizationDataEntry;
import org.apache.kerby.kerberos.kerb.type.ad.AuthorizationType;
import org.apache.kerby.kerberos.kerb.type.ap.ApReq;
import org.apache.kerby.kerberos.kerb.type.ap.Authenticator;
import org.apache.kerby.kerberos.kerb.type.base.CheckSum;
import org.apache.kerby.kerberos.kerb.type.base.EncryptedData;
import org.apache.kerby.kerberos.kerb.type.base.EncryptionKey;
import org.apache.kerby.kerberos.kerb.type.base.EncryptionType;
import org.apache.kerby.kerberos.kerb.type.base.EtypeInfo2;
import org.apache.kerby.kerberos.kerb.type.base.EtypeInfo2Entry;
import org.apache.kerby.kerberos.kerb.type.base.KeyUsage;
import org.apache.kerby.kerberos.kerb.type.base.KrbError;
import org.apache.kerby.kerberos.kerb.type.base.KrbMessage;
import org.apache.kerby.kerberos.kerb.type.base.LastReq;
import org.apache.kerby.kerberos.kerb.type.base.LastReqEntry;
import org.apache.kerby.kerberos.kerb.type.base.LastReqType;
import org.apache.kerby.kerberos.kerb.type.base.MethodData;
import org.apache.kerby.kerberos.kerb.type.base.NameType;
import org.apache.kerby.kerberos.kerb.type.base.PrincipalName;
import org.apache.kerby.kerberos.kerb.type.base.TransitedEncoding;
import org.apache.kerby.kerberos.kerb.type.base.TransitedEncodingType;
import org.apache.kerby.kerberos.kerb.type.kdc.AsRep;
import org.apache.kerby.kerberos.kerb.type.kdc.AsReq;
import org.apache.kerby.kerberos.kerb.type.kdc.EncAsRepPart;
import org.apache.kerby.kerberos.kerb.type.kdc.EncKdcRepPart;
import org.apache.kerby.kerberos.kerb.type.kdc.EncTgsRepPart;
import org.apache.kerby.kerberos.kerb.type.kdc.KdcOption;
import org.apache.kerby.kerberos.kerb.type.kdc.KdcOptions;
import org.apache.kerby.kerberos.kerb.type.kdc.KdcReq;
import org.apache.kerby.kerberos.kerb.type.kdc.KdcReqBody;
import org.apache.kerby.kerberos.kerb.type.kdc.TgsRep;
import org.apache.kerby.kerberos.kerb.type.kdc.TgsReq;
import org.apache.kerby.kerberos.kerb.type.pa.PaData;
import org.apache.kerby.kerberos.kerb.type.pa.PaDataEntry;
import org.apache.kerby.kerberos.kerb.type.pa.PaDataType;
import org.apache.kerby.kerberos.kerb.type.pa.PaEncTsEnc;
import org.apache.kerby.kerberos.kerb.type.ticket.EncTicketPart;
import org.apache.kerby.kerberos.kerb.type.ticket.Ticket;
import org.apache.kerby.kerberos.kerb.type.ticket.TicketFlag;
import org.apache.kerby.kerberos.kerb.type.ticket.TicketFlags;
import org.bastionforest.kerberos.AuthorizationDataProvider.Kind;
import org.bastionforest.kerberos.PrincipalStore.Identity;
import org.bastionforest.kerberos.PrincipalStore.StoredKey;
import org.bastionforest.kerberos.crypto.KerberosCrypto;
import org.bastionforest.kerberos.crypto.KerberosCrypto.Key;
import org.bastionforest.kerberos.der.DerException;
import org.bastionforest.kerberos.der.KdcCodec;
import org.bastionforest.shadowgroups.audit.AuditEvent;
import org.bastionforest.shadowgroups.errors.BastionException;
import org.bastionforest.shadowgroups.model.Sid;
import org.bastionforest.shadowgroups.policy.UserId;
import org.bastionforest.shadowgroups.request.EffectiveWindow;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bastion KDC's request path, independent of the transport: decodes an AS-REQ or TGS-REQ with
 * Kerby's ASN.1 types, decides and issues the ticket, and encodes the AS-REP, TGS-REP or KRB-ERROR.
 * Every ticket's end and renew-till are capped at the earliest end of the client's active grants
 * (invariant 1); pre-authentication is required for every client; TGS tickets are bounded by their
 * TGT; RENEW is implemented. Thread-safe.
 */
final class KdcHandler {
    private static final Logger LOG = LoggerFactory.getLogger(KdcHandler.class);
    private static final int PA_PAC_REQUEST = 128;

    private final BastionKdc.Options options;
    private final PrincipalStore store;
    private final IdentityAccounts accounts;
    private final GrantWindows grants;
    private final AuthorizationDataProvider authz;
    private final Clock clock;
    private final ReplayCache replays = new ReplayCache();
    private final AtomicLong requests = new AtomicLong();
    final AtomicLong issued = new AtomicLong();
    final AtomicLong refused = new AtomicLong();

    KdcHandler(
            BastionKdc.Options options,
            PrincipalStore store,
            IdentityAccounts accounts,
            GrantWindows grants,
            AuthorizationDataProvider authz,
            Clock clock) {
        this.options = options;
        this.store = store;
        this.accounts = accounts;
        this.grants = grants;
        this.authz = authz;
        this.clock = clock;
    }

    /**
     * An encoded answer and, when it carries a ticket, the ticket's audit event: the answer may be
     * sent only once the event is kept ({@link #issued}), else the ticket is refused ({@link
     * #unaudited}).
     */
    record Answer(byte[] reply, Issue issue) {}

    /** An issued ticket: its audit event, and what its log line and its refusal need. */
    record Issue(
            AuditEvent event,
            Kind kind,
            String client,
            String service,
            Instant end,
            int sids,
            KdcReq req,
            Instant now) {}

    private record Ticketed(KrbMessage rep, Issue issue) {}

    /**
     * Answers one request (without the TCP length prefix); never throws. A ticket's answer must not
     * be sent before its event is kept.
     */
    Answer answer(byte[] request) {
        Instant now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
        if (requests.incrementAndGet() % 4096 == 0) {
            replays.purge(now);
        }
        KdcReq req = null;
        try {
            KrbMessage message;
            try {
                message = KdcCodec.decodeRequest(request);
            } catch (DerException e) {
                if (e.badVersion()) {
                    throw new KdcFailure(KrbErrorCode.KDC_ERR_BAD_PVNO, "not Kerberos 5");
                }
                throw new KdcFailure(
                        KrbErrorCode.KRB_AP_ERR_MSG_TYPE, "undecodable request: " + e.getMessage());
            }
            Ticketed t;
            if (message instanceof AsReq as) {
                req = as;
                t = as(as, now);
            } else if (message instanceof TgsReq tgs) {
                req = tgs;
                t = tgs(tgs, request, now);
            } else {
                throw new KdcFailure(KrbErrorCode.KRB_AP_ERR_MSG_TYPE, "not a KDC request");
            }
            return new Answer(encode(t.rep()), t.issue());
        } catch (KdcFailure f) {
            refused.incrementAndGet();
            LOG.info("kerberos.refused: {} ({})", f.code(), f.getMessage());
            return new Answer(error(f.code(), f.edata(), req, now), null);
        } catch (KrbException e) {
            refused.incrementAndGet();
            KrbErrorCode code =
                    e.getKrbErrorCode() == null
                            ? KrbErrorCode.KRB_ERR_GENERIC
                            : e.getKrbErrorCode();
            LOG.info("kerberos.refused: {} (Kerby: {})", code, e.getClass().getSimpleName());
            return new Answer(error(code, null, req, now), null);
        } catch (BastionException e) {
            refused.incrementAndGet();
            LOG.warn("kerberos.unavailable: {}", e.getMessage());
            return new Answer(error(KrbErrorCode.KDC_ERR_SVC_UNAVAILABLE, null, req, now), null);
        } catch (RuntimeException e) {
            refused.incrementAndGet();
            LOG.warn("kerberos.failed: {}", e.getClass().getSimpleName(), e);
            return new Answer(error(KrbErrorCode.KRB_ERR_GENERIC, null, req, now), null);
        } catch (StackOverflowError e) {
            // nesting deeper than a decode site above expected: refused, the worker lives on
            refused.incrementAndGet();
            LOG.warn("kerberos.failed: nesting too deep");
            return new Answer(error(KrbErrorCode.KRB_ERR_GENERIC, null, req, now), null);
        }
    }

    /** The reply of {@code answer}, whose ticket's event is kept: counted and logged as issued. */
    byte[] issued(Answer answer) {
        Issue i = answer.issue();
        if (i != null) {
            issued.incrementAndGet();
            LOG.info(
                    "kerberos.ticket.issued: {} {} for {} until {} ({} SIDs)",
                    i.kind(),
                    i.client(),
                    i.service(),
                    i.end(),
                    i.sids());
        }
        return answer.reply();
    }

    /**
     * The refusal that replaces {@code answer} when its ticket's event could not be kept
     * (KDC_ERR_SVC_UNAVAILABLE): no ticket leaves unaudited.
     */
    byte[] unaudited(Answer answer, Exception why) {
        Issue i = answer.issue();
        refused.incrementAndGet();
        LOG.warn("kerberos.unavailable: {}", why.getMessage());
        return error(KrbErrorCode.KDC_ERR_SVC_UNAVAILABLE, null, i.req(), i.now());
    }

    /** KRB_ERR_RESPONSE_TOO_BIG, for a UDP answer too large for a datagram. */
    byte[] tooBig() {
        return error(
                KrbErrorCode.RESPONSE_TOO_BIG,
                null,
                null,
                clock.instant().truncatedTo(ChronoUnit.SECONDS));
    }

    /** A KRB-ERROR, encoded. */
    byte[] error(KrbErrorCode code, byte[] edata, KdcReq req, Instant now) {
        KrbError error = new KrbError();
        error.setStime(new KerberosTime(now.toEpochMilli()));
        error.setSusec(0);
        error.setErrorCode(code);
        error.setRealm(options.realm());
        PrincipalName sname = null;
        if (req != null && req.getReqBody() != null) {
            sname = req.getReqBody().getSname();
            if (req.getReqBody().getCname() != null) {
                error.setCname(req.getReqBody().getCname());
                error.setCrealm(options.realm());
            }
        }
        error.setSname(sname != null ? sname : krbtgtName());
        if (edata != null) {
            error.setEdata(edata);
        }
        try {
            return KdcCodec.encode(error);
        } catch (KrbException | RuntimeException e) {
            if (req != null) {
                // a name echoed from the request does not encode: answer without it
                return error(code, edata, null, now);
            }
            throw new IllegalStateException("cannot encode a KRB-ERROR", e);
        }
    }

    // ---------------------------------------------------------------- AS

    private Ticketed as(AsReq req, Instant now) throws KdcFailure, KrbException, BastionException {
        KdcReqBody body = checkCommon(req);
        PrincipalName cname = body.getCname();
        if (cname == null) {
            throw new KdcFailure(KrbErrorCode.KDC_ERR_C_PRINCIPAL_UNKNOWN, "no client name");
        }
        KdcOptions kdcOptions = body.getKdcOptions();
        if (kdcOptions.isFlagSet(KdcOption.RENEW)
                || kdcOptions.isFlagSet(KdcOption.VALIDATE)
                || kdcOptions.isFlagSet(KdcOption.ENC_TKT_IN_SKEY)
                || kdcOptions.isFlagSet(KdcOption.FORWARDED)
                || kdcOptions.isFlagSet(KdcOption.PROXY)) {
            throw new KdcFailure(KrbErrorCode.KDC_ERR_BADOPTION, "option not allowed in AS-REQ");
        }
        String clientName = name(cname);
        Identity client =
                store.find(clientName)
                        .filter(i -> i.kind() != PrincipalStore.Kind.KRBTGT)
                        .orElseThrow(
                                () ->
                                        new KdcFailure(
                                                KrbErrorCode.KDC_ERR_C_PRINCIPAL_UNKNOWN,
                                                "unknown client " + clientName));
        Optional<AccountSource.Account> account = account(client);
        Identity server = server(body.getSname());

        // pre-authentication: PA-ENC-TIMESTAMP is required, whatever else the client sent
        StoredKey replyKey = preauthenticate(req, body, client, now);

        Enctype sessionType = sessionEnctype(body, server);
        StoredKey ticketKey = strongestKey(server);
        Window window = window(client, now);

        Instant till = requested(body.getTill());
        Instant end = min(till, now.plus(options.maxTicketLifetime()), window.cap());
        checkLifetime(now, end);
        Instant renewTill = null;
        if (kdcOptions.isFlagSet(KdcOption.RENEWABLE)
                || (kdcOptions.isFlagSet(KdcOption.RENEWABLE_OK) && till.isAfter(end))) {
            Instant rtime = body.getRtime() == null ? till : requested(body.getRtime());
            Instant r = min(rtime, now.plus(options.maxRenewableLifetime()), window.cap());
            // a RENEWABLE request gets a renewable ticket even when the grant caps renew-till at
            // the end time (clients such as the JDK refuse a reply that drops the flag)
            if (r.isAfter(end) || (kdcOptions.isFlagSet(KdcOption.RENEWABLE) && r.equals(end))) {
                renewTill = r;
            }
        }
        TicketFlags flags = new TicketFlags();
        flags.setFlag(TicketFlag.INITIAL);
        flags.setFlag(TicketFlag.PRE_AUTH);
        if (kdcOptions.isFlagSet(KdcOption.FORWARDABLE)) {
            flags.setFlag(TicketFlag.FORWARDABLE);
        }
        if (kdcOptions.isFlagSet(KdcOption.PROXIABLE)) {
            flags.setFlag(TicketFlag.PROXIABLE);
        }
        if (renewTill != null) {
            flags.setFlag(TicketFlag.RENEWABLE);
        }
        EncryptionKey sessionKey = KerberosCrypto.randomKey(sessionType.kerby());
        PrincipalName sname = principal(server.name());
        PrincipalName clientPrincipal = cname;
        AuthorizationDataProvider.TicketContext context =
                new AuthorizationDataProvider.TicketContext(
                        Kind.AS,
                        withRealm(clientPrincipal),
                        account,
                        window.sids(),
                        now,
                        now,
                        end,
                        withRealm(sname),
                        kerbyKey(ticketKey),
                        kerbyKey(strongestKey(krbtgt())),
                        List.of(),
                        Optional.empty(),
                        pacRequested(req));
        List<AuthorizationDataEntry> ad = authz.authorizationData(context);

        EncTicketPart part = new EncTicketPart();
        part.setFlags(flags);
        part.setKey(sessionKey);
        part.setCrealm(options.realm());
        part.setCname(clientPrincipal);
        part.setTransited(emptyTransited());
        part.setAuthTime(time(now));
        part.setStartTime(time(now));
        part.setEndTime(time(end));
        if (renewTill != null) {
            part.setRenewtill(time(renewTill));
        }
        if (body.getAddresses() != null && !body.getAddresses().getElements().isEmpty()) {
            part.setClientAddresses(body.getAddresses());
        }
        setAuthorizationData(part, ad);
        authz.beforeSeal(part, context);
        Ticket ticket = seal(part, sname, ticketKey);

        EncAsRepPart repPart = new EncAsRepPart();
        fillRepPart(repPart, part, body.getNonce(), sname, now);
        AsRep rep = new AsRep();
        rep.setCname(clientPrincipal);
        rep.setCrealm(options.realm());
        rep.setTicket(ticket);
        PaData padata = new PaData();
        padata.addElement(
                new PaDataEntry(
                        PaDataType.ETYPE_INFO2, KdcCodec.encode(etypeInfo2(List.of(replyKey)))));
        rep.setPaData(padata);
        EncryptedData enc =
                KerberosCrypto.seal(
                        repPart, kerbyKey(replyKey), KeyUsage.AS_REP_ENCPART, Key.LONG_TERM);
        enc.setKvno(replyKey.kvno());
        rep.setEncryptedEncPart(enc);

        return new Ticketed(
                rep,
                audited(
                        Kind.AS,
                        req,
                        now,
                        client,
                        server.name(),
                        now,
                        end,
                        renewTill,
                        window.sids(),
                        sessionType));
    }

    private StoredKey preauthenticate(AsReq req, KdcReqBody body, Identity client, Instant now)
            throws KdcFailure, KrbException {
        List<StoredKey> usable = new ArrayList<>();
        for (EncryptionType wanted : body.getEtypes()) {
            for (StoredKey k : client.currentKeys()) {
                if (k.enctype().kerby() == wanted
                        && options.enctypes().contains(k.enctype())
                        && !usable.contains(k)) {
                    usable.add(k);
                }
            }
        }
        if (usable.isEmpty()) {
            throw new KdcFailure(
                    KrbErrorCode.KDC_ERR_ETYPE_NOSUPP, "no common enctype with the client's keys");
        }
        PaDataEntry encTs = null;
        if (req.getPaData() != null) {
            for (PaDataEntry e : req.getPaData().getElements()) {
                if (e.getPaDataType() == PaDataType.ENC_TIMESTAMP) {
                    encTs = e;
                }
            }
        }
        if (encTs == null) {
            MethodData methods = new MethodData();
            methods.add(new PaDataEntry(PaDataType.ENC_TIMESTAMP, new byte[0]));
            methods.add(
                    new PaDataEntry(PaDataType.ETYPE_INFO2, KdcCodec.encode(etypeInfo2(usable))));
            throw new KdcFailure(
                    KrbErrorCode.KDC_ERR_PREAUTH_REQUIRED,
                    "pre-authentication required for " + client.name(),
                    KdcCodec.encode(methods));
        }
        EncryptedData data;
        try {
            data = KdcCodec.decode(encTs.getPaDataValue(), EncryptedData.class);
        } catch (DerException e) {
            throw new KdcFailure(KrbErrorCode.KDC_ERR_PREAUTH_FAILED, "undecodable timestamp");
        }
        StoredKey key =
                client.currentKeys().stream()
                        .filter(k -> k.enctype().kerby() == data.getEType())
                        .filter(k -> options.enctypes().contains(k.enctype()))
                        .findFirst()
                        .orElseThrow(
                                () ->
                                        new KdcFailure(
                                                KrbErrorCode.KDC_ERR_PREAUTH_FAILED,
                                                "timestamp in an enctype the client has no key"
                                                        + " of"));
        PaEncTsEnc ts;
        try {
            ts =
                    KerberosCrypto.unseal(
                            data,
                            kerbyKey(key),
                            KeyUsage.AS_REQ_PA_ENC_TS,
                            PaEncTsEnc.class,
                            Key.LONG_TERM);
        } catch (KrbException | RuntimeException | StackOverflowError e) {
            throw new KdcFailure(
                    KrbErrorCode.KDC_ERR_PREAUTH_FAILED, "wrong password for " + client.name());
        }
        if (ts == null || ts.getPaTimestamp() == null) {
            throw new KdcFailure(KrbErrorCode.KDC_ERR_PREAUTH_FAILED, "empty timestamp");
        }
        Duration off =
                Duration.between(Instant.ofEpochMilli(ts.getPaTimestamp().getTime()), now).abs();
        if (off.compareTo(options.clockSkew()) > 0) {
            throw new KdcFailure(KrbErrorCode.KRB_AP_ERR_SKEW, "client clock off by " + off);
        }
        return key;
    }

    /**
     * PA-ETYPE-INFO2 for {@code keys}, always with the salt of password-derived keys: RFC 4120 lets
     * a KDC leave out the default salt, but clients such as impacket then derive the key with an
     * empty salt (Windows and MIT KDCs always send it).
     */
    private static EtypeInfo2 etypeInfo2(List<StoredKey> keys) {
        EtypeInfo2 info = new EtypeInfo2();
        for (StoredKey k : keys) {
            EtypeInfo2Entry e = new EtypeInfo2Entry();
            e.setEtype(k.enctype().kerby());
            if (k.salt() != null) {
                e.setSalt(k.salt());
            }
            info.add(e);
        }
        return info;
    }

    private static boolean pacRequested(AsReq req) {
        if (req.getPaData() == null) {
            return true;
        }
        for (PaDataEntry e : req.getPaData().getElements()) {
            byte[] v = e.getPaDataValue();
            if (e.getPaDataType() == PaDataType.PAC_REQUEST && v != null && v.length > 0) {
                // KERB-PA-PAC-REQUEST ::= SEQUENCE { include-pac [0] BOOLEAN }
                return v[v.length - 1] != 0;
            }
        }
        return true;
    }

    // ---------------------------------------------------------------- TGS

    private Ticketed tgs(TgsReq req, byte[] raw, Instant now)
            throws KdcFailure, KrbException, BastionException {
        KdcReqBody body = checkCommon(req);
        KdcOptions kdcOptions = body.getKdcOptions();
        boolean renew = kdcOptions.isFlagSet(KdcOption.RENEW);
        if (kdcOptions.isFlagSet(KdcOption.VALIDATE)
                || kdcOptions.isFlagSet(KdcOption.ENC_TKT_IN_SKEY)
                || kdcOptions.isFlagSet(KdcOption.POSTDATED)
                || kdcOptions.isFlagSet(KdcOption.ALLOW_POSTDATE)
                || kdcOptions.isFlagSet(KdcOption.CNAME_IN_ADDL_TKT)) {
            // this KDC never issues postdated (invalid) tickets, so VALIDATE has nothing to do
            throw new KdcFailure(KrbErrorCode.KDC_ERR_BADOPTION, "option not supported");
        }
        PaDataEntry apReqEntry = null;
        if (req.getPaData() != null) {
            for (PaDataEntry e : req.getPaData().getElements()) {
                if (e.getPaDataType() == PaDataType.TGS_REQ) {
                    apReqEntry = e;
                }
            }
        }
        if (apReqEntry == null) {
            throw new KdcFailure(KrbErrorCode.KDC_ERR_PADATA_TYPE_NOSUPP, "no PA-TGS-REQ");
        }
        ApReq apReq;
        try {
            apReq = KdcCodec.decode(apReqEntry.getPaDataValue(), ApReq.class);
        } catch (DerException e) {
            if (e.badVersion()) {
                throw new KdcFailure(KrbErrorCode.KRB_AP_ERR_BADVERSION, "not Kerberos 5");
            }
            throw new KdcFailure(
                    KrbErrorCode.KRB_AP_ERR_MSG_TYPE, "undecodable AP-REQ: " + e.getMessage());
        }
        if (apReq.getTicket().getTktvno() != KrbConstant.KRB_V5) {
            throw new KdcFailure(KrbErrorCode.KRB_AP_ERR_BADVERSION, "not Kerberos 5");
        }
        Ticket presented = apReq.getTicket();
        if (!options.realm().equals(presented.getRealm())) {
            throw new KdcFailure(KrbErrorCode.KRB_AP_ERR_NOT_US, "ticket of another realm");
        }
        String presentedServer = name(presented.getSname());
        if (!renew && !presentedServer.equals(krbtgtPrincipal())) {
            throw new KdcFailure(KrbErrorCode.KRB_AP_ERR_NOT_US, "not a TGT of this realm");
        }
        Identity presentedIdentity =
                store.find(presentedServer)
                        .orElseThrow(
                                () ->
                                        new KdcFailure(
                                                KrbErrorCode.KRB_AP_ERR_NOT_US,
                                                "ticket for an unknown principal"));
        EncryptedData tktEnc = presented.getEncryptedEncPart();
        Enctype tktType = Enctype.ofNumber(tktEnc.getEType().getValue());
        Integer tktKvno = tktEnc.getKvno() > 0 ? tktEnc.getKvno() : null;
        StoredKey presentedKey =
                (tktType == null
                                ? Optional.<StoredKey>empty()
                                : presentedIdentity.key(tktType, tktKvno))
                        .orElseThrow(
                                () ->
                                        new KdcFailure(
                                                KrbErrorCode.KRB_AP_ERR_BADKEYVER,
                                                "no key for the presented ticket"));
        EncTicketPart old;
        try {
            old =
                    KerberosCrypto.unseal(
                            tktEnc,
                            kerbyKey(presentedKey),
                            KeyUsage.KDC_REP_TICKET,
                            EncTicketPart.class,
                            Key.LONG_TERM);
        } catch (KrbException | RuntimeException | StackOverflowError e) {
            throw new KdcFailure(KrbErrorCode.KRB_AP_ERR_BAD_INTEGRITY, "ticket does not decrypt");
        }
        Authenticator auth;
        try {
            auth =
                    KerberosCrypto.unseal(
                            apReq.getEncryptedAuthenticator(),
                            old.getKey(),
                            KeyUsage.TGS_REQ_AUTH,
                            Authenticator.class,
                            Key.SESSION);
        } catch (KrbException | RuntimeException | StackOverflowError e) {
            throw new KdcFailure(
                    KrbErrorCode.KRB_AP_ERR_BAD_INTEGRITY, "authenticator does not decrypt");
        }
        if (auth.getCname() == null
                || !name(auth.getCname(), auth.getCrealm())
                        .equals(name(old.getCname(), old.getCrealm()))) {
            throw new KdcFailure(KrbErrorCode.KRB_AP_ERR_BADMATCH, "authenticator client differs");
        }
        Instant ctime = Instant.ofEpochMilli(auth.getCtime().getTime());
        if (Duration.between(ctime, now).abs().compareTo(options.clockSkew()) > 0) {
            throw new KdcFailure(KrbErrorCode.KRB_AP_ERR_SKEW, "authenticator time off");
        }
        Instant oldStart =
                instant(old.getStartTime() != null ? old.getStartTime() : old.getAuthTime());
        Instant oldEnd = instant(old.getEndTime());
        if (old.getFlags().isFlagSet(TicketFlag.INVALID)
                || oldStart.isAfter(now.plus(options.clockSkew()))) {
            throw new KdcFailure(KrbErrorCode.KRB_AP_ERR_TKT_NYV, "ticket not yet valid");
        }
        if (!oldEnd.isAfter(now)) {
            throw new KdcFailure(KrbErrorCode.KRB_AP_ERR_TKT_EXPIRED, "ticket expired");
        }
        verifyChecksum(auth, old.getKey(), raw);
        byte[] key = replayKey(auth);
        ReplayCache.Seen seen =
                replays.firstSeen(
                        ByteBuffer.wrap(key).getLong(0),
                        ByteBuffer.wrap(key).getLong(8),
                        now,
                        ctime.plus(options.clockSkew()).plus(options.clockSkew()));
        if (seen == ReplayCache.Seen.REPLAY) {
            throw new KdcFailure(KrbErrorCode.KRB_AP_ERR_REPEAT, "authenticator replayed");
        }
        if (seen == ReplayCache.Seen.FULL) {
            // cannot tell a replay: refused rather than served unchecked
            throw new KdcFailure(
                    KrbErrorCode.KDC_ERR_SVC_UNAVAILABLE, "replay cache full; request refused");
        }

        // the client, re-checked now
        if (!options.realm().equals(old.getCrealm())) {
            throw new KdcFailure(KrbErrorCode.KDC_ERR_POLICY, "cross-realm clients not served");
        }
        String clientName = name(old.getCname(), old.getCrealm());
        Identity client =
                store.find(clientName)
                        .filter(i -> !i.disabled())
                        .orElseThrow(
                                () ->
                                        new KdcFailure(
                                                KrbErrorCode.KDC_ERR_CLIENT_REVOKED,
                                                "client " + clientName + " no longer exists"));
        Optional<AccountSource.Account> account = account(client);
        Window window = window(client, now);

        Identity server;
        if (renew) {
            if (!name(body.getSname()).equals(presentedServer)) {
                throw new KdcFailure(KrbErrorCode.KDC_ERR_BADOPTION, "renew for another server");
            }
            server = presentedIdentity;
        } else {
            server = server(body.getSname());
        }
        Enctype sessionType;
        EncryptionKey sessionKey;
        Instant start = now;
        Instant end;
        Instant renewTill = null;
        TicketFlags flags = new TicketFlags();
        Instant authTime = instant(old.getAuthTime());
        if (renew) {
            if (!old.getFlags().isFlagSet(TicketFlag.RENEWABLE) || old.getRenewtill() == null) {
                throw new KdcFailure(KrbErrorCode.KDC_ERR_BADOPTION, "ticket not renewable");
            }
            Instant oldRenewTill = instant(old.getRenewtill());
            if (!oldRenewTill.isAfter(now)) {
                throw new KdcFailure(KrbErrorCode.KRB_AP_ERR_TKT_EXPIRED, "renew-till passed");
            }
            if (window.sids().isEmpty()
                    && client.kind() == PrincipalStore.Kind.USER
                    && options.requirePrivilegedOnlyRenewal()) {
                throw new KdcFailure(
                        KrbErrorCode.KDC_ERR_POLICY, clientName + " holds no grant any more");
            }
            Duration life = Duration.between(oldStart, oldEnd);
            renewTill = min(oldRenewTill, window.cap());
            end = min(now.plus(life), renewTill, now.plus(options.maxTicketLifetime()));
            checkLifetime(now, end);
            for (TicketFlag f :
                    List.of(
                            TicketFlag.FORWARDABLE,
                            TicketFlag.FORWARDED,
                            TicketFlag.PROXIABLE,
                            TicketFlag.PROXY,
                            TicketFlag.PRE_AUTH,
                            TicketFlag.INITIAL,
                            TicketFlag.OK_AS_DELEGATE)) {
                if (old.getFlags().isFlagSet(f)) {
                    flags.setFlag(f);
                }
            }
            if (renewTill.isAfter(end)) {
                flags.setFlag(TicketFlag.RENEWABLE);
            } else {
                renewTill = null;
            }
            sessionKey = old.getKey();
            sessionType = Enctype.ofNumber(sessionKey.getKeyType().getValue());
            if (sessionType == null) {
                throw new KdcFailure(KrbErrorCode.KDC_ERR_ETYPE_NOSUPP, "session enctype");
            }
        } else {
            sessionType = sessionEnctype(body, server);
            sessionKey = KerberosCrypto.randomKey(sessionType.kerby());
            Instant till = requested(body.getTill());
            end = min(till, oldEnd, now.plus(options.maxTicketLifetime()), window.cap());
            checkLifetime(now, end);
            boolean oldRenewable =
                    old.getFlags().isFlagSet(TicketFlag.RENEWABLE) && old.getRenewtill() != null;
            if (oldRenewable
                    && (kdcOptions.isFlagSet(KdcOption.RENEWABLE)
                            || (kdcOptions.isFlagSet(KdcOption.RENEWABLE_OK)
                                    && till.isAfter(end)))) {
                Instant rtime = body.getRtime() == null ? till : requested(body.getRtime());
                Instant r = min(rtime, instant(old.getRenewtill()), window.cap());
                if (r.isAfter(end)
                        || (kdcOptions.isFlagSet(KdcOption.RENEWABLE) && !r.isBefore(end))) {
                    renewTill = r;
                    flags.setFlag(TicketFlag.RENEWABLE);
                }
            }
            boolean forwardable = old.getFlags().isFlagSet(TicketFlag.FORWARDABLE);
            boolean proxiable = old.getFlags().isFlagSet(TicketFlag.PROXIABLE);
            if (kdcOptions.isFlagSet(KdcOption.FORWARDABLE) && forwardable) {
                flags.setFlag(TicketFlag.FORWARDABLE);
            }
            if (kdcOptions.isFlagSet(KdcOption.PROXIABLE) && proxiable) {
                flags.setFlag(TicketFlag.PROXIABLE);
            }
            if (kdcOptions.isFlagSet(KdcOption.FORWARDED)) {
                if (!forwardable) {
                    throw new KdcFailure(KrbErrorCode.KDC_ERR_BADOPTION, "TGT not forwardable");
                }
                flags.setFlag(TicketFlag.FORWARDED);
            }
            if (kdcOptions.isFlagSet(KdcOption.PROXY)) {
                if (!proxiable) {
                    throw new KdcFailure(KrbErrorCode.KDC_ERR_BADOPTION, "TGT not proxiable");
                }
                flags.setFlag(TicketFlag.PROXY);
            }
            if (old.getFlags().isFlagSet(TicketFlag.FORWARDED)) {
                flags.setFlag(TicketFlag.FORWARDED);
            }
            if (old.getFlags().isFlagSet(TicketFlag.PRE_AUTH)) {
                flags.setFlag(TicketFlag.PRE_AUTH);
            }
        }

        StoredKey ticketKey =
                renew ? presentedKeyForRenew(server, presentedKey) : strongestKey(server);
        PrincipalName sname = principal(server.name());
        List<AuthorizationDataEntry> previous =
                old.getAuthorizationData() == null
                        ? List.of()
                        : old.getAuthorizationData().getElements();
        List<AuthorizationDataEntry> entries = new ArrayList<>();
        for (AuthorizationDataEntry e : previous) {
            if (!isPac(e)) {
                entries.add(e);
            }
        }
        if (!renew && body.getEncryptedAuthorizationData() != null) {
            entries.addAll(requestAuthorizationData(body, auth, old.getKey()));
        }
        StoredKey krbtgtNow = strongestKey(krbtgt());
        AuthorizationDataProvider.TicketContext context =
                new AuthorizationDataProvider.TicketContext(
                        renew ? Kind.RENEW : Kind.TGS,
                        withRealm(old.getCname(), old.getCrealm()),
                        account,
                        window.sids(),
                        authTime,
                        start,
                        end,
                        withRealm(sname),
                        kerbyKey(ticketKey),
                        kerbyKey(krbtgtNow),
                        previous,
                        // a service ticket's PAC is signed with the krbtgt key too: a renewal
                        // checks it, so that one made with the service's key alone gets no PAC
                        // of the KDC (a krbtgt key rotated since then makes it fail: refused)
                        Optional.of(
                                kerbyKey(
                                        presentedServer.equals(krbtgtPrincipal())
                                                ? presentedKey
                                                : krbtgtNow)),
                        presentedServer.equals(krbtgtPrincipal()) || carriesPac(previous));
        entries.addAll(authz.authorizationData(context));

        EncTicketPart part = new EncTicketPart();
        part.setFlags(flags);
        part.setKey(sessionKey);
        part.setCrealm(old.getCrealm());
        part.setCname(old.getCname());
        part.setTransited(old.getTransited() != null ? old.getTransited() : emptyTransited());
        part.setAuthTime(time(authTime));
        part.setStartTime(time(start));
        part.setEndTime(time(end));
        if (renewTill != null) {
            part.setRenewtill(time(renewTill));
        }
        if (flags.isFlagSet(TicketFlag.FORWARDED) && kdcOptions.isFlagSet(KdcOption.FORWARDED)) {
            if (body.getAddresses() != null && !body.getAddresses().getElements().isEmpty()) {
                part.setClientAddresses(body.getAddresses());
            }
        } else if (old.getClientAddresses() != null) {
            part.setClientAddresses(old.getClientAddresses());
        }
        setAuthorizationData(part, entries);
        authz.beforeSeal(part, context);
        Ticket ticket = seal(part, sname, ticketKey);

        EncTgsRepPart repPart = new EncTgsRepPart();
        fillRepPart(repPart, part, body.getNonce(), sname, now);
        TgsRep rep = new TgsRep();
        rep.setCname(old.getCname());
        rep.setCrealm(old.getCrealm());
        rep.setTicket(ticket);
        EncryptionKey subkey = auth.getSubKey();
        EncryptedData enc =
                subkey != null
                        ? KerberosCrypto.seal(
                                repPart, subkey, KeyUsage.TGS_REP_ENCPART_SUBKEY, Key.SESSION)
                        : KerberosCrypto.seal(
                                repPart,
                                old.getKey(),
                                KeyUsage.TGS_REP_ENCPART_SESSKEY,
                                Key.SESSION);
        rep.setEncryptedEncPart(enc);

        return new Ticketed(
                rep,
                audited(
                        renew ? Kind.RENEW : Kind.TGS,
                        req,
                        now,
                        client,
                        server.name(),
                        start,
                        end,
                        renewTill,
                        window.sids(),
                        sessionType));
    }

    /** A renewed ticket is encrypted in the server's current strongest key. */
    private StoredKey presentedKeyForRenew(Identity server, StoredKey presented) throws KdcFailure {
        return server.currentKeys().isEmpty() ? presented : strongestKey(server);
    }

    private void verifyChecksum(Authenticator auth, EncryptionKey sessionKey, byte[] raw)
            throws KdcFailure {
        CheckSum cksum = auth.getCksum();
        if (cksum == null) {
            throw new KdcFailure(
                    KrbErrorCode.KRB_AP_ERR_INAPP_CKSUM, "TGS-REQ without a body checksum");
        }
        boolean keyed = false;
        for (Enctype e : options.enctypes()) {
            keyed |= e.checksum() == cksum.getCksumtype();
        }
        if (!keyed) {
            throw new KdcFailure(
                    KrbErrorCode.KRB_AP_ERR_INAPP_CKSUM, "unkeyed or disabled checksum type");
        }
        byte[] body;
        try {
            body = KdcCodec.reqBodyBytes(raw);
        } catch (DerException e) {
            throw new KdcFailure(KrbErrorCode.KRB_AP_ERR_MSG_TYPE, "no req-body");
        }
        boolean ok;
        try {
            ok =
                    KerberosCrypto.verify(
                            cksum,
                            body,
                            sessionKey.getKeyData(),
                            KeyUsage.TGS_REQ_AUTH_CKSUM,
                            Key.SESSION);
        } catch (KrbException | RuntimeException | StackOverflowError e) {
            ok = false;
        }
        if (!ok) {
            throw new KdcFailure(KrbErrorCode.KRB_AP_ERR_MODIFIED, "req-body checksum wrong");
        }
    }

    /**
     * Salted SHA-256 (the replay cache's secret) of the authenticator's client, time, microseconds
     * and checksum, length-prefixed.
     */
    private byte[] replayKey(Authenticator auth) {
        MessageDigest sha = replays.keyDigest();
        byte[] cname =
                String.valueOf(auth.getCname()).getBytes(java.nio.charset.StandardCharsets.UTF_8);
        byte[] cksum = auth.getCksum().getChecksum();
        ByteBuffer fixed = ByteBuffer.allocate(4 + 8 + 4 + 4);
        fixed.putInt(cname.length)
                .putLong(auth.getCtime().getTime())
                .putInt(auth.getCusec())
                .putInt(cksum.length);
        sha.update(fixed.array());
        sha.update(cname);
        sha.update(cksum);
        return sha.digest();
    }

    private List<AuthorizationDataEntry> requestAuthorizationData(
            KdcReqBody body, Authenticator auth, EncryptionKey sessionKey) throws KdcFailure {
        try {
            AuthorizationData ad =
                    auth.getSubKey() != null
                            ? KerberosCrypto.unseal(
                                    body.getEncryptedAuthorizationData(),
                                    auth.getSubKey(),
                                    KeyUsage.TGS_REQ_AD_SUBKEY,
                                    AuthorizationData.class,
                                    Key.SESSION)
                            : KerberosCrypto.unseal(
                                    body.getEncryptedAuthorizationData(),
                                    sessionKey,
                                    KeyUsage.TGS_REQ_AD_SESSKEY,
                                    AuthorizationData.class,
                                    Key.SESSION);
            List<AuthorizationDataEntry> out = new ArrayList<>();
            for (AuthorizationDataEntry e : ad.getElements()) {
                if (holds(e, KDC_ONLY, 0)) {
                    throw new KdcFailure(
                            KrbErrorCode.KDC_ERR_POLICY,
                            "authorization data only a KDC may supply (ad-type "
                                    + e.getAuthzType().getValue()
                                    + " or inside)");
                }
                out.add(e);
            }
            return out;
        } catch (KrbException | RuntimeException | StackOverflowError e) {
            throw new KdcFailure(KrbErrorCode.KRB_AP_ERR_BAD_INTEGRITY, "enc-authorization-data");
        }
    }

    /**
     * True for an entry that holds AD-WIN2K-PAC, directly or inside AD-IF-RELEVANT containers
     * (MIT's services search containers recursively), and for a container that does not decode or
     * nests deeper than four: fail closed, the provider builds the PAC anew.
     */
    static boolean isPac(AuthorizationDataEntry e) {
        return holds(e, PAC_ONLY, 0);
    }

    /**
     * Authorization data only a KDC may put into a ticket (RFC 4120 5.2.6, MS-PAC): a client's
     * enc-authorization-data holding one of these, at any depth of AD-IF-RELEVANT, is refused, and
     * so are the containers the KDC does not look into (AD-AND-OR, AD-INTENDED-FOR-SERVER and
     * -APPLICATION-CLASS).
     */
    private static final Set<AuthorizationType> KDC_ONLY =
            Set.of(
                    AuthorizationType.AD_INTENDED_FOR_SERVER,
                    AuthorizationType.AD_INTENDED_FOR_APPLICATION_CLASS,
                    AuthorizationType.AD_KDC_ISSUED,
                    AuthorizationType.AD_AND_OR,
                    AuthorizationType.AD_MANDATORY_FOR_KDC,
                    AuthorizationType.AD_CAMMAC,
                    AuthorizationType.AD_AUTHENTICATION_INDICATOR,
                    AuthorizationType.AD_WIN2K_PAC);

    private static final Set<AuthorizationType> PAC_ONLY = Set.of(AuthorizationType.AD_WIN2K_PAC);

    /**
     * Whether a renewed service ticket had a PAC (an AD-IF-RELEVANT with AD-WIN2K-PAC, as the
     * provider writes it): only then does the renewal get one, after its KDC signature verified.
     */
    private static boolean carriesPac(List<AuthorizationDataEntry> previous) {
        for (AuthorizationDataEntry e : previous) {
            if (e.getAuthzType() != AuthorizationType.AD_IF_RELEVANT) {
                continue;
            }
            try {
                for (AuthorizationDataEntry i :
                        KdcCodec.decodeContainer(e.getAuthzData()).getElements()) {
                    if (i.getAuthzType() == AuthorizationType.AD_WIN2K_PAC) {
                        return true;
                    }
                }
            } catch (DerException ex) {
                // not a container: no PAC
            }
        }
        return false;
    }

    private static boolean holds(
            AuthorizationDataEntry e, Set<AuthorizationType> types, int depth) {
        if (types.contains(e.getAuthzType())) {
            return true;
        }
        if (e.getAuthzType() != AuthorizationType.AD_IF_RELEVANT) {
            return false;
        }
        if (depth >= 4) {
            return true;
        }
        AuthorizationData inner;
        try {
            // the inner entries are only looked at (the container is copied whole): any ad-type
            inner = KdcCodec.decodeContainer(e.getAuthzData());
        } catch (DerException ex) {
            return true;
        }
        for (AuthorizationDataEntry i : inner.getElements()) {
            if (holds(i, types, depth + 1)) {
                return true;
            }
        }
        return false;
    }

    // ---------------------------------------------------------------- shared

    private KdcReqBody checkCommon(KdcReq req) throws KdcFailure {
        // KdcCodec decoded it strictly: pvno 5, the msg-type of its application tag, and only
        // values its encoder writes again (names and addresses are copied into tickets and errors)
        KdcReqBody body = req.getReqBody();
        if (body == null || body.getSname() == null || body.getKdcOptions() == null) {
            throw new KdcFailure(KrbErrorCode.KRB_ERR_GENERIC, "incomplete request");
        }
        if (!options.realm().equals(body.getRealm())) {
            throw new KdcFailure(KrbErrorCode.WRONG_REALM, "request for another realm");
        }
        if (body.getEtypes() == null || body.getEtypes().isEmpty()) {
            throw new KdcFailure(KrbErrorCode.KDC_ERR_ETYPE_NOSUPP, "no enctypes requested");
        }
        KdcOptions o = body.getKdcOptions();
        if (o.isFlagSet(KdcOption.POSTDATED) || o.isFlagSet(KdcOption.ALLOW_POSTDATE)) {
            throw new KdcFailure(KrbErrorCode.KDC_ERR_CANNOT_POSTDATE, "postdating not allowed");
        }
        return body;
    }

    private Optional<AccountSource.Account> account(Identity client)
            throws KdcFailure, BastionException {
        if (client.disabled()) {
            throw new KdcFailure(KrbErrorCode.KDC_ERR_CLIENT_REVOKED, client.name() + " disabled");
        }
        if (client.kind() != PrincipalStore.Kind.USER) {
            return Optional.empty();
        }
        UserId user = client.user().orElseThrow();
        Optional<AccountSource.Account> account = accounts.find(user);
        if (account.isEmpty() || !account.get().enabled()) {
            throw new KdcFailure(
                    KrbErrorCode.KDC_ERR_CLIENT_REVOKED, "bastion account disabled or gone");
        }
        return account;
    }

    private Identity server(PrincipalName sname) throws KdcFailure, BastionException {
        String serverName = name(sname);
        return store.find(serverName)
                .filter(i -> i.kind() != PrincipalStore.Kind.USER && !i.disabled())
                .orElseThrow(
                        () ->
                                new KdcFailure(
                                        KrbErrorCode.KDC_ERR_S_PRINCIPAL_UNKNOWN,
                                        "unknown server " + serverName));
    }

    private Identity krbtgt() throws KdcFailure, BastionException {
        return store.find(krbtgtPrincipal())
                .orElseThrow(
                        () -> new KdcFailure(KrbErrorCode.KDC_ERR_SVC_UNAVAILABLE, "no krbtgt"));
    }

    /** The grants the client holds now; a service principal holds none. */
    private Window window(Identity client, Instant now) throws BastionException {
        if (client.kind() != PrincipalStore.Kind.USER) {
            return new Window(Set.of(), Instant.MAX);
        }
        EffectiveWindow w = grants.effectiveWindow(client.user().orElseThrow());
        // a grant ending within the shortest ticket life counts as ended: its SID is dropped
        // rather than refusing the ticket
        Instant horizon = now.plus(options.minTicketLifetime());
        Map<Sid, Instant> held = new TreeMap<>();
        w.grants()
                .forEach(
                        (sid, end) -> {
                            if (end.isAfter(horizon)) {
                                held.put(sid, end.truncatedTo(ChronoUnit.SECONDS));
                            }
                        });
        Instant cap = held.values().stream().min(Instant::compareTo).orElse(Instant.MAX);
        return new Window(Set.copyOf(held.keySet()), cap);
    }

    private record Window(Set<Sid> sids, Instant cap) {}

    /** The session enctype: the client's first choice that is enabled and the server has. */
    private Enctype sessionEnctype(KdcReqBody body, Identity server) throws KdcFailure {
        for (EncryptionType wanted : body.getEtypes()) {
            for (StoredKey k : server.currentKeys()) {
                if (k.enctype().kerby() == wanted && options.enctypes().contains(k.enctype())) {
                    return k.enctype();
                }
            }
        }
        throw new KdcFailure(
                KrbErrorCode.KDC_ERR_ETYPE_NOSUPP, "no enctype common to client and server");
    }

    private StoredKey strongestKey(Identity server) throws KdcFailure {
        for (Enctype e : Enctype.values()) {
            if (options.enctypes().contains(e)) {
                Optional<StoredKey> k = server.key(e, null);
                if (k.isPresent()) {
                    return k.get();
                }
            }
        }
        throw new KdcFailure(
                KrbErrorCode.KDC_ERR_ETYPE_NOSUPP, server.name() + " has no enabled key");
    }

    private void checkLifetime(Instant start, Instant end) throws KdcFailure {
        if (Duration.between(start, end).compareTo(options.minTicketLifetime()) < 0) {
            throw new KdcFailure(KrbErrorCode.KDC_ERR_NEVER_VALID, "ticket would be too short");
        }
    }

    private Ticket seal(EncTicketPart part, PrincipalName sname, StoredKey key)
            throws KrbException {
        Ticket ticket = new Ticket();
        ticket.setTktKvno(KrbConstant.KRB_V5);
        ticket.setRealm(options.realm());
        ticket.setSname(sname);
        EncryptedData enc =
                KerberosCrypto.seal(part, kerbyKey(key), KeyUsage.KDC_REP_TICKET, Key.LONG_TERM);
        enc.setKvno(key.kvno());
        ticket.setEncryptedEncPart(enc);
        return ticket;
    }

    private void fillRepPart(
            EncKdcRepPart rep, EncTicketPart part, int nonce, PrincipalName sname, Instant now) {
        rep.setKey(part.getKey());
        LastReq lastReq = new LastReq();
        LastReqEntry entry = new LastReqEntry();
        entry.setLrType(LastReqType.NONE);
        entry.setLrValue(time(now));
        lastReq.add(entry);
        rep.setLastReq(lastReq);
        rep.setNonce(nonce);
        rep.setFlags(part.getFlags());
        rep.setAuthTime(part.getAuthTime());
        rep.setStartTime(part.getStartTime());
        rep.setEndTime(part.getEndTime());
        if (part.getRenewtill() != null) {
            rep.setRenewTill(part.getRenewtill());
        }
        rep.setSrealm(options.realm());
        rep.setSname(sname);
        if (part.getClientAddresses() != null) {
            rep.setCaddr(part.getClientAddresses());
        }
    }

    private static void setAuthorizationData(EncTicketPart part, List<AuthorizationDataEntry> ad) {
        if (!ad.isEmpty()) {
            AuthorizationData data = new AuthorizationData();
            for (AuthorizationDataEntry e : ad) {
                data.add(e);
            }
            part.setAuthorizationData(data);
        }
    }

    /** The audit event of a ticket about to be issued (kept by the caller before it is sent). */
    private Issue audited(
            Kind kind,
            KdcReq req,
            Instant now,
            Identity client,
            String service,
            Instant start,
            Instant end,
            Instant renewTill,
            Set<Sid> sids,
            Enctype sessionType) {
        Map<String, Object> details = new java.util.HashMap<>(12);
        details.put("exchange", kind.name());
        details.put("client", client.name());
        details.put("service", service);
        details.put("start", start);
        details.put("end", end);
        details.put("renew_till", renewTill == null ? "" : renewTill);
        details.put(
                "sids", sids.stream().map(Sid::toString).sorted().collect(Collectors.joining(",")));
        details.put("session_enctype", sessionType.mitName());
        AuditEvent event =
                AuditEvent.of("kerberos.ticket.issued", clock.instant(), client.name())
                        .withDetails(details);
        if (client.user().isPresent()) {
            event = event.withUser(client.user().get().value());
        }
        return new Issue(event, kind, client.name(), service, end, sids.size(), req, now);
    }

    private static byte[] encode(KrbMessage message) throws KrbException {
        return KdcCodec.encode(message);
    }

    private static TransitedEncoding emptyTransited() {
        TransitedEncoding t = new TransitedEncoding();
        t.setTrType(TransitedEncodingType.DOMAIN_X500_COMPRESS);
        t.setContents(new byte[0]);
        return t;
    }

    static EncryptionKey kerbyKey(StoredKey k) {
        return new EncryptionKey(k.enctype().kerby(), k.key(), k.kvno());
    }

    /** A requested time; absent or the zero time "19700101000000Z" means "as long as allowed". */
    private static Instant requested(KerberosTime t) {
        return t == null || t.getTime() <= 0 ? Instant.MAX : instant(t);
    }

    private static Instant instant(KerberosTime t) {
        return Instant.ofEpochMilli(t.getTime()).truncatedTo(ChronoUnit.SECONDS);
    }

    private static KerberosTime time(Instant i) {
        return new KerberosTime(i.toEpochMilli());
    }

    private static Instant min(Instant... all) {
        Instant m = Instant.MAX;
        for (Instant i : all) {
            if (i.isBefore(m)) {
                m = i;
            }
        }
        return m;
    }

    private String name(PrincipalName p) {
        return name(p, options.realm());
    }

    private static String name(PrincipalName p, String realm) {
        return String.join("/", p.getNameStrings()) + "@" + realm;
    }

    private String krbtgtPrincipal() {
        return "krbtgt/" + options.realm() + "@" + options.realm();
    }

    private PrincipalName krbtgtName() {
        return new PrincipalName(List.of("krbtgt", options.realm()), NameType.NT_SRV_INST);
    }

    /** A principal name (without realm) from {@code name@REALM}. */
    private static PrincipalName principal(String full) {
        String n = full.substring(0, full.lastIndexOf('@'));
        List<String> parts = List.of(n.split("/"));
        return new PrincipalName(
                parts, parts.size() > 1 ? NameType.NT_SRV_INST : NameType.NT_PRINCIPAL);
    }

    private PrincipalName withRealm(PrincipalName p) {
        return withRealm(p, options.realm());
    }

    private static PrincipalName withRealm(PrincipalName p, String realm) {
        PrincipalName copy = new PrincipalName(p.getNameStrings(), p.getNameType());
        copy.setRealm(realm);
        return copy;
    }
}
