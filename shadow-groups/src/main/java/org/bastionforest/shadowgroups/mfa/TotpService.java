package org.bastionforest.shadowgroups.mfa;

import com.eatthepath.otp.TimeBasedOneTimePasswordGenerator;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.Base64;
import java.util.Objects;
import java.util.regex.Pattern;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.bastionforest.shadowgroups.audit.AuditEvent;
import org.bastionforest.shadowgroups.audit.AuditLog;
import org.bastionforest.shadowgroups.errors.ConflictException;
import org.bastionforest.shadowgroups.errors.StorageException;
import org.bastionforest.shadowgroups.policy.UserId;
import org.bastionforest.shadowgroups.request.MfaVerifier;
import org.bastionforest.shadowgroups.storage.Database;

/**
 * TOTP (RFC 6238: HMAC-SHA1, 6 digits, 30-second steps, what authenticator apps use) for the MFA
 * that shadow-group policies may require at activation. Codes are computed by the java-otp library;
 * this class keeps the secrets and the rules around them:
 *
 * <ul>
 *   <li><b>Enrolment</b>: {@link #enrol} makes a random 160-bit secret and returns it once (as an
 *       {@code otpauth://} URI); {@link #confirm} with a first valid code completes it. Only
 *       confirmed enrolments verify codes. A confirmed enrolment is replaced only after {@link
 *       #reset} (an administrator's act, audited).
 *   <li><b>At rest</b> the secret is encrypted with AES-GCM under the {@link MfaKeyProvider}'s key
 *       (random 96-bit nonce, the user id as associated data, so a row copied to another user does
 *       not decrypt).
 *   <li><b>Verification</b> accepts the current step and one step either side (clock drift). A
 *       code's step must be later than the last accepted one: a code is never accepted twice
 *       (replay), nor an older one after a newer.
 *   <li><b>Rate limit</b>: after {@link Options#maxFailures()} failures in a row the user is locked
 *       out for {@link Options#lockout()}; every attempt, accepted or not, writes an audit event
 *       ({@code mfa.verified}, {@code mfa.failed} with the reason, {@code mfa.locked}) in its own
 *       transaction.
 * </ul>
 *
 * <pre>{@code
 * TotpService totp = new TotpService(db, audit, keys, clock, TotpService.Options.defaults());
 * TotpEnrolment e = totp.enrol(alice);      // show e.uri() as a QR code
 * totp.confirm(alice, "123456");            // the first code from the app
 * boolean ok = totp.verify(alice, "654321"); // as the MfaVerifier of RequestService
 * }</pre>
 *
 * <p>Thread-safe; immutable. Concurrent verifications of one user are serialized by a row lock.
 */
public final class TotpService implements MfaVerifier {
    private static final Duration STEP = Duration.ofSeconds(30);
    private static final int DIGITS = 6;
    private static final int SECRET_BYTES = 20;
    private static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;
    private static final Pattern CODE = Pattern.compile("[0-9]{6}");
    private static final String ISSUER = "Bastion Forest";

    private final Database database;
    private final AuditLog audit;
    private final MfaKeyProvider keys;
    private final Clock clock;
    private final Options options;
    private final SecureRandom random = new SecureRandom();
    private final TimeBasedOneTimePasswordGenerator totp =
            new TimeBasedOneTimePasswordGenerator(STEP, DIGITS);

    /**
     * Rate limiting.
     *
     * @param maxFailures failures in a row before a lockout, 1 to 100
     * @param lockout how long a lockout lasts, 1 second to 1 day
     */
    public record Options(int maxFailures, Duration lockout) {
        /**
         * Validates the options.
         *
         * @throws IllegalArgumentException naming the bad field
         */
        public Options {
            if (maxFailures < 1 || maxFailures > 100) {
                throw new IllegalArgumentException("maxFailures must be between 1 and 100");
            }
            if (lockout == null
                    || lockout.compareTo(Duration.ofSeconds(1)) < 0
                    || lockout.compareTo(Duration.ofDays(1)) > 0) {
                throw new IllegalArgumentException("lockout must be between 1 second and 1 day");
            }
        }

        /** 5 failures, then 5 minutes locked out. */
        public static Options defaults() {
            return new Options(5, Duration.ofMinutes(5));
        }
    }

    /**
     * @param database where enrolments are kept
     * @param audit where MFA events are recorded
     * @param keys the key that encrypts secrets at rest
     * @param clock the time (TOTP steps are computed from it)
     * @param options rate limiting
     */
    public TotpService(
            Database database, AuditLog audit, MfaKeyProvider keys, Clock clock, Options options) {
        this.database = Objects.requireNonNull(database, "database");
        this.audit = Objects.requireNonNull(audit, "audit");
        this.keys = Objects.requireNonNull(keys, "keys");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.options = Objects.requireNonNull(options, "options");
    }

