package org.bastionforest.kerberos.pac;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.bastionforest.shadowgroups.model.Sid;

/**
 * Collects and validates the values of a {@link Pac}.
 *
 * <pre>{@code
 * Pac pac = PacBuilder.forUser("alice", "BASTION", "bastion.example",
 *                 Sid.parse("S-1-5-21-1-2-3"), 1105)
 *         .groupRids(List.of(513L))
 *         .extraSids(List.of(Sid.parse("S-1-5-21-7-8-9-512"))) // production Domain Admins
 *         .logonTime(now)
 *         .kickOffTime(grantEnd)      // the ticket cap; also used as LogoffTime
 *         .authTime(now)              // PAC_CLIENT_INFO; defaults to logonTime
 *         .build();
 * }</pre>
 *
 * <p>Defaults: primary group 513 (Domain Users), UPN {@code user@dnsdomain}, client name = user
 * name, LogoffTime = KickOffTime. The user SID must be in the domain; names are at most {@value
 * #MAX_NAME_LENGTH} characters; at most {@value #MAX_SIDS} group RIDs and extra SIDs each. Instants
 * are truncated to FILETIME's 100 ns precision.
 *
 * <p>Mutable and not thread-safe; {@link #build} returns an immutable {@link Pac}.
 */
public final class PacBuilder {
    /** Longest name accepted (UTF-16 code units), far below the 16-bit length fields' limit. */
    public static final int MAX_NAME_LENGTH = 1024;

    /** Most group RIDs, and most extra SIDs, in one PAC. */
    public static final int MAX_SIDS = 1024;

    /** Domain Users. */
    public static final long DOMAIN_USERS_RID = 513;

    private final String userName;
    private final String logonDomainName;
    private final String dnsDomainName;
    private final Sid domainSid;
    private final long userRid;
    private String fullName = "";
    private String upn;
    private String clientName;
    private long primaryGroupRid = DOMAIN_USERS_RID;
    private List<Long> groupRids = List.of();
    private List<Sid> extraSids = List.of();
    private Instant logonTime;
    private Instant kickOffTime;
    private Instant logoffTime;
    private Instant authTime;

    private PacBuilder(
            String userName,
            String logonDomainName,
            String dnsDomainName,
            Sid domainSid,
            long rid) {
        this.userName = name(userName, "user name");
        this.logonDomainName = name(logonDomainName, "logon domain name");
        this.dnsDomainName = name(dnsDomainName, "DNS domain name");
        this.domainSid = Objects.requireNonNull(domainSid, "domainSid");
        this.userRid = rid(rid, "user RID");
        Sid.of(domainSid, rid); // checks the domain SID has room for a RID
    }

    /**
     * A builder for user {@code userName} (sAMAccountName) with RID {@code userRid} in the domain
     * {@code domainSid}, named {@code netbiosDomain} / {@code dnsDomain}.
     *
     * @throws IllegalArgumentException if a name is empty or too long, or the RID does not fit
     */
    public static PacBuilder forUser(
            String userName, String netbiosDomain, String dnsDomain, Sid domainSid, long userRid) {
        return new PacBuilder(userName, netbiosDomain, dnsDomain, domainSid, userRid);
    }

    /**
     * A builder for the user whose full SID is {@code userSid}.
     *
     * @throws IllegalArgumentException if {@code userSid} is not in {@code domainSid}
     */
    public static PacBuilder forUser(
            String userName, String netbiosDomain, String dnsDomain, Sid domainSid, Sid userSid) {
        if (!userSid.isInDomain(domainSid)) {
            throw new IllegalArgumentException(
                    "user SID " + userSid + " is not in domain " + domainSid);
        }
        return new PacBuilder(userName, netbiosDomain, dnsDomain, domainSid, userSid.rid());
    }

    /** The display name (FullName). */
    public PacBuilder fullName(String fullName) {
        this.fullName = fullName.isEmpty() ? "" : name(fullName, "full name");
        return this;
    }

    /** The user principal name; defaults to {@code userName@dnsDomain}. */
    public PacBuilder upn(String upn) {
        this.upn = name(upn, "UPN");
        return this;
    }

