package org.bastionforest.kerberos;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.bastionforest.shadowgroups.errors.StorageException;
import org.bastionforest.shadowgroups.policy.UserId;
import org.bastionforest.shadowgroups.storage.Database;

/**
 * The principals and their keys in the database (table {@code kerberos_principals} and {@code
 * kerberos_keys}, migration V7), with the identity cache: a principal read once is served from
 * memory for the cache's time to live, so one request does not read the database several times.
 * Local writes invalidate the cache at once; writes by another node are seen within the time to
 * live. Thread-safe.
 */
final class PrincipalStore {
    /** How many key versions are kept besides the current one (for tickets issued before). */
    static final int OLD_KVNOS_KEPT = 2;

    enum Kind {
        USER,
        SERVICE,
        KRBTGT
    }

    /** One long-term key, decrypted. */
    record StoredKey(int kvno, Enctype enctype, String salt, byte[] key) {
        StoredKey {
            Objects.requireNonNull(enctype, "enctype");
            key = key.clone();
        }

        @Override
        public byte[] key() {
            return key.clone();
        }

        @Override
        public String toString() {
            return "StoredKey[kvno=" + kvno + ", enctype=" + enctype + "]";
        }
    }

    /** A principal with all its kept keys, newest kvno first. */
    record Identity(
            String name,
            Kind kind,
            Optional<UserId> user,
            int kvno,
            boolean disabled,
            List<StoredKey> keys) {
        Identity {
            keys = List.copyOf(keys);
        }

        /** The key of {@code enctype} with {@code kvno} (or the current kvno when null). */
        Optional<StoredKey> key(Enctype enctype, Integer wantedKvno) {
            int k = wantedKvno == null ? kvno : wantedKvno;
            return keys.stream().filter(s -> s.kvno() == k && s.enctype() == enctype).findFirst();
        }

        /** The current keys. */
        List<StoredKey> currentKeys() {
            return keys.stream().filter(s -> s.kvno() == kvno).toList();
        }
    }

    private record Cached(Optional<Identity> identity, Instant until) {}

    private final Database db;
    private final KeyCipher cipher;
    private final Clock clock;
    private final Duration ttl;
    private final ConcurrentHashMap<String, Cached> cache = new ConcurrentHashMap<>();

    PrincipalStore(Database db, KeyCipher cipher, Clock clock, Duration ttl) {
        this.db = db;
        this.cipher = cipher;
        this.clock = clock;
        this.ttl = ttl;
    }

    /** The principal named {@code name} (e.g. {@code alice@REALM}), from the cache if fresh. */
    Optional<Identity> find(String name) throws StorageException {
        Instant now = clock.instant();
        Cached c = cache.get(name);
        if (c != null && now.isBefore(c.until())) {
            return c.identity();
        }
        Optional<Identity> read = db.inTransaction(conn -> read(conn, name));
        if (cache.size() > 100_000) {
            cache.clear();
        }
        cache.put(name, new Cached(read, now.plus(ttl)));
        return read;
    }

    void invalidate(String name) {
        cache.remove(name);
    }

    /** Reads a principal in the caller's transaction, bypassing the cache. */
    Optional<Identity> read(Connection c, String name) throws SQLException {
        Kind kind;
        Optional<UserId> user;
        int kvno;
        boolean disabled;
        try (PreparedStatement ps =
                c.prepareStatement(
                        "SELECT kind, user_id, kvno, disabled FROM kerberos_principals WHERE name"
                                + " = ?")) {
            ps.setString(1, name);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                kind = Kind.valueOf(rs.getString(1));
                user = Optional.ofNullable(rs.getString(2)).map(UserId::of);
                kvno = rs.getInt(3);
                disabled = rs.getBoolean(4);
            }
        }
        List<StoredKey> keys = new ArrayList<>();
        try (PreparedStatement ps =
                c.prepareStatement(
                        "SELECT kvno, enctype, salt, key_encrypted FROM kerberos_keys WHERE"
                                + " principal = ?")) {
            ps.setString(1, name);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    int k = rs.getInt(1);
                    int etype = rs.getInt(2);
                    Enctype e = Enctype.ofNumber(etype);
                    if (e == null) {
                        continue;
                    }
                    keys.add(
                            new StoredKey(
                                    k,
                                    e,
                                    rs.getString(3),
                                    cipher.open(name, k, etype, rs.getString(4))));
                }
            }
        }
        keys.sort(
                Comparator.comparingInt(StoredKey::kvno)
                        .reversed()
                        .thenComparing(StoredKey::enctype));
        return Optional.of(new Identity(name, kind, user, kvno, disabled, keys));
    }

    /**
     * Creates the principal with kvno 1, or moves it to the next kvno, with {@code keys} (whose
     * kvno is ignored), in the caller's transaction; prunes keys older than {@link #OLD_KVNOS_KEPT}
     * versions.
     *
     * @return the new kvno
     */
    int putKeys(Connection c, String name, Kind kind, Optional<UserId> user, List<StoredKey> keys)
            throws SQLException {
        Instant now = clock.instant();
        Optional<Identity> existing = readForUpdate(c, name);
        int kvno;
        if (existing.isEmpty()) {
            kvno = 1;
            try (PreparedStatement ps =
                    c.prepareStatement(
                            "INSERT INTO kerberos_principals (name, kind, user_id, kvno, disabled,"
                                    + " created_at, updated_at) VALUES (?, ?, ?, ?, FALSE, ?, ?)")) {
                ps.setString(1, name);
                ps.setString(2, kind.name());
                ps.setString(3, user.map(UserId::value).orElse(null));
                ps.setInt(4, kvno);
                ps.setObject(5, now.atOffset(ZoneOffset.UTC));
                ps.setObject(6, now.atOffset(ZoneOffset.UTC));
                ps.executeUpdate();
            }
        } else {
            kvno = existing.get().kvno() + 1;
            try (PreparedStatement ps =
                    c.prepareStatement(
                            "UPDATE kerberos_principals SET kvno = ?, updated_at = ? WHERE name = ?")) {
                ps.setInt(1, kvno);
                ps.setObject(2, now.atOffset(ZoneOffset.UTC));
                ps.setString(3, name);
                ps.executeUpdate();
            }
            try (PreparedStatement ps =
                    c.prepareStatement(
                            "DELETE FROM kerberos_keys WHERE principal = ? AND kvno < ?")) {
                ps.setString(1, name);
                ps.setInt(2, kvno - OLD_KVNOS_KEPT);
                ps.executeUpdate();
            }
        }
        try (PreparedStatement ps =
                c.prepareStatement(
                        "INSERT INTO kerberos_keys (principal, kvno, enctype, salt, key_encrypted,"
                                + " created_at) VALUES (?, ?, ?, ?, ?, ?)")) {
            for (StoredKey k : keys) {
                int etype = k.enctype().number();
                ps.setString(1, name);
                ps.setInt(2, kvno);
                ps.setInt(3, etype);
                ps.setString(4, k.salt());
                ps.setString(5, cipher.seal(name, kvno, etype, k.key()));
                ps.setObject(6, now.atOffset(ZoneOffset.UTC));
                ps.addBatch();
            }
            ps.executeBatch();
        }
        return kvno;
    }

    private Optional<Identity> readForUpdate(Connection c, String name) throws SQLException {
        try (PreparedStatement ps =
                c.prepareStatement(
                        "SELECT name FROM kerberos_principals WHERE name = ? FOR UPDATE")) {
            ps.setString(1, name);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
            }
        }
        return read(c, name);
    }
}
