package org.bastionforest.kerberos;

import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import org.apache.kerby.kerberos.kerb.KrbException;
import org.apache.kerby.kerberos.kerb.crypto.EncryptionHandler;
import org.apache.kerby.kerberos.kerb.type.base.EncryptionKey;
import org.bastionforest.shadowgroups.audit.AuditEvent;
import org.bastionforest.shadowgroups.audit.AuditLog;
import org.bastionforest.shadowgroups.errors.BastionException;
import org.bastionforest.shadowgroups.errors.ConflictException;
import org.bastionforest.shadowgroups.errors.InvalidInputException;
import org.bastionforest.shadowgroups.errors.NotFoundException;
import org.bastionforest.shadowgroups.errors.StorageException;
import org.bastionforest.shadowgroups.policy.UserId;
import org.bastionforest.shadowgroups.storage.Database;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Manages the bastion realm's principals and their long-term keys: a user's password enrolment,
 * service principals with random keys, keytab export, key rotation (kvno + 1) and krbtgt rotation.
 * Every change is audited in its own transaction; keys, passwords and keytabs are never logged.
 *
 * <pre>{@code
 * PrincipalService principals = kdc.principals();
 * principals.setPassword(UserId.of("alice"), password);          // alice@REALM, kvno 1
 * principals.registerService("HTTP/web.example.com", admin);      // random keys
 * byte[] keytab = principals.exportKeytab("HTTP/web.example.com", admin);
 * }</pre>
 *
 * <p>Thread-safe; holds no mutable state of its own.
 */
public final class PrincipalService {
    private static final Logger LOG = LoggerFactory.getLogger(PrincipalService.class);

    /** A service principal: two or three components of safe characters, e.g. HTTP/host.example. */
    private static final Pattern SERVICE =
            Pattern.compile("[A-Za-z0-9._-]{1,64}(/[A-Za-z0-9._-]{1,255}){1,2}");

    /** The shortest password accepted for enrolment. */
    public static final int MIN_PASSWORD_LENGTH = 12;

    private final BastionKdc.Options options;
    private final Database db;
    private final AuditLog audit;
    private final AccountSource accounts;
    private final PrincipalStore store;
    private final Clock clock;

    PrincipalService(
            BastionKdc.Options options,
            Database db,
            AuditLog audit,
            AccountSource accounts,
            PrincipalStore store,
            Clock clock) {
        this.options = options;
        this.db = db;
        this.audit = audit;
        this.accounts = accounts;
        this.store = store;
        this.clock = clock;
    }

    /** The principal name of {@code user}: {@code alice@REALM}. */
    public String principalOf(UserId user) {
        return user.value() + "@" + options.realm();
    }

    /** The principal name of the realm's ticket-granting service: {@code krbtgt/REALM@REALM}. */
    public String krbtgt() {
        return "krbtgt/" + options.realm() + "@" + options.realm();
    }

    /**
     * Sets (or replaces) the Kerberos password of bastion account {@code user}: derives one key per
     * configured enctype with the salt {@code REALMuser} and stores them under the next kvno. The
     * caller must have authenticated {@code user} (the API does).
     *
     * @param password the new password; the array is wiped before this returns
     * @return the new kvno
     * @throws NotFoundException if there is no enabled bastion account {@code user}
     * @throws InvalidInputException if the password is shorter than {@value #MIN_PASSWORD_LENGTH}
     *     characters
     * @throws StorageException if the database failed (nothing changed)
     */
    public int setPassword(UserId user, char[] password) throws BastionException {
        try {
            if (password == null || password.length < MIN_PASSWORD_LENGTH) {
                throw new InvalidInputException(
                        "a Kerberos password needs at least "
                                + MIN_PASSWORD_LENGTH
                                + " characters");
            }
            Optional<AccountSource.Account> account = accounts.find(user);
            if (account.isEmpty() || !account.get().enabled()) {
                throw new NotFoundException("no enabled bastion account " + user.value());
            }
            String name = principalOf(user);
            String salt = options.realm() + user.value();
            List<PrincipalStore.StoredKey> keys = new ArrayList<>();
            String pw = new String(password);
            for (Enctype e : options.enctypes()) {
                keys.add(new PrincipalStore.StoredKey(0, e, salt, derive(pw, salt, e)));
            }
            int kvno =
                    write(
                            name,
                            PrincipalStore.Kind.USER,
                            Optional.of(user),
                            keys,
                            user.value(),
                            "kerberos.password.set");
            LOG.info("kerberos.password.set: {} kvno {}", name, kvno);
            return kvno;
        } finally {
            if (password != null) {
                Arrays.fill(password, '\0');
            }
        }
    }