    /** The PAC_CLIENT_INFO name; defaults to the user name. Must match the ticket's cname. */
    public PacBuilder clientName(String clientName) {
        this.clientName = name(clientName, "client name");
        return this;
    }

    /** The primary group RID; 513 by default. */
    public PacBuilder primaryGroupRid(long rid) {
        this.primaryGroupRid = rid(rid, "primary group RID");
        return this;
    }

    /** RIDs of the user's groups in the logon domain (GroupIds). */
    public PacBuilder groupRids(List<Long> rids) {
        if (rids.size() > MAX_SIDS) {
            throw new IllegalArgumentException("more than " + MAX_SIDS + " group RIDs");
        }
        List<Long> copy = new ArrayList<>();
        for (Long r : rids) {
            copy.add(rid(r, "group RID"));
        }
        this.groupRids = List.copyOf(copy);
        return this;
    }

    /** SIDs outside the logon domain (ExtraSids): the production groups of active grants. */
    public PacBuilder extraSids(List<Sid> sids) {
        if (sids.size() > MAX_SIDS) {
            throw new IllegalArgumentException("more than " + MAX_SIDS + " extra SIDs");
        }
        this.extraSids = List.copyOf(sids);
        return this;
    }

    /** LogonTime (required). */
    public PacBuilder logonTime(Instant t) {
        this.logonTime = filetimePrecision(t);
        return this;
    }

    /**
     * KickOffTime (required): the ticket cap. Also LogoffTime unless {@link #logoffTime} is set.
     */
    public PacBuilder kickOffTime(Instant t) {
        this.kickOffTime = filetimePrecision(t);
        return this;
    }

    /** LogoffTime; defaults to the KickOffTime. */
    public PacBuilder logoffTime(Instant t) {
        this.logoffTime = filetimePrecision(t);
        return this;
    }

    /** PAC_CLIENT_INFO ClientId: the ticket's authtime; defaults to the logon time. */
    public PacBuilder authTime(Instant t) {
        this.authTime = filetimePrecision(t);
        return this;
    }

    /**
     * The PAC.
     *
     * @throws IllegalStateException if the logon time or kick-off time is missing, or the kick-off
     *     time is before the logon time
     */
    public Pac build() {
        if (logonTime == null || kickOffTime == null) {
            throw new IllegalStateException("logonTime and kickOffTime are required");
        }
        if (kickOffTime.isBefore(logonTime)) {
            throw new IllegalStateException("kickOffTime is before logonTime");
        }
        return new Pac(
                userName,
                fullName,
                logonDomainName,
                dnsDomainName,
                upn != null ? upn : userName + "@" + dnsDomainName,
                domainSid,
                userRid,
                primaryGroupRid,
                groupRids,
                extraSids,
                extraSids.isEmpty() ? 0 : Pac.LOGON_EXTRA_SIDS,
                logonTime,
                logoffTime != null ? logoffTime : kickOffTime,
                kickOffTime,
                clientName != null ? clientName : userName,
                authTime != null ? authTime : logonTime,
                null,
                new int[6]);
    }

    private static String name(String s, String what) {
        if (s == null || s.isEmpty() || s.length() > MAX_NAME_LENGTH) {
            throw new IllegalArgumentException(
                    what + " must have 1 to " + MAX_NAME_LENGTH + " characters");
        }
        return s;
    }

    private static long rid(long rid, String what) {
        if (rid < 0 || rid > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException(what + " does not fit 32 bits");
        }
        return rid;
    }

    private static Instant filetimePrecision(Instant t) {
        Objects.requireNonNull(t, "instant");
        if (t.equals(Instant.MAX)) {
            return t;
        }
        if (t.getEpochSecond() < -11_644_473_600L || t.getEpochSecond() > 900_000_000_000L) {
            throw new IllegalArgumentException("instant " + t + " does not fit a FILETIME");
        }
        return Instant.ofEpochSecond(t.getEpochSecond(), t.getNano() - t.getNano() % 100);
    }
}
