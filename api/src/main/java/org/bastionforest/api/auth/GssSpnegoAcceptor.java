package org.bastionforest.api.auth;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivilegedActionException;
import java.security.PrivilegedExceptionAction;
import java.util.Base64;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import javax.security.auth.Subject;
import javax.security.auth.login.AppConfigurationEntry;
import javax.security.auth.login.Configuration;
import javax.security.auth.login.LoginContext;
import javax.security.auth.login.LoginException;
import org.bastionforest.shadowgroups.policy.UserId;
import org.ietf.jgss.GSSContext;
import org.ietf.jgss.GSSCredential;
import org.ietf.jgss.GSSException;
import org.ietf.jgss.GSSManager;
import org.ietf.jgss.GSSName;
import org.ietf.jgss.Oid;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Accepts SPNEGO (Kerberos) tokens with the JDK's GSS-API, as the service's HTTP principal whose
 * keys are in a keytab. The login configuration is built in code (no JAAS file, no system
 * property); the JDK keeps a replay cache of authenticators. Only clients of the configured realm,
 * without an instance part ({@code alice@REALM}, not {@code host/x@REALM}), are accepted; the user
 * id is the lower-cased name before the realm. Only single-round-trip Kerberos exchanges are
 * accepted (what browsers, curl and PowerShell send); NTLM offered through SPNEGO is refused.
 *
 * <pre>{@code
 * SpnegoAcceptor a = GssSpnegoAcceptor.login("HTTP/bastion.priv.example@PRIV.EXAMPLE", keytab);
 * }</pre>
 *
 * <p>Thread-safe: each token gets its own context.
 */
public final class GssSpnegoAcceptor implements SpnegoAcceptor {
    private static final Logger LOG = LoggerFactory.getLogger(GssSpnegoAcceptor.class);
    private static final int MAX_TOKEN = 64 * 1024;

    private final Subject subject;
    private final String realm;
    private final Oid spnego;
    private final Oid kerberos;

    private GssSpnegoAcceptor(Subject subject, String realm) throws GSSException {
        this.subject = subject;
        this.realm = realm;
        this.spnego = new Oid("1.3.6.1.5.5.2");
        this.kerberos = new Oid("1.2.840.113554.1.2.2");
    }

    /**
     * Logs the service principal in from its keytab.
     *
     * @param principal the full principal name, {@code HTTP/host@REALM}
     * @param keytab a keytab holding its keys
     * @throws LoginException if the keytab cannot be read or has no key for the principal
     */
    public static GssSpnegoAcceptor login(String principal, Path keytab) throws LoginException {
        Objects.requireNonNull(principal, "principal");
        int at = principal.lastIndexOf('@');
        if (at <= 0 || at == principal.length() - 1) {
            throw new LoginException("the principal must name its realm: HTTP/host@REALM");
        }
        if (!Files.isReadable(keytab)) {
            throw new LoginException("cannot read the keytab " + keytab);
        }
        Map<String, String> options =
                Map.of(
                        "useKeyTab", "true",
                        "keyTab", keytab.toAbsolutePath().toString(),
                        "storeKey", "true",
                        "isInitiator", "false",
                        "doNotPrompt", "true",
                        "principal", principal);
        Configuration config =
                new Configuration() {
                    @Override
                    public AppConfigurationEntry[] getAppConfigurationEntry(String name) {
                        return new AppConfigurationEntry[] {
                            new AppConfigurationEntry(
                                    "com.sun.security.auth.module.Krb5LoginModule",
                                    AppConfigurationEntry.LoginModuleControlFlag.REQUIRED,
                                    options)
                        };
                    }
                };
        Subject subject = new Subject();
        LoginContext login = new LoginContext("bastion-spnego", subject, null, config);
        login.login();
        try {
            return new GssSpnegoAcceptor(subject, principal.substring(at + 1));
        } catch (GSSException e) {
            throw new LoginException("GSS-API is not available: " + e.getMessage());
        }
    }

    @Override
    public Optional<Accepted> accept(String base64Token) {
        byte[] token;
        try {
            token = Base64.getDecoder().decode(base64Token);
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
        if (token.length == 0 || token.length > MAX_TOKEN) {
            return Optional.empty();
        }
        try {
            return Subject.doAs(
                    subject, (PrivilegedExceptionAction<Optional<Accepted>>) () -> accept(token));
        } catch (PrivilegedActionException e) {
            LOG.info("auth.negotiate-refused: {}", e.getException().getClass().getSimpleName());
            return Optional.empty();
        }
    }

    private Optional<Accepted> accept(byte[] token) throws GSSException {
        GSSManager manager = GSSManager.getInstance();
        GSSCredential credential =
                manager.createCredential(
                        null,
                        GSSCredential.INDEFINITE_LIFETIME,
                        new Oid[] {spnego, kerberos},
                        GSSCredential.ACCEPT_ONLY);
        GSSContext context = manager.createContext(credential);
        try {
            byte[] out = context.acceptSecContext(token, 0, token.length);
            if (!context.isEstablished()) {
                return Optional.empty(); // a second round trip (NTLM, or a broken client)
            }
            GSSName source = context.getSrcName();
            String name = source == null ? "" : source.toString();
            int at = name.lastIndexOf('@');
            if (at <= 0 || !name.substring(at + 1).equals(realm) || name.indexOf('/') >= 0) {
                LOG.info(
                        "auth.negotiate-refused: a client outside realm {} or with an instance",
                        realm);
                return Optional.empty();
            }
            UserId user = UserId.of(name.substring(0, at).toLowerCase(Locale.ROOT));
            return Optional.of(
                    new Accepted(
                            user,
                            out == null || out.length == 0
                                    ? Optional.empty()
                                    : Optional.of(Base64.getEncoder().encodeToString(out))));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        } finally {
            context.dispose();
        }
    }
}