    /**
     * Registers service principal {@code service} ({@code HTTP/host.example}, without realm) with
     * random keys of every configured enctype.
     *
     * @return the kvno (1)
     * @throws InvalidInputException if the name is not {@code service/host[/extra]}
     * @throws ConflictException if it exists already
     */
    public int registerService(String service, UserId admin) throws BastionException {
        String name = serviceName(service);
        int kvno =
                db.inTransaction(
                        c -> {
                            if (store.read(c, name).isPresent()) {
                                throw new ConflictException(
                                        "principal " + name + " exists already");
                            }
                            int k =
                                    store.putKeys(
                                            c,
                                            name,
                                            PrincipalStore.Kind.SERVICE,
                                            Optional.empty(),
                                            randomKeys());
                            audit.append(
                                    c,
                                    AuditEvent.of(
                                                    "kerberos.service.registered",
                                                    clock.instant(),
                                                    admin.value())
                                            .withDetail("principal", name)
                                            .withDetail("kvno", k));
                            return k;
                        });
        store.invalidate(name);
        LOG.info("kerberos.service.registered: {}", name);
        return kvno;
    }

    /**
     * Gives service principal {@code service} new random keys under the next kvno; tickets issued
     * under the previous {@value PrincipalStore#OLD_KVNOS_KEPT} kvnos stay readable.
     *
     * @return the new kvno
     * @throws NotFoundException if there is no such service principal
     */
    public int rotate(String service, UserId admin) throws BastionException {
        String name = serviceName(service);
        int kvno =
                db.inTransaction(
                        c -> {
                            Optional<PrincipalStore.Identity> existing = store.read(c, name);
                            if (existing.isEmpty()
                                    || existing.get().kind() != PrincipalStore.Kind.SERVICE) {
                                throw new NotFoundException("no service principal " + name);
                            }
                            int k =
                                    store.putKeys(
                                            c,
                                            name,
                                            PrincipalStore.Kind.SERVICE,
                                            Optional.empty(),
                                            randomKeys());
                            audit.append(
                                    c,
                                    AuditEvent.of(
                                                    "kerberos.keys.rotated",
                                                    clock.instant(),
                                                    admin.value())
                                            .withDetail("principal", name)
                                            .withDetail("kvno", k));
                            return k;
                        });
        store.invalidate(name);
        LOG.info("kerberos.keys.rotated: {} kvno {}", name, kvno);
        return kvno;
    }

    /**
     * Gives the realm's krbtgt new random keys under the next kvno. TGTs issued before stay valid
     * (the previous keys are kept).
     *
     * @return the new kvno
     */
    public int rotateKrbtgt(UserId admin) throws StorageException {
        String name = krbtgt();
        int kvno =
                db.inTransaction(
                        c -> {
                            int k =
                                    store.putKeys(
                                            c,
                                            name,
                                            PrincipalStore.Kind.KRBTGT,
                                            Optional.empty(),
                                            randomKeys());
                            audit.append(
                                    c,
                                    AuditEvent.of(
                                                    "kerberos.krbtgt.rotated",
                                                    clock.instant(),
                                                    admin.value())
                                            .withDetail("principal", name)
                                            .withDetail("kvno", k));
                            return k;
                        });
        store.invalidate(name);
        LOG.info("kerberos.krbtgt.rotated: kvno {}", kvno);
        return kvno;
    }