    /**
     * Starts (or restarts, while unconfirmed) {@code user}'s enrolment with a new secret.
     *
     * @return the secret and its URI, to show the user once
     * @throws ConflictException if the user has a confirmed enrolment (reset it first)
     * @throws StorageException if the database failed
     */
    public TotpEnrolment enrol(UserId user) throws ConflictException, StorageException {
        byte[] secret = new byte[SECRET_BYTES];
        random.nextBytes(secret);
        String encrypted = encrypt(user, secret);
        Instant now = now();
        database.inTransaction(
                c -> {
                    Row existing = lock(c, user);
                    if (existing != null && existing.confirmedAt != null) {
                        throw new ConflictException(
                                user + " has a confirmed TOTP enrolment; reset it first");
                    }
                    try (PreparedStatement ps =
                            c.prepareStatement(
                                    existing == null
                                            ? "INSERT INTO mfa_enrolments (secret_encrypted,"
                                                    + " enrolled_at, user_id) VALUES (?, ?, ?)"
                                            : "UPDATE mfa_enrolments SET secret_encrypted = ?,"
                                                    + " enrolled_at = ?, last_used_step = 0,"
                                                    + " failures = 0, locked_until = NULL"
                                                    + " WHERE user_id = ?")) {
                        ps.setString(1, encrypted);
                        ps.setObject(2, now.atOffset(ZoneOffset.UTC));
                        ps.setString(3, user.value());
                        ps.executeUpdate();
                    }
                    audit.append(c, event("mfa.enrolment-started", now, user, user));
                    return null;
                });
        String base32 = Base32.encode(secret);
        Arrays.fill(secret, (byte) 0);
        String label = encode(ISSUER + ":" + user.value());
        String uri =
                "otpauth://totp/"
                        + label
                        + "?secret="
                        + base32
                        + "&issuer="
                        + encode(ISSUER)
                        + "&algorithm=SHA1&digits="
                        + DIGITS
                        + "&period="
                        + STEP.toSeconds();
        return new TotpEnrolment(base32, uri);
    }

    /**
     * Completes {@code user}'s enrolment with a first valid code.
     *
     * @return true if the code was accepted and the enrolment is now confirmed
     * @throws StorageException if the database failed
     */
    public boolean confirm(UserId user, String code) throws StorageException {
        return check(user, code, true);
    }

    /**
     * Whether {@code code} is a valid, unused code of {@code user}'s confirmed enrolment now. Every
     * call is audited and counts towards the rate limit when it fails.
     *
     * @throws StorageException if the database failed
     */
    @Override
    public boolean verify(UserId user, String code) throws StorageException {
        return check(user, code, false);
    }

    /**
     * Removes {@code user}'s enrolment (an administrator's act, e.g. a lost phone).
     *
     * @return true if there was one
     * @throws StorageException if the database failed
     */
    public boolean reset(UserId user, UserId admin) throws StorageException {
        Instant now = now();
        return database.inTransaction(
                c -> {
                    int rows;
                    try (PreparedStatement ps =
                            c.prepareStatement("DELETE FROM mfa_enrolments WHERE user_id = ?")) {
                        ps.setString(1, user.value());
                        rows = ps.executeUpdate();
                    }
                    if (rows > 0) {
                        audit.append(c, event("mfa.reset", now, admin, user));
                    }
                    return rows > 0;
                });
    }

    /**
     * Whether {@code user} has a confirmed enrolment.
     *
     * @throws StorageException if the database failed
     */
    public boolean isEnrolled(UserId user) throws StorageException {
        return database.inTransaction(
                c -> {
                    Row row = read(c, user);
                    return row != null && row.confirmedAt != null;
                });
    }

    private boolean check(UserId user, String code, boolean confirming) throws StorageException {
        Instant now = now();
        return database.inTransaction(
                c -> {
                    Row row = lock(c, user);
                    if (row == null || (row.confirmedAt == null) != confirming) {
                        String reason =
                                row == null
                                        ? "not enrolled"
                                        : confirming ? "already confirmed" : "not confirmed";
                        audit.append(c, failed(now, user, reason, 0));
                        return false;
                    }
                    if (row.lockedUntil != null && row.lockedUntil.isAfter(now)) {
                        audit.append(c, failed(now, user, "locked out", row.failures));
                        return false;
                    }
                    long step = now.getEpochSecond() / STEP.toSeconds();
                    long matched =
                            code != null && CODE.matcher(code).matches()
                                    ? match(user, row.secretEncrypted, code, step)
                                    : -1;
                    if (matched < 0) {
                        return fail(c, user, row, now, "wrong code");
                    }
                    if (matched <= row.lastUsedStep) {
                        return fail(c, user, row, now, "code used before");
                    }
                    try (PreparedStatement ps =
                            c.prepareStatement(
                                    "UPDATE mfa_enrolments SET last_used_step = ?, failures = 0,"
                                            + " locked_until = NULL"
                                            + (confirming ? ", confirmed_at = ?" : "")
                                            + " WHERE user_id = ?")) {
                        ps.setLong(1, matched);
                        int i = 2;
                        if (confirming) {
                            ps.setObject(i++, now.atOffset(ZoneOffset.UTC));
                        }
                        ps.setString(i, user.value());
                        ps.executeUpdate();
                    }
                    audit.append(
                            c,
                            event(confirming ? "mfa.enrolled" : "mfa.verified", now, user, user));
                    return true;
                });
    }

