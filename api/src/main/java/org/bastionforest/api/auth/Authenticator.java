package org.bastionforest.api.auth;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import org.bastionforest.shadowgroups.audit.AuditEvent;
import org.bastionforest.shadowgroups.audit.AuditLog;
import org.bastionforest.shadowgroups.errors.DirectoryUnavailableException;
import org.bastionforest.shadowgroups.errors.StorageException;
import org.bastionforest.shadowgroups.policy.UserId;
import org.bastionforest.shadowgroups.token.ApiToken;
import org.bastionforest.shadowgroups.token.ApiTokenService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides who sends an {@code Authorization} header: {@code Basic} (LDAP bind against the
 * production directory), {@code Bearer} (an API token) or {@code Negotiate} (SPNEGO, when a
 * Kerberos acceptor is configured). Failures are throttled per login name and per client address,
 * audited ({@code auth.failed}, with the login name as typed, cut to 64 printable characters, never
 * a password or token) and all look the same to the caller.
 *
 * <p>Thread-safe.
 */
public final class Authenticator {
    private static final Logger LOG = LoggerFactory.getLogger(Authenticator.class);

    private final PasswordVerifier passwords;
    private final ApiTokenService tokens;
    private final Optional<SpnegoAcceptor> spnego;
    private final LoginThrottle users;
    private final LoginThrottle clients;
    private final AuditLog audit;
    private final java.time.Clock clock;

    /** What the filter answers. */
    public sealed interface Outcome permits Authenticated, Refused {}

    /** The caller is known. */
    public record Authenticated(Caller caller, Optional<String> responseToken) implements Outcome {}

    /**
     * The caller is not authenticated.
     *
     * @param status 401, or 429 while throttled, or 503 when the directory cannot be asked
     * @param retryAfter for 429: how long to wait
     * @param detail what to tell the caller (the same for every kind of bad credential)
     */
    public record Refused(int status, Optional<Duration> retryAfter, String detail)
            implements Outcome {}