    /**
     * Sets the shared secret of an outgoing trust: the cross-realm principal {@code
     * krbtgt/REMOTE@REALM}, whose keys the remote realm's KDC (a production AD domain trusting the
     * bastion realm) holds too. Keys are derived per enctype with MIT's default salt {@code
     * REALMkrbtgtREMOTE}; setting it again moves to the next kvno. Clients of the bastion realm
     * then get cross-realm TGTs for {@code REMOTE}, capped like every other ticket.
     *
     * @param password the trust password; the array is wiped before this returns
     * @return the new kvno
     * @throws InvalidInputException if the realm is malformed or this realm, or the password is
     *     shorter than {@value #MIN_PASSWORD_LENGTH} characters
     */
    public int setCrossRealmTrust(String remoteRealm, char[] password, UserId admin)
            throws BastionException {
        try {
            if (remoteRealm == null
                    || !remoteRealm.matches("[A-Z0-9][A-Z0-9.-]{0,254}")
                    || remoteRealm.equals(options.realm())) {
                throw new InvalidInputException(
                        "a trusting realm is upper-case letters, digits, '.' and '-', not this"
                                + " realm");
            }
            if (password == null || password.length < MIN_PASSWORD_LENGTH) {
                throw new InvalidInputException(
                        "a trust password needs at least " + MIN_PASSWORD_LENGTH + " characters");
            }
            String name = "krbtgt/" + remoteRealm + "@" + options.realm();
            String salt = options.realm() + "krbtgt" + remoteRealm;
            String pw = new String(password);
            List<PrincipalStore.StoredKey> keys = new ArrayList<>();
            for (Enctype e : options.enctypes()) {
                keys.add(new PrincipalStore.StoredKey(0, e, salt, derive(pw, salt, e)));
            }
            int kvno =
                    db.inTransaction(
                            c -> {
                                int k =
                                        store.putKeys(
                                                c,
                                                name,
                                                PrincipalStore.Kind.KRBTGT,
                                                Optional.empty(),
                                                keys);
                                audit.append(
                                        c,
                                        AuditEvent.of(
                                                        "kerberos.trust.set",
                                                        clock.instant(),
                                                        admin.value())
                                                .withDetail("principal", name)
                                                .withDetail("kvno", k));
                                return k;
                            });
            store.invalidate(name);
            LOG.info("kerberos.trust.set: {} kvno {}", name, kvno);
            return kvno;
        } finally {
            if (password != null) {
                Arrays.fill(password, '\0');
            }
        }
    }

    /**
     * Deletes the principal and keys of bastion account {@code user} (the account was deleted, or
     * the user withdraws their Kerberos password). Tickets already issued stay valid until they
     * end, but the next TGS or renewal request of the user is refused.
     *
     * @throws NotFoundException if the user has no principal
     */
    public void removeUser(UserId user, UserId actor) throws BastionException {
        remove(principalOf(user), PrincipalStore.Kind.USER, actor);
    }

    /**
     * Deletes service principal {@code service} and its keys: its keytabs stop working at once.
     *
     * @throws NotFoundException if there is no such service principal
     */
    public void removeService(String service, UserId admin) throws BastionException {
        remove(serviceName(service), PrincipalStore.Kind.SERVICE, admin);
    }

    private void remove(String name, PrincipalStore.Kind kind, UserId actor)
            throws BastionException {
        db.inTransaction(
                c -> {
                    Optional<PrincipalStore.Identity> id = store.read(c, name);
                    if (id.isEmpty() || id.get().kind() != kind) {
                        throw new NotFoundException("no principal " + name);
                    }
                    try (var ps =
                            c.prepareStatement("DELETE FROM kerberos_principals WHERE name = ?")) {
                        ps.setString(1, name);
                        ps.executeUpdate();
                    }
                    AuditEvent event =
                            AuditEvent.of(
                                            "kerberos.principal.removed",
                                            clock.instant(),
                                            actor.value())
                                    .withDetail("principal", name);
                    if (id.get().user().isPresent()) {
                        event = event.withUser(id.get().user().get().value());
                    }
                    audit.append(c, event);
                    return null;
                });
        store.invalidate(name);
        LOG.info("kerberos.principal.removed: {}", name);
    }

