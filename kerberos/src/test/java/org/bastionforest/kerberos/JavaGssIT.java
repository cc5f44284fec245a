package org.bastionforest.kerberos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.bastionforest.kerberos.KdcFixture.ALICE;
import static org.bastionforest.kerberos.KdcFixture.PASSWORD;
import static org.bastionforest.kerberos.KdcFixture.REALM;
import static org.bastionforest.kerberos.KdcFixture.ROOT;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivilegedExceptionAction;
import java.util.Map;
import javax.security.auth.Subject;
import javax.security.auth.callback.NameCallback;
import javax.security.auth.callback.PasswordCallback;
import javax.security.auth.login.AppConfigurationEntry;
import javax.security.auth.login.Configuration;
import javax.security.auth.login.LoginContext;
import javax.security.auth.login.LoginException;
import org.ietf.jgss.GSSContext;
import org.ietf.jgss.GSSCredential;
import org.ietf.jgss.GSSManager;
import org.ietf.jgss.GSSName;
import org.ietf.jgss.Oid;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Java GSS-API against the bastion KDC: JAAS Krb5LoginModule logs in with a password (initiator)
 * and with an exported keytab (acceptor), and a GSSContext is established between them with mutual
 * authentication. Java reads its krb5.conf once per JVM, so this class points it at the KDC's
 * generated snippet before anything else uses Kerberos.
 */
class JavaGssIT {
    private static final String SPN = "HTTP/gss.bastion.test";
    private static final Oid KRB5 = oid("1.2.840.113554.1.2.2");

    @TempDir static Path dir;
    private static KdcFixture fx;
    private static Path keytab;

    @BeforeAll
    static void start() throws Exception {
        fx =
                new KdcFixture(
                        BastionKdc.Options.defaults(REALM).withAddress("127.0.0.1", 0, 0),
                        new PacAuthorizationData(REALM));
        fx.kdc.principals().setPassword(ALICE, PASSWORD.toCharArray());
        fx.kdc.principals().registerService(SPN, ROOT);
        keytab = dir.resolve("gss.keytab");
        Files.write(keytab, fx.kdc.principals().exportKeytab(SPN, ROOT));
        Path conf = dir.resolve("krb5.conf");
        Files.writeString(conf, fx.kdc.krb5Conf("127.0.0.1"), StandardCharsets.UTF_8);
        System.setProperty("java.security.krb5.conf", conf.toString());
        System.setProperty("sun.security.krb5.disableReferrals", "true");
        System.setProperty("javax.security.auth.useSubjectCredsOnly", "true");
    }

    @AfterAll
    static void stop() {
        if (fx != null) {
            fx.close();
        }
    }

    @Test
    void gssContext_passwordInitiatorAndKeytabAcceptor_thenEstablishedMutually() throws Exception {
        Subject client = login(clientOptions(), "alice@" + REALM, PASSWORD);
        Subject server = login(serverOptions(), null, null);

        GSSManager manager = GSSManager.getInstance();
        GSSContext initiator =
                Subject.doAs(
                        client,
                        (PrivilegedExceptionAction<GSSContext>)
                                () -> {
                                    GSSName name =
                                            manager.createName(
                                                    SPN + "@" + REALM, GSSName.NT_USER_NAME);
                                    GSSContext c =
                                            manager.createContext(
                                                    name, KRB5, null, GSSContext.DEFAULT_LIFETIME);
                                    c.requestMutualAuth(true);
                                    return c;
                                });
        GSSContext acceptor =
                Subject.doAs(
                        server,
                        (PrivilegedExceptionAction<GSSContext>)
                                () -> manager.createContext((GSSCredential) null));

        byte[] token =
                Subject.doAs(
                        client,
                        (PrivilegedExceptionAction<byte[]>)
                                () -> initiator.initSecContext(new byte[0], 0, 0));
        byte[] reply =
                Subject.doAs(
                        server,
                        (PrivilegedExceptionAction<byte[]>)
                                () -> acceptor.acceptSecContext(token, 0, token.length));
        assertThat(acceptor.isEstablished()).isTrue();
        assertThat(acceptor.getSrcName().toString()).isEqualTo("alice@" + REALM);
        Subject.doAs(
                client,
                (PrivilegedExceptionAction<byte[]>)
                        () -> initiator.initSecContext(reply, 0, reply.length));
        assertThat(initiator.isEstablished()).isTrue();
        assertThat(initiator.getMutualAuthState()).isTrue();

        byte[] sealed =
                initiator.wrap(
                        "hello".getBytes(StandardCharsets.UTF_8),
                        0,
                        5,
                        new org.ietf.jgss.MessageProp(true));
        byte[] opened =
                acceptor.unwrap(sealed, 0, sealed.length, new org.ietf.jgss.MessageProp(true));
        assertThat(new String(opened, StandardCharsets.UTF_8)).isEqualTo("hello");
    }

