package org.bastionforest.shadowgroups.token;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
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
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.bastionforest.shadowgroups.audit.AuditEvent;
import org.bastionforest.shadowgroups.audit.AuditLog;
import org.bastionforest.shadowgroups.directory.DirectoryFacts;
import org.bastionforest.shadowgroups.errors.AccessDeniedException;
import org.bastionforest.shadowgroups.errors.DirectoryUnavailableException;
import org.bastionforest.shadowgroups.errors.InvalidInputException;
import org.bastionforest.shadowgroups.errors.NotFoundException;
import org.bastionforest.shadowgroups.errors.StorageException;
import org.bastionforest.shadowgroups.policy.Administrators;
import org.bastionforest.shadowgroups.policy.ShadowGroupId;
import org.bastionforest.shadowgroups.policy.ShadowGroupService;
import org.bastionforest.shadowgroups.policy.UserId;
import org.bastionforest.shadowgroups.storage.Database;

/**
 * API tokens: administrators create them for a non-human identity, scoped to shadow groups; the
 * token ({@code bft_} followed by 43 base64url characters, 256 random bits) is returned once and
 * only its SHA-256 hash is stored (a token has full entropy, so a fast hash is enough, and lookups
 * are by hash). Every creation, revocation and refused use is audited.
 *
 * <pre>{@code
 * ApiTokenService.Created c = tokens.create(admin, UserId.of("ci-deploy"), "release pipeline",
 *         Set.of(ShadowGroupId.of("sql-admins")), Duration.ofDays(90));
 * Optional<ApiToken> who = tokens.authenticate(c.token()); // what a request presents
 * }</pre>
 *
 * <p>Thread-safe.
 */
public final class ApiTokenService {
    /** The prefix of every token: lets secret scanners recognise a leaked one. */
    public static final String PREFIX = "bft_";

    /** The longest a token may live. */
    public static final Duration MAX_LIFETIME = Duration.ofDays(366);

    private static final Pattern TOKEN = Pattern.compile("bft_[A-Za-z0-9_-]{43}");
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Database database;
    private final AuditLog audit;
    private final Administrators administrators;
    private final DirectoryFacts facts;
    private final Clock clock;

    /**
     * A new token: {@link #token()} is shown to the administrator once and never again.
     *
     * @param token the secret
     * @param info what is stored about it
     */
    public record Created(String token, ApiToken info) {
        @Override
        public String toString() {
            return "Created[token=***, info=" + info + "]";
        }
    }