    /** Creates krbtgt/REALM with random keys unless it exists. */
    void ensureKrbtgt() throws StorageException {
        String name = krbtgt();
        db.inTransaction(
                c -> {
                    if (store.read(c, name).isEmpty()) {
                        store.putKeys(
                                c,
                                name,
                                PrincipalStore.Kind.KRBTGT,
                                Optional.empty(),
                                randomKeys());
                        audit.append(
                                c,
                                AuditEvent.of(
                                                "kerberos.krbtgt.created",
                                                clock.instant(),
                                                AuditEvent.SYSTEM)
                                        .withDetail("principal", name));
                    }
                    return null;
                });
        store.invalidate(name);
    }

    /**
     * The MIT keytab of service principal {@code service}: its current keys and those of the kept
     * older kvnos. The export is audited; the keytab is a secret and is never logged.
     *
     * @throws NotFoundException if there is no such service principal
     */
    public byte[] exportKeytab(String service, UserId admin) throws BastionException {
        String name = serviceName(service);
        return db.inTransaction(
                c -> {
                    Optional<PrincipalStore.Identity> id = store.read(c, name);
                    if (id.isEmpty() || id.get().kind() != PrincipalStore.Kind.SERVICE) {
                        throw new NotFoundException("no service principal " + name);
                    }
                    audit.append(
                            c,
                            AuditEvent.of(
                                            "kerberos.keytab.exported",
                                            clock.instant(),
                                            admin.value())
                                    .withDetail("principal", name)
                                    .withDetail("kvno", id.get().kvno()));
                    return Keytab.write(service, options.realm(), id.get().keys(), clock.instant());
                });
    }

    private int write(
            String name,
            PrincipalStore.Kind kind,
            Optional<UserId> user,
            List<PrincipalStore.StoredKey> keys,
            String actor,
            String event)
            throws StorageException {
        int kvno =
                db.inTransaction(
                        c -> {
                            int k = store.putKeys(c, name, kind, user, keys);
                            audit.append(
                                    c,
                                    AuditEvent.of(event, clock.instant(), actor)
                                            .withUser(user.orElseThrow().value())
                                            .withDetail("principal", name)
                                            .withDetail("kvno", k));
                            return k;
                        });
        store.invalidate(name);
        return kvno;
    }

    private String serviceName(String service) throws InvalidInputException {
        String s = service == null ? "" : service.strip();
        String suffix = "@" + options.realm();
        if (s.endsWith(suffix)) {
            s = s.substring(0, s.length() - suffix.length());
        }
        if (!SERVICE.matcher(s).matches() || s.startsWith("krbtgt/")) {
            throw new InvalidInputException(
                    "a service principal is service/host[/extra] of letters, digits, '.', '_' and"
                            + " '-', not krbtgt");
        }
        return s + suffix;
    }

    private List<PrincipalStore.StoredKey> randomKeys() {
        List<PrincipalStore.StoredKey> keys = new ArrayList<>();
        for (Enctype e : options.enctypes()) {
            try {
                EncryptionKey k = EncryptionHandler.random2Key(e.kerby());
                keys.add(new PrincipalStore.StoredKey(0, e, null, k.getKeyData()));
            } catch (KrbException ex) {
                throw new IllegalStateException("Kerby cannot make a random " + e + " key", ex);
            }
        }
        return keys;
    }

    static byte[] derive(String password, String salt, Enctype e) {
        try {
            return EncryptionHandler.string2Key(password, salt, null, e.kerby()).getKeyData();
        } catch (KrbException ex) {
            throw new IllegalStateException("Kerby cannot derive a " + e + " key", ex);
        }
    }
}