    /**
     * @param passwords verifies Basic credentials
     * @param tokens verifies API tokens
     * @param spnego verifies Kerberos SPNEGO tokens, if configured
     * @param users slows guessing of one account's password down (keys {@code user:<login>})
     * @param clients slows one client address down (keys {@code ip:<address>})
     * @param audit where failures are recorded
     * @param clock the time
     */
    public Authenticator(
            PasswordVerifier passwords,
            ApiTokenService tokens,
            Optional<SpnegoAcceptor> spnego,
            LoginThrottle users,
            LoginThrottle clients,
            AuditLog audit,
            java.time.Clock clock) {
        this.passwords = Objects.requireNonNull(passwords, "passwords");
        this.tokens = Objects.requireNonNull(tokens, "tokens");
        this.spnego = Objects.requireNonNull(spnego, "spnego");
        this.users = Objects.requireNonNull(users, "users");
        this.clients = Objects.requireNonNull(clients, "clients");
        this.audit = Objects.requireNonNull(audit, "audit");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** The schemes to offer in {@code WWW-Authenticate}. */
    public java.util.List<String> challenges() {
        return spnego.isPresent()
                ? java.util.List.of(
                        "Negotiate", "Basic realm=\"bastion\", charset=\"UTF-8\"", "Bearer")
                : java.util.List.of("Basic realm=\"bastion\", charset=\"UTF-8\"", "Bearer");
    }

    /**
     * Authenticates one request.
     *
     * @param authorization the {@code Authorization} header, if any
     * @param client the client's address (for throttling and the audit log)
     */
    public Outcome authenticate(Optional<String> authorization, String client) {
        String ipKey = "ip:" + client;
        Optional<Duration> ipBlocked = clients.blockedFor(ipKey);
        if (ipBlocked.isPresent()) {
            return new Refused(429, ipBlocked, "too many failed attempts; try again later");
        }
        if (authorization.isEmpty() || authorization.get().isBlank()) {
            return new Refused(401, Optional.empty(), "authentication required");
        }
        String header = authorization.get().strip();
        int space = header.indexOf(' ');
        String scheme = (space < 0 ? header : header.substring(0, space)).toLowerCase(Locale.ROOT);
        String value = space < 0 ? "" : header.substring(space + 1).strip();
        try {
            return switch (scheme) {
                case "basic" -> basic(value, client, ipKey);
                case "bearer" -> bearer(value, client, ipKey);
                case "negotiate" -> negotiate(value, client, ipKey);
                default -> new Refused(401, Optional.empty(), "unsupported authentication scheme");
            };
        } catch (DirectoryUnavailableException e) {
            LOG.warn("auth.unavailable: {}", e.getMessage());
            return new Refused(503, Optional.empty(), "cannot verify credentials now");
        } catch (StorageException e) {
            LOG.warn("auth.unavailable: {}", e.getMessage());
            return new Refused(503, Optional.empty(), "cannot verify credentials now");
        }
    }

    private Outcome basic(String value, String client, String ipKey)
            throws DirectoryUnavailableException {
        byte[] decoded;
        try {
            decoded = Base64.getDecoder().decode(value);
        } catch (IllegalArgumentException e) {
            return fail("basic", "?", client, ipKey, Optional.empty());
        }
        char[] text;
        try {
            CharBuffer chars =
                    StandardCharsets.UTF_8
                            .newDecoder()
                            .onMalformedInput(CodingErrorAction.REPORT)
                            .onUnmappableCharacter(CodingErrorAction.REPORT)
                            .decode(ByteBuffer.wrap(decoded));
            text = new char[chars.remaining()];
            chars.get(text);
            if (chars.hasArray()) {
                Arrays.fill(chars.array(), '\0');
            }
        } catch (CharacterCodingException e) {
            return fail("basic", "?", client, ipKey, Optional.empty());
        } finally {
            Arrays.fill(decoded, (byte) 0);
        }
        int colon = -1;
        for (int i = 0; i < text.length; i++) {
            if (text[i] == ':') {
                colon = i;
                break;
            }
        }
        if (colon <= 0) {
            Arrays.fill(text, '\0');
            return fail("basic", "?", client, ipKey, Optional.empty());
        }
        String login = new String(text, 0, colon);
        char[] password = Arrays.copyOfRange(text, colon + 1, text.length);
        Arrays.fill(text, '\0');
        String userKey = "user:" + login.strip().toLowerCase(Locale.ROOT);
        try {
            Optional<Duration> blocked = users.blockedFor(userKey);
            if (blocked.isPresent()) {
                return new Refused(429, blocked, "too many failed attempts; try again later");
            }
            Optional<UserId> user = passwords.verify(login, password);
            if (user.isEmpty()) {
                return fail("basic", login, client, ipKey, Optional.of(userKey));
            }
            return new Authenticated(
                    new Caller(user.get(), Caller.Method.BASIC, Optional.empty()),
                    Optional.empty());
        } finally {
            Arrays.fill(password, '\0');
        }
    }

    private Outcome bearer(String value, String client, String ipKey) throws StorageException {
        Optional<ApiToken> token = tokens.authenticate(value);
        if (token.isEmpty()) {
            return fail("token", "", client, ipKey, Optional.empty());
        }
        return new Authenticated(
                new Caller(token.get().subject(), Caller.Method.TOKEN, token), Optional.empty());
    }

    private Outcome negotiate(String value, String client, String ipKey) {
        if (spnego.isEmpty()) {
            return new Refused(401, Optional.empty(), "unsupported authentication scheme");
        }
        Optional<SpnegoAcceptor.Accepted> accepted = spnego.get().accept(value);
        if (accepted.isEmpty()) {
            return fail("negotiate", "", client, ipKey, Optional.empty());
        }
        return new Authenticated(
                new Caller(accepted.get().user(), Caller.Method.NEGOTIATE, Optional.empty()),
                accepted.get().responseToken());
    }

    private Outcome fail(
            String method, String login, String client, String ipKey, Optional<String> userKey) {
        clients.failed(ipKey);
        userKey.ifPresent(users::failed);
        String shown = printable(login);
        LOG.info("auth.failed: method {} login '{}' from {}", method, shown, client);
        try {
            audit.append(
                    AuditEvent.of("auth.failed", clock.instant(), AuditEvent.SYSTEM)
                            .withDetail("method", method)
                            .withDetail("login", shown)
                            .withDetail("client", client));
        } catch (StorageException | RuntimeException e) {
            LOG.warn("auth.audit-failed: {}", e.getClass().getSimpleName());
        }
        return new Refused(401, Optional.empty(), "invalid credentials");
    }

    private static String printable(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length() && b.length() < 64; i++) {
            char c = s.charAt(i);
            b.append(Character.isISOControl(c) ? '?' : c);
        }
        return b.toString();
    }
}