    private boolean fail(Connection c, UserId user, Row row, Instant now, String reason)
            throws SQLException {
        int failures = row.failures + 1;
        boolean lock = failures >= options.maxFailures();
        try (PreparedStatement ps =
                c.prepareStatement(
                        "UPDATE mfa_enrolments SET failures = ?, locked_until = ?"
                                + " WHERE user_id = ?")) {
            ps.setInt(1, lock ? 0 : failures);
            ps.setObject(2, lock ? now.plus(options.lockout()).atOffset(ZoneOffset.UTC) : null);
            ps.setString(3, user.value());
            ps.executeUpdate();
        }
        audit.append(c, failed(now, user, reason, failures));
        if (lock) {
            audit.append(
                    c,
                    event("mfa.locked", now, null, user)
                            .withDetail("until", now.plus(options.lockout()))
                            .withDetail("failures", failures));
        }
        return false;
    }

    /** The step (of step-1, step, step+1) whose code equals {@code code}, or -1. */
    private long match(UserId user, String encrypted, String code, long step) {
        byte[] secret = decrypt(user, encrypted);
        if (secret == null) {
            return -1;
        }
        SecretKeySpec key = new SecretKeySpec(secret, totp.getAlgorithm());
        try {
            long found = -1;
            for (long s = step - 1; s <= step + 1; s++) {
                String expected =
                        totp.generateOneTimePasswordString(
                                key,
                                Instant.ofEpochSecond(s * STEP.toSeconds()),
                                java.util.Locale.ROOT);
                // compare every candidate in constant time, without stopping at a match
                if (MessageDigest.isEqual(
                        expected.getBytes(StandardCharsets.US_ASCII),
                        code.getBytes(StandardCharsets.US_ASCII))) {
                    found = s;
                }
            }
            return found;
        } catch (InvalidKeyException e) {
            throw new IllegalStateException("HMAC-SHA1 refused a 160-bit key", e);
        } finally {
            Arrays.fill(secret, (byte) 0);
        }
    }

    private String encrypt(UserId user, byte[] secret) {
        try {
            byte[] nonce = new byte[NONCE_BYTES];
            random.nextBytes(nonce);
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, keys.key(), new GCMParameterSpec(TAG_BITS, nonce));
            cipher.updateAAD(user.value().getBytes(StandardCharsets.UTF_8));
            byte[] sealed = cipher.doFinal(secret);
            byte[] out = new byte[nonce.length + sealed.length];
            System.arraycopy(nonce, 0, out, 0, nonce.length);
            System.arraycopy(sealed, 0, out, nonce.length, sealed.length);
            return Base64.getEncoder().encodeToString(out);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(
                    "cannot encrypt a TOTP secret (is the MFA key an AES key?)", e);
        }
    }

    /** The secret, or null when it does not decrypt (wrong key, edited row, another user's). */
    private byte[] decrypt(UserId user, String encrypted) {
        try {
            byte[] in = Base64.getDecoder().decode(encrypted);
            if (in.length <= NONCE_BYTES) {
                return null;
            }
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(
                    Cipher.DECRYPT_MODE,
                    keys.key(),
                    new GCMParameterSpec(TAG_BITS, in, 0, NONCE_BYTES));
            cipher.updateAAD(user.value().getBytes(StandardCharsets.UTF_8));
            return cipher.doFinal(in, NONCE_BYTES, in.length - NONCE_BYTES);
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            return null;
        }
    }

    private record Row(
            String secretEncrypted,
            Instant confirmedAt,
            long lastUsedStep,
            int failures,
            Instant lockedUntil) {}

    private static Row lock(Connection c, UserId user) throws SQLException {
        try (PreparedStatement ps =
                c.prepareStatement(
                        "UPDATE mfa_enrolments SET failures = failures WHERE user_id = ?")) {
            ps.setString(1, user.value());
            ps.executeUpdate();
        }
        return read(c, user);
    }

    private static Row read(Connection c, UserId user) throws SQLException {
        try (PreparedStatement ps =
                c.prepareStatement(
                        "SELECT secret_encrypted, confirmed_at, last_used_step, failures,"
                                + " locked_until FROM mfa_enrolments WHERE user_id = ?")) {
            ps.setString(1, user.value());
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return null;
                }
                OffsetDateTime confirmed = rs.getObject(2, OffsetDateTime.class);
                OffsetDateTime locked = rs.getObject(5, OffsetDateTime.class);
                return new Row(
                        rs.getString(1),
                        confirmed == null ? null : confirmed.toInstant(),
                        rs.getLong(3),
                        rs.getInt(4),
                        locked == null ? null : locked.toInstant());
            }
        }
    }

    private static AuditEvent failed(Instant now, UserId user, String reason, int failures) {
        return event("mfa.failed", now, user, user)
                .withDetail("reason", reason)
                .withDetail("failures", failures);
    }

    private static AuditEvent event(String type, Instant now, UserId actor, UserId user) {
        return AuditEvent.of(type, now, actor == null ? AuditEvent.SYSTEM : actor.value())
                .withUser(user.value());
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MICROS);
    }
}