    /**
     * @param database where token hashes are kept
     * @param audit where creation, revocation and refusals are recorded
     * @param administrators who may create and revoke tokens
     * @param facts resolves administrator groups
     * @param clock the time
     */
    public ApiTokenService(
            Database database,
            AuditLog audit,
            Administrators administrators,
            DirectoryFacts facts,
            Clock clock) {
        this.database = Objects.requireNonNull(database, "database");
        this.audit = Objects.requireNonNull(audit, "audit");
        this.administrators = Objects.requireNonNull(administrators, "administrators");
        this.facts = Objects.requireNonNull(facts, "facts");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * Creates a token for {@code subject}.
     *
     * @throws AccessDeniedException if {@code admin} is not an administrator
     * @throws InvalidInputException if the description is blank or longer than 500 characters, the
     *     scope is empty or names an unknown group, or the lifetime is not between 1 minute and
     *     {@link #MAX_LIFETIME}
     * @throws DirectoryUnavailableException if administrator groups cannot be resolved now
     * @throws StorageException if the database failed
     */
    public Created create(
            UserId admin,
            UserId subject,
            String description,
            Set<ShadowGroupId> scope,
            Duration lifetime)
            throws AccessDeniedException,
                    InvalidInputException,
                    DirectoryUnavailableException,
                    StorageException {
        requireAdministrator(admin);
        Objects.requireNonNull(subject, "subject");
        if (description == null
                || description.isBlank()
                || description.length() > 500
                || description.chars().anyMatch(Character::isISOControl)) {
            throw new InvalidInputException(
                    "description must be 1 to 500 characters without control characters");
        }
        if (scope == null || scope.isEmpty() || scope.size() > 100) {
            throw new InvalidInputException("scope must name 1 to 100 shadow groups");
        }
        if (lifetime == null
                || lifetime.compareTo(Duration.ofMinutes(1)) < 0
                || lifetime.compareTo(MAX_LIFETIME) > 0) {
            throw new InvalidInputException("lifetime must be between 1 minute and 366 days");
        }
        byte[] random = new byte[32];
        RANDOM.nextBytes(random);
        String token = PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(random);
        Arrays.fill(random, (byte) 0);
        Instant now = now();
        ApiToken info =
                new ApiToken(
                        UUID.randomUUID(),
                        subject,
                        description,
                        scope,
                        admin,
                        now,
                        now.plus(lifetime),
                        Optional.empty(),
                        Optional.empty());
        String scopeText =
                scope.stream().map(ShadowGroupId::value).sorted().collect(Collectors.joining(","));
        database.inTransaction(
                c -> {
                    for (ShadowGroupId g : scope) {
                        if (ShadowGroupService.find(c, g, false).isEmpty()) {
                            throw new InvalidInputException("scope: no shadow group " + g.value());
                        }
                    }
                    try (PreparedStatement ps =
                            c.prepareStatement(
                                    "INSERT INTO api_tokens (token_id, token_hash, subject,"
                                            + " description, scope_groups, created_by,"
                                            + " created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?,"
                                            + " ?, ?)")) {
                        ps.setObject(1, info.id());
                        ps.setString(2, hash(token));
                        ps.setString(3, subject.value());
                        ps.setString(4, description);
                        ps.setString(5, scopeText);
                        ps.setString(6, admin.value());
                        ps.setObject(7, utc(now));
                        ps.setObject(8, utc(info.expiresAt()));
                        ps.executeUpdate();
                    }
                    audit.append(
                            c,
                            AuditEvent.of("token.created", now, admin.value())
                                    .withUser(subject.value())
                                    .withDetail("tokenId", info.id().toString())
                                    .withDetail("scope", scopeText)
                                    .withDetail("expiresAt", info.expiresAt().toString()));
                    return null;
                });
        return new Created(token, info);
    }

    /**
     * The token's identity, if {@code presented} is a valid, unexpired, unrevoked token. Records
     * the use. Never throws for a bad token: it is simply not authenticated.
     *
     * @throws StorageException if the database failed
     */
    public Optional<ApiToken> authenticate(String presented) throws StorageException {
        if (presented == null || !TOKEN.matcher(presented).matches()) {
            return Optional.empty();
        }
        String hash = hash(presented);
        Instant now = now();
        return database.inTransaction(
                c -> {
                    Optional<ApiToken> t = find(c, "token_hash = ?", hash);
                    if (t.isEmpty() || !t.get().usableAt(now)) {
                        return Optional.empty();
                    }
                    // at most one write a minute per token, so that reads stay cheap
                    if (t.get().lastUsedAt().isEmpty()
                            || t.get()
                                    .lastUsedAt()
                                    .get()
                                    .isBefore(now.minus(Duration.ofMinutes(1)))) {
                        try (PreparedStatement ps =
                                c.prepareStatement(
                                        "UPDATE api_tokens SET last_used_at = ? WHERE token_id"
                                                + " = ?")) {
                            ps.setObject(1, utc(now));
                            ps.setObject(2, t.get().id());
                            ps.executeUpdate();
                        }
                    }
                    return t;
                });
    }

    /**
     * Revokes a token at once.
     *
     * @throws AccessDeniedException if {@code admin} is not an administrator
     * @throws NotFoundException if there is no such token (or it was revoked already)
     * @throws DirectoryUnavailableException if administrator groups cannot be resolved now
     * @throws StorageException if the database failed
     */
    public void revoke(UserId admin, UUID id)
            throws AccessDeniedException,
                    NotFoundException,
                    DirectoryUnavailableException,
                    StorageException {
        requireAdministrator(admin);
        Instant now = now();
        database.inTransaction(
                c -> {
                    Optional<ApiToken> t = find(c, "token_id = ?", id);
                    if (t.isEmpty() || t.get().revokedAt().isPresent()) {
                        throw new NotFoundException("token " + id + " not found");
                    }
                    try (PreparedStatement ps =
                            c.prepareStatement(
                                    "UPDATE api_tokens SET revoked_at = ?, revoked_by = ? WHERE"
                                            + " token_id = ?")) {
                        ps.setObject(1, utc(now));
                        ps.setString(2, admin.value());
                        ps.setObject(3, id);
                        ps.executeUpdate();
                    }
                    audit.append(
                            c,
                            AuditEvent.of("token.revoked", now, admin.value())
                                    .withUser(t.get().subject().value())
                                    .withDetail("tokenId", id.toString()));
                    return null;
                });
    }

    /**
     * Every token, newest first (without the secrets, which are not stored).
     *
     * @throws AccessDeniedException if {@code admin} is not an administrator
     * @throws DirectoryUnavailableException if administrator groups cannot be resolved now
     * @throws StorageException if the database failed
     */
    public List<ApiToken> list(UserId admin)
            throws AccessDeniedException, DirectoryUnavailableException, StorageException {
        requireAdministrator(admin);
        return database.inTransaction(
                c -> {
                    List<ApiToken> out = new ArrayList<>();
                    try (PreparedStatement ps =
                                    c.prepareStatement(
                                            "SELECT "
                                                    + COLUMNS
                                                    + " FROM api_tokens ORDER BY created_at DESC");
                            ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            out.add(read(rs));
                        }
                    }
                    return out;
                });
    }

    private void requireAdministrator(UserId user)
            throws AccessDeniedException, DirectoryUnavailableException {
        if (!administrators.includes(user, facts)) {
            throw new AccessDeniedException("only administrators manage API tokens");
        }
    }

    private static final String COLUMNS =
            "token_id, subject, description, scope_groups, created_by, created_at, expires_at,"
                    + " revoked_at, last_used_at";

    private static Optional<ApiToken> find(Connection c, String where, Object value)
            throws SQLException {
        try (PreparedStatement ps =
                c.prepareStatement("SELECT " + COLUMNS + " FROM api_tokens WHERE " + where)) {
            ps.setObject(1, value);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(read(rs)) : Optional.empty();
            }
        }
    }

    private static ApiToken read(ResultSet rs) throws SQLException {
        Set<ShadowGroupId> scope = new TreeSet<>();
        for (String g : rs.getString(4).split(",")) {
            if (!g.isEmpty()) {
                scope.add(ShadowGroupId.of(g));
            }
        }
        return new ApiToken(
                rs.getObject(1, UUID.class),
                UserId.of(rs.getString(2)),
                rs.getString(3),
                scope,
                UserId.of(rs.getString(5)),
                instant(rs, 6),
                instant(rs, 7),
                Optional.ofNullable(instant(rs, 8)),
                Optional.ofNullable(instant(rs, 9)));
    }

    static String hash(String token) {
        try {
            return HexFormat.of()
                    .formatHex(
                            MessageDigest.getInstance("SHA-256")
                                    .digest(token.getBytes(StandardCharsets.US_ASCII)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }

    private static Instant instant(ResultSet rs, int column) throws SQLException {
        OffsetDateTime t = rs.getObject(column, OffsetDateTime.class);
        return t == null ? null : t.toInstant();
    }

    private static OffsetDateTime utc(Instant instant) {
        return instant.atOffset(ZoneOffset.UTC);
    }

    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MICROS);
    }
}