    @Test
    void pac_whenAliceHoldsAGrant_thenTheServiceSeesItsSidAndCapInAPacSignedForIt()
            throws Exception {
        var grant = fx.grant(ALICE, KdcFixture.SQL, java.time.Duration.ofMinutes(30));
        java.time.Instant end = grant.grant().orElseThrow().endsAt();
        Subject client = login(clientOptions(), "alice@" + REALM, PASSWORD);
        Subject server = login(serverOptions(), null, null);
        GSSManager manager = GSSManager.getInstance();
        GSSContext initiator =
                Subject.doAs(
                        client,
                        (PrivilegedExceptionAction<GSSContext>)
                                () ->
                                        manager.createContext(
                                                manager.createName(
                                                        SPN + "@" + REALM, GSSName.NT_USER_NAME),
                                                KRB5,
                                                null,
                                                GSSContext.DEFAULT_LIFETIME));
        GSSContext acceptor =
                Subject.doAs(
                        server,
                        (PrivilegedExceptionAction<GSSContext>)
                                () -> manager.createContext((GSSCredential) null));
        byte[] token =
                Subject.doAs(
                        client,
                        (PrivilegedExceptionAction<byte[]>)
                                () -> initiator.initSecContext(new byte[0], 0, 0));
        Subject.doAs(
                server,
                (PrivilegedExceptionAction<byte[]>)
                        () -> acceptor.acceptSecContext(token, 0, token.length));
        assertThat(acceptor.isEstablished()).isTrue();

        // the ticket's authorization data, as the JDK's acceptor decrypted it
        com.sun.security.jgss.AuthorizationDataEntry[] entries =
                (com.sun.security.jgss.AuthorizationDataEntry[])
                        ((com.sun.security.jgss.ExtendedGSSContext) acceptor)
                                .inquireSecContext(
                                        com.sun.security.jgss.InquireType.KRB5_GET_AUTHZ_DATA);
        byte[] pacBytes = null;
        for (com.sun.security.jgss.AuthorizationDataEntry e : entries) {
            if (e.getType() == 1) { // AD-IF-RELEVANT
                var inner =
                        org.apache.kerby.kerberos.kerb.KrbCodec.decode(
                                e.getData(),
                                org.apache.kerby.kerberos.kerb.type.ad.AuthorizationData.class);
                for (var i : inner.getElements()) {
                    if (i.getAuthzType()
                            == org.apache.kerby.kerberos.kerb.type.ad.AuthorizationType
                                    .AD_WIN2K_PAC) {
                        pacBytes = i.getAuthzData();
                    }
                }
            }
        }
        assertThat(pacBytes).as("a PAC in the service ticket").isNotNull();
        org.bastionforest.kerberos.pac.Pac pac = org.bastionforest.kerberos.pac.Pac.parse(pacBytes);
        assertThat(pac.extraSids()).containsExactly(KdcFixture.SQL_ADMINS);
        assertThat(pac.userName()).isEqualTo("alice");
        assertThat(pac.kickOffTime()).isBetween(end.minusSeconds(1), end.plusSeconds(1));

        javax.security.auth.kerberos.KeyTab tab =
                server.getPrivateCredentials(javax.security.auth.kerberos.KeyTab.class)
                        .iterator()
                        .next();
        javax.security.auth.kerberos.KerberosKey aes =
                java.util.Arrays.stream(
                                tab.getKeys(
                                        new javax.security.auth.kerberos.KerberosPrincipal(
                                                SPN + "@" + REALM)))
                        .filter(k -> k.getKeyType() == 18)
                        .findFirst()
                        .orElseThrow();
        org.apache.kerby.kerberos.kerb.type.base.EncryptionKey serviceKey =
                new org.apache.kerby.kerberos.kerb.type.base.EncryptionKey(
                        org.apache.kerby.kerberos.kerb.type.base.EncryptionType
                                .AES256_CTS_HMAC_SHA1_96,
                        aes.getEncoded());
        pac.verifyServerSignature(serviceKey); // throws if it does not verify

        // an independent decoder: impacket reads the ticket's PAC and checks the server signature
        java.nio.file.Path python =
                org.bastionforest.testsupport.ExternalTools.require(
                        "python3", "python3-impacket", "/usr/bin/python3");
        java.nio.file.Path script = dir.resolve("decode_pac.py");
        try (java.io.InputStream in =
                org.bastionforest.kerberos.pac.Pac.class.getResourceAsStream(
                        "/org/bastionforest/kerberos/pac/decode_pac.py")) {
            Files.write(script, in.readAllBytes());
        }
        String request =
                "{\"pac\": \""
                        + java.util.HexFormat.of().formatHex(pacBytes)
                        + "\", \"serverKey\": {\"etype\": 18, \"key\": \""
                        + java.util.HexFormat.of().formatHex(aes.getEncoded())
                        + "\"}}";
        Process py = new ProcessBuilder(python.toString(), script.toString()).start();
        py.getOutputStream().write(request.getBytes(StandardCharsets.UTF_8));
        py.getOutputStream().close();
        String decoded = new String(py.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(py.waitFor()).as(decoded).isZero();
        com.fasterxml.jackson.databind.JsonNode json =
                new com.fasterxml.jackson.databind.ObjectMapper().readTree(decoded);
        assertThat(json.at("/logonInfo/extraSids").toString())
                .isEqualTo("[\"" + KdcFixture.SQL_ADMINS + "\"]");
        assertThat(json.at("/serverChecksum/verifies").asBoolean()).as(decoded).isTrue();
        byte[] tampered = pacBytes.clone();
        tampered[tampered.length / 2] ^= 1;
        org.assertj.core.api.Assertions.assertThatThrownBy(
                        () ->
                                org.bastionforest.kerberos.pac.Pac.parse(tampered)
                                        .verifyServerSignature(serviceKey))
                .isInstanceOf(org.bastionforest.kerberos.pac.PacException.class);
        fx.requests.close(grant.id(), ALICE, "done");
    }

    @Test
    void jaasLogin_withWrongPassword_thenFails() {
        assertThatThrownBy(() -> login(clientOptions(), "alice@" + REALM, "not the password"))
                .isInstanceOf(LoginException.class);
    }

    private static Map<String, String> clientOptions() {
        return Map.of(
                "useTicketCache", "false",
                "doNotPrompt", "false",
                "refreshKrb5Config", "true",
                "isInitiator", "true");
    }

    private static Map<String, String> serverOptions() {
        return Map.of(
                "useKeyTab", "true",
                "keyTab", keytab.toString(),
                "principal", SPN + "@" + REALM,
                "storeKey", "true",
                "doNotPrompt", "true",
                "isInitiator", "false");
    }

    private static Subject login(Map<String, String> options, String user, String password)
            throws LoginException {
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
        LoginContext lc =
                new LoginContext(
                        "bastion",
                        subject,
                        callbacks -> {
                            for (var cb : callbacks) {
                                if (cb instanceof NameCallback n) {
                                    n.setName(user);
                                } else if (cb instanceof PasswordCallback p) {
                                    p.setPassword(password.toCharArray());
                                }
                            }
                        },
                        config);
        lc.login();
        return subject;
    }

    private static Oid oid(String s) {
        try {
            return new Oid(s);
        } catch (org.ietf.jgss.GSSException e) {
            throw new IllegalStateException(e);
        }
    }
}
