package org.bastionforest.api.auth;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.bastionforest.shadowgroups.errors.DirectoryUnavailableException;
import org.bastionforest.shadowgroups.policy.UserId;

/**
 * Remembers successful password verifications for a short time, so that a client sending the same
 * Basic credentials with every call does not cost an LDAP search and bind each time.
 *
 * <p>What is kept per login: an HMAC-SHA256 of login and password under a random key made when the
 * verifier is created (never stored, never logged), the verified user and when it expires. Not the
 * password. Only successes are remembered: a wrong password is always checked by the delegate (and
 * counted by the login throttles), and a failed check forgets the login, so a password changed in
 * the directory stops the old one at once for every client that tries the new one, and within the
 * time-to-live otherwise. Authorization (groups, administrators) is never cached: it is resolved
 * per request as before.
 *
 * <p>The trade-off, in docs/security.md: for up to the time-to-live after a password change or an
 * account disable in the production directory, a client that already logged in with the old
 * password is still accepted. {@code rest.basic-auth-cache: 0s} turns the cache off.
 *
 * <p>Thread-safe.
 */
public final class CachingPasswordVerifier implements PasswordVerifier {
    /** Beyond this many remembered logins, new ones are not remembered until some expire. */
    static final int MAX_ENTRIES = 10_000;

    private final PasswordVerifier delegate;
    private final Duration ttl;
    private final Clock clock;
    private final SecretKeySpec key;
    private final Map<String, Verified> verified = new ConcurrentHashMap<>();

    private record Verified(byte[] mac, UserId user, Instant expires) {}

    /**
     * @param delegate the verifier that checks against the directory
     * @param ttl how long a success is reused, more than zero
     * @param clock the time
     */
    public CachingPasswordVerifier(PasswordVerifier delegate, Duration ttl, Clock clock) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
        this.ttl = Objects.requireNonNull(ttl, "ttl");
        this.clock = Objects.requireNonNull(clock, "clock");
        if (ttl.isNegative() || ttl.isZero()) {
            throw new IllegalArgumentException("ttl must be more than zero");
        }
        byte[] k = new byte[32];
        new SecureRandom().nextBytes(k);
        this.key = new SecretKeySpec(k, "HmacSHA256");
        Arrays.fill(k, (byte) 0);
    }

    @Override
    public Optional<UserId> verify(String login, char[] password)
            throws DirectoryUnavailableException {
        byte[] mac = mac(login, password);
        Instant now = clock.instant();
        Verified known = verified.get(login);
        if (known != null
                && now.isBefore(known.expires())
                && MessageDigest.isEqual(known.mac(), mac)) {
            return Optional.of(known.user());
        }
        Optional<UserId> user = delegate.verify(login, password);
        if (user.isEmpty()) {
            verified.remove(login); // a changed password ends the old one's reuse
            return user;
        }
        if (verified.size() >= MAX_ENTRIES) {
            verified.values().removeIf(v -> !now.isBefore(v.expires()));
        }
        if (verified.size() < MAX_ENTRIES) {
            verified.put(login, new Verified(mac, user.get(), now.plus(ttl)));
        }
        return user;
    }

    /** How many logins are remembered now (expired ones included until swept). */
    int size() {
        return verified.size();
    }

    private byte[] mac(String login, char[] password) {
        ByteBuffer secret = StandardCharsets.UTF_8.encode(CharBuffer.wrap(password));
        byte[] bytes = new byte[secret.remaining()];
        secret.get(bytes);
        if (secret.hasArray()) {
            Arrays.fill(secret.array(), (byte) 0);
        }
        try {
            Mac hmac = Mac.getInstance("HmacSHA256");
            hmac.init(key);
            byte[] name = login.getBytes(StandardCharsets.UTF_8);
            hmac.update(ByteBuffer.allocate(4).putInt(name.length).array());
            hmac.update(name);
            hmac.update(bytes);
            return hmac.doFinal();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available", e);
        } finally {
            Arrays.fill(bytes, (byte) 0);
        }
    }
}
