package org.bastionforest.kerberos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.bastionforest.kerberos.KdcFixture.ALICE;
import static org.bastionforest.kerberos.KdcFixture.BOB;
import static org.bastionforest.kerberos.KdcFixture.PASSWORD;
import static org.bastionforest.kerberos.KdcFixture.REALM;
import static org.bastionforest.kerberos.KdcFixture.ROOT;
import static org.bastionforest.kerberos.KdcFixture.SQL;
import static org.bastionforest.kerberos.KdcFixture.WEB;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import org.bastionforest.shadowgroups.audit.AuditQuery;
import org.bastionforest.shadowgroups.request.AccessRequest;
import org.bastionforest.testsupport.ExternalTools;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** MIT kinit, klist and kvno against the bastion KDC, over TCP and UDP. */
class MitKdcIT {
    private static final String WEB_SPN = "HTTP/web.bastion.test";
    private static KdcFixture fx;

    @TempDir Path dir;

    @BeforeAll
    static void start() throws Exception {
        ExternalTools.require("kinit", "krb5-user");
        ExternalTools.require("kvno", "krb5-user");
        fx = new KdcFixture();
        fx.kdc.principals().setPassword(ALICE, PASSWORD.toCharArray());
        fx.kdc.principals().setPassword(BOB, PASSWORD.toCharArray());
        fx.kdc.principals().registerService(WEB_SPN, ROOT);
    }

    @AfterAll
    static void stop() {
        if (fx != null) {
            fx.close();
        }
    }

    @Test
    void kinit_overTcp_withPassword_thenTgt() throws Exception {
        MitClient mit = new MitClient(dir, fx.kdc, "tcp");
        MitClient.Result r = mit.kinit(PASSWORD, "alice@" + REALM);
        assertThat(r.exit()).as(r.out() + mit.trace()).isZero();
        assertThat(mit.ticket("krbtgt/" + REALM).end()).isAfter(Instant.now().plusSeconds(3600));
        assertThat(mit.trace()).contains("TCP");
    }

    @Test
    void kinit_overUdp_withPassword_thenTgt() throws Exception {
        MitClient mit = new MitClient(dir, fx.kdc, "udp");
        MitClient.Result r = mit.kinit(PASSWORD, "alice@" + REALM);
        assertThat(r.exit()).as(r.out() + mit.trace()).isZero();
        assertThat(mit.tickets()).hasSize(1);
        assertThat(mit.trace()).contains("UDP").doesNotContain("TCP");
    }

    @Test
    void kinit_withWrongPassword_thenFails() throws Exception {
        for (String transport : new String[] {"tcp", "udp"}) {
            MitClient mit = new MitClient(dir, fx.kdc, transport);
            MitClient.Result r = mit.kinit("not the password at all", "alice@" + REALM);
            assertThat(r.exit()).as(transport).isNotZero();
            assertThat(r.out()).containsIgnoringCase("password incorrect");
        }
    }

    @Test
    void kinit_whenGrantEndsIn90s_thenTgtAndServiceTicketEndThen() throws Exception {
        AccessRequest grant = fx.grant(BOB, SQL, Duration.ofSeconds(90));
        Instant grantEnd = grant.grant().orElseThrow().endsAt().truncatedTo(ChronoUnit.SECONDS);
        try {
            MitClient mit = new MitClient(dir, fx.kdc, "tcp");
            assertThat(mit.kinit(PASSWORD, "-r", "1h", "bob@" + REALM).exit()).isZero();
            MitClient.Result kvno = mit.run(null, "kvno", WEB_SPN + "@" + REALM);
            assertThat(kvno.exit()).as(kvno.out()).isZero();

            MitClient.Entry tgt = mit.ticket("krbtgt/" + REALM);
            MitClient.Entry service = mit.ticket(WEB_SPN);
            assertThat(tgt.end()).isEqualTo(grantEnd);
            assertThat(service.end()).isEqualTo(grantEnd);
            // not renewable past the grant: renew-till is capped at the same instant
            assertThat(tgt.renewUntil() == null || !tgt.renewUntil().isAfter(grantEnd)).isTrue();
            // both issuances are audited with the SID and the capped end
            var issued =
                    fx.audit
                            .query(AuditQuery.all().type("kerberos.ticket.issued").user("bob"))
                            .records();
            assertThat(issued)
                    .extracting(r -> r.event().details())
                    .anySatisfy(
                            d -> {
                                assertThat(d.get("exchange")).isEqualTo("AS");
                                assertThat(d.get("sids"))
                                        .isEqualTo(KdcFixture.SQL_ADMINS.toString());
                                assertThat(d.get("end")).isEqualTo(grantEnd.toString());
                            })
                    .anySatisfy(
                            d -> {
                                assertThat(d.get("exchange")).isEqualTo("TGS");
                                assertThat(d.get("service")).isEqualTo(WEB_SPN + "@" + REALM);
                                assertThat(d.get("end")).isEqualTo(grantEnd.toString());
                            });
        } finally {
            fx.requests.close(grant.id(), BOB, "test over");
        }
    }

