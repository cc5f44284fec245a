package org.bastionforest.api.auth;

import com.unboundid.ldap.sdk.BindResult;
import com.unboundid.ldap.sdk.DN;
import com.unboundid.ldap.sdk.Filter;
import com.unboundid.ldap.sdk.LDAPConnectionPool;
import com.unboundid.ldap.sdk.LDAPException;
import com.unboundid.ldap.sdk.ResultCode;
import com.unboundid.ldap.sdk.SearchRequest;
import com.unboundid.ldap.sdk.SearchResult;
import com.unboundid.ldap.sdk.SearchResultEntry;
import com.unboundid.ldap.sdk.SearchScope;
import com.unboundid.ldap.sdk.SimpleBindRequest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.bastionforest.shadowgroups.errors.DirectoryUnavailableException;
import org.bastionforest.shadowgroups.policy.UserId;

/**
 * Verifies a password with an LDAP bind against the production directory: the user's entry is found
 * by logon name or UPN (a filter built with the SDK's escaping), then bound to on a pooled
 * connection, which is bound back to the service account at once ({@link
 * LDAPConnectionPool#bindAndRevertAuthentication}). An empty password is refused before any bind
 * (an LDAP simple bind with an empty password is an anonymous bind and "succeeds").
 *
 * <pre>{@code
 * PasswordVerifier v = new LdapPasswordVerifier(pool, List.of(base), Attributes.ACTIVE_DIRECTORY);
 * Optional<UserId> who = v.verify("alice@corp.example", password);
 * }</pre>
 *
 * <p>Thread-safe. Never logs or keeps the password.
 */
public final class LdapPasswordVerifier implements PasswordVerifier {
    /** The longest login accepted. */
    public static final int MAX_LOGIN = 256;

    /** The longest password accepted. */
    public static final int MAX_PASSWORD = 1024;

    /**
     * Which attributes name a user.
     *
     * @param id the attribute whose value is the user's canonical id ({@code sAMAccountName})
     * @param alternatives other attributes a user may log in with ({@code userPrincipalName})
     * @param objectClass the object class of users
     */
    public record Attributes(String id, List<String> alternatives, String objectClass) {
        /** Active Directory (and the demo directory): sAMAccountName or UPN. */
        public static final Attributes ACTIVE_DIRECTORY =
                new Attributes("sAMAccountName", List.of("userPrincipalName"), "user");

        /** A generic LDAPv3 directory: uid. */
        public static final Attributes GENERIC = new Attributes("uid", List.of(), "person");

        /** Copies the list. */
        public Attributes {
            Objects.requireNonNull(id, "id");
            alternatives = List.copyOf(alternatives);
            Objects.requireNonNull(objectClass, "objectClass");
        }
    }

    private final LDAPConnectionPool pool;
    private final List<DN> bases;
    private final Attributes attributes;

    /**
     * @param pool connections to the production directory, bound as the service account
     * @param bases where users are searched
     * @param attributes which attributes name a user
     */
    public LdapPasswordVerifier(LDAPConnectionPool pool, List<DN> bases, Attributes attributes) {
        this.pool = Objects.requireNonNull(pool, "pool");
        this.bases = List.copyOf(bases);
        this.attributes = Objects.requireNonNull(attributes, "attributes");
        if (this.bases.isEmpty()) {
            throw new IllegalArgumentException("at least one base DN is needed");
        }
    }

    @Override
    public Optional<UserId> verify(String login, char[] password)
            throws DirectoryUnavailableException {
        if (login == null
                || login.isBlank()
                || login.length() > MAX_LOGIN
                || login.chars().anyMatch(Character::isISOControl)
                || password == null
                || password.length == 0
                || password.length > MAX_PASSWORD) {
            return Optional.empty();
        }
        String name = login.strip();
        int backslash = name.indexOf('\\');
        if (backslash >= 0) {
            name = name.substring(backslash + 1); // DOMAIN\\user
        }
        if (name.isEmpty()) {
            return Optional.empty();
        }
        Optional<SearchResultEntry> entry = find(name);
        if (entry.isEmpty() || !entry.get().hasAttribute(attributes.id())) {
            return Optional.empty();
        }
        byte[] bytes = toUtf8(password);
        try {
            BindResult result =
                    pool.bindAndRevertAuthentication(
                            new SimpleBindRequest(entry.get().getDN(), bytes));
            if (result.getResultCode() != ResultCode.SUCCESS) {
                return Optional.empty();
            }
            return Optional.of(UserId.of(entry.get().getAttributeValue(attributes.id())));
        } catch (LDAPException e) {
            if (isCredentialFailure(e.getResultCode())) {
                return Optional.empty();
            }
            throw new DirectoryUnavailableException(
                    "production directory: cannot verify the password now ("
                            + e.getResultCode().getName()
                            + ")",
                    e);
        } catch (IllegalArgumentException e) {
            return Optional.empty(); // an id the core does not accept
        } finally {
            Arrays.fill(bytes, (byte) 0);
        }
    }

    private Optional<SearchResultEntry> find(String name) throws DirectoryUnavailableException {
        List<Filter> names = new ArrayList<>();
        names.add(Filter.createEqualityFilter(attributes.id(), name));
        for (String alternative : attributes.alternatives()) {
            names.add(Filter.createEqualityFilter(alternative, name));
        }
        Filter filter =
                Filter.createANDFilter(
                        Filter.createEqualityFilter("objectClass", attributes.objectClass()),
                        names.size() == 1 ? names.get(0) : Filter.createORFilter(names));
        List<SearchResultEntry> found = new ArrayList<>();
        for (DN base : bases) {
            try {
                SearchRequest request =
                        new SearchRequest(
                                base.toString(), SearchScope.SUB, filter, attributes.id());
                request.setSizeLimit(2);
                request.setTimeLimitSeconds(10);
                SearchResult result = pool.search(request);
                found.addAll(result.getSearchEntries());
            } catch (LDAPException e) {
                if (e.getResultCode() == ResultCode.SIZE_LIMIT_EXCEEDED) {
                    return Optional.empty(); // ambiguous: refuse rather than guess
                }
                if (e.getResultCode() == ResultCode.NO_SUCH_OBJECT) {
                    continue;
                }
                throw new DirectoryUnavailableException(
                        "production directory: cannot look the user up now ("
                                + e.getResultCode().getName()
                                + ")",
                        e);
            }
        }
        return found.size() == 1 ? Optional.of(found.get(0)) : Optional.empty();
    }

    private static boolean isCredentialFailure(ResultCode code) {
        return code == ResultCode.INVALID_CREDENTIALS
                || code == ResultCode.INAPPROPRIATE_AUTHENTICATION
                || code == ResultCode.UNWILLING_TO_PERFORM
                || code == ResultCode.INVALID_DN_SYNTAX
                || code == ResultCode.CONSTRAINT_VIOLATION;
    }

    private static byte[] toUtf8(char[] password) {
        java.nio.ByteBuffer b =
                java.nio.charset.StandardCharsets.UTF_8.encode(java.nio.CharBuffer.wrap(password));
        byte[] bytes = new byte[b.remaining()];
        b.get(bytes);
        if (b.hasArray()) {
            Arrays.fill(b.array(), (byte) 0);
        }
        return bytes;
    }
}