    @Test
    void kinitRenew_extendsWithinRenewTill_thenRecappedOrRefusedAfterGrantClosed()
            throws Exception {
        AccessRequest sql = fx.grant(ALICE, SQL, Duration.ofMinutes(10));
        AccessRequest web = fx.grant(ALICE, WEB, Duration.ofMinutes(5));
        Instant webEnd = web.grant().orElseThrow().endsAt().truncatedTo(ChronoUnit.SECONDS);
        Instant sqlEnd = sql.grant().orElseThrow().endsAt().truncatedTo(ChronoUnit.SECONDS);
        MitClient mit = new MitClient(dir, fx.kdc, "tcp");
        assertThat(mit.kinit(PASSWORD, "-l", "30s", "-r", "1h", "alice@" + REALM).exit()).isZero();
        MitClient.Entry first = mit.ticket("krbtgt/" + REALM);
        assertThat(first.renewUntil()).isEqualTo(webEnd);

        Thread.sleep(1100);
        MitClient.Result renewed = mit.run(null, "kinit", "-R");
        assertThat(renewed.exit()).as(renewed.out()).isZero();
        MitClient.Entry second = mit.ticket("krbtgt/" + REALM);
        assertThat(second.end()).isAfter(first.end());
        assertThat(second.renewUntil()).isEqualTo(webEnd);

        // the earlier grant is closed early: the renewal is re-capped at the other grant's end
        fx.requests.close(web.id(), ALICE, "done early");
        Thread.sleep(1100);
        assertThat(mit.run(null, "kinit", "-R").exit()).isZero();
        MitClient.Entry third = mit.ticket("krbtgt/" + REALM);
        assertThat(third.renewUntil()).isEqualTo(webEnd); // renew-till never grows
        assertThat(third.end()).isBefore(sqlEnd);

        // no grant left: privileged-only renewal is refused
        fx.requests.close(sql.id(), ALICE, "done");
        Thread.sleep(1100);
        MitClient.Result refused = mit.run(null, "kinit", "-R");
        assertThat(refused.exit()).isNotZero();
        assertThat(mit.trace()).contains("KDC policy rejects request");
    }

    @Test
    void kinitRenew_whenGrantCapsTheTicket_thenRenewTillIsTheCapAndRenewalNeverPassesIt()
            throws Exception {
        AccessRequest grant = fx.grant(ALICE, SQL, Duration.ofMinutes(10));
        try {
            java.time.Instant cap =
                    grant.grant()
                            .orElseThrow()
                            .endsAt()
                            .truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
            MitClient mit = new MitClient(dir, fx.kdc, "tcp");
            assertThat(mit.kinit(PASSWORD, "-r", "7d", "alice@" + REALM).exit()).isZero();
            // a renewable request stays renewable (the JDK's client insists), but only to the cap
            MitClient.Entry first = mit.ticket("krbtgt/" + REALM);
            assertThat(first.renewUntil()).isEqualTo(cap);
            assertThat(first.end()).isEqualTo(cap);
            Thread.sleep(1100);
            assertThat(mit.run(null, "kinit", "-R").exit()).isZero();
            MitClient.Entry renewed = mit.ticket("krbtgt/" + REALM);
            assertThat(renewed.end()).isEqualTo(cap);
            assertThat(renewed.renewUntil() == null || !renewed.renewUntil().isAfter(cap))
                    .as("never renewable past the cap: " + renewed)
                    .isTrue();
        } finally {
            fx.requests.close(grant.id(), ALICE, "test over");
        }
    }

    @Test
    void keytab_exported_thenKlistAndKinitWithKeytabAndKvno() throws Exception {
        MitClient mit = new MitClient(dir, fx.kdc, "udp");
        Path keytab = dir.resolve("web.keytab");
        Files.write(keytab, fx.kdc.principals().exportKeytab(WEB_SPN, ROOT));
        MitClient.Result list = mit.run(null, "klist", "-k", "-e", keytab.toString());
        assertThat(list.exit()).as(list.out()).isZero();
        assertThat(list.out())
                .contains(WEB_SPN + "@" + REALM)
                .contains("aes256-cts-hmac-sha1-96")
                .contains("aes128-cts-hmac-sha1-96");

        MitClient.Result login = mit.run(null, "kinit", "-k", "-t", keytab.toString(), WEB_SPN);
        assertThat(login.exit()).as(login.out() + mit.trace()).isZero();

        MitClient user = new MitClient(dir.resolve(".."), fx.kdc, "tcp");
        assertThat(user.kinit(PASSWORD, "alice@" + REALM).exit()).isZero();
        MitClient.Result kvno =
                user.run(null, "kvno", "-k", keytab.toString(), WEB_SPN + "@" + REALM);
        assertThat(kvno.exit()).as(kvno.out()).isZero();
        assertThat(kvno.out()).contains("kvno = 1").contains("keytab entry valid");

        assertThat(fx.audit.query(AuditQuery.all().type("kerberos.ticket.issued")).records())
                .isNotEmpty();
    }
}
