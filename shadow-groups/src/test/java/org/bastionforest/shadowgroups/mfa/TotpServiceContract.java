package org.bastionforest.shadowgroups.mfa;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.bastionforest.shadowgroups.testing.Core.ALICE;
import static org.bastionforest.shadowgroups.testing.Core.BOB;
import static org.bastionforest.shadowgroups.testing.Core.ROOT;
import static org.bastionforest.shadowgroups.testing.Core.SQL;
import static org.bastionforest.shadowgroups.testing.Core.basePolicy;

import com.eatthepath.otp.TimeBasedOneTimePasswordGenerator;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import javax.crypto.KeyGenerator;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;
import org.bastionforest.shadowgroups.audit.AuditQuery;
import org.bastionforest.shadowgroups.audit.AuditRecord;
import org.bastionforest.shadowgroups.errors.AccessDeniedException;
import org.bastionforest.shadowgroups.errors.ConflictException;
import org.bastionforest.shadowgroups.policy.Administrators;
import org.bastionforest.shadowgroups.request.AccessRequest;
import org.bastionforest.shadowgroups.request.NewRequest;
import org.bastionforest.shadowgroups.request.RequestService;
import org.bastionforest.shadowgroups.request.RequestState;
import org.bastionforest.shadowgroups.storage.DatabaseOptions;
import org.bastionforest.shadowgroups.testing.Core;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** TOTP enrolment and verification, on one database vendor. */
abstract class TotpServiceContract {
    protected Core core;
    protected SecretKey key;
    protected TotpService totp;

    protected abstract DatabaseOptions newDatabaseOptions();

    @BeforeEach
    void openCore() throws Exception {
        core = new Core(newDatabaseOptions());
        KeyGenerator generator = KeyGenerator.getInstance("AES");
        generator.init(256);
        key = generator.generateKey();
        totp = service(key);
    }

    @AfterEach
    void closeCore() {
        if (core != null) {
            core.close();
        }
    }

    private TotpService service(SecretKey k) {
        return new TotpService(
                core.db,
                core.audit,
                () -> k,
                core.clock,
                new TotpService.Options(3, Duration.ofMinutes(5)));
    }

    /** The code an authenticator app shows for {@code secret} at {@code at}. */
    static String code(TotpEnrolment e, Instant at) throws Exception {
        return new TimeBasedOneTimePasswordGenerator(Duration.ofSeconds(30), 6)
                .generateOneTimePasswordString(
                        new SecretKeySpec(Base32.decode(e.secretBase32()), "HmacSHA1"),
                        at,
                        Locale.ROOT);
    }

    private TotpEnrolment enrolled(org.bastionforest.shadowgroups.policy.UserId user)
            throws Exception {
        TotpEnrolment e = totp.enrol(user);
        assertThat(totp.confirm(user, code(e, core.clock.instant()))).isTrue();
        core.clock.advance(Duration.ofSeconds(30));
        return e;
    }

    @Test
    void enrol_whenStarted_thenAnOtpauthUriAndOnlyAConfirmedEnrolmentVerifies() throws Exception {
        TotpEnrolment e = totp.enrol(ALICE);

        assertThat(e.uri())
                .startsWith("otpauth://totp/Bastion%20Forest%3Aalice?secret=" + e.secretBase32())
                .contains("&digits=6&period=30");
        assertThat(e.toString()).doesNotContain(e.secretBase32());
        assertThat(totp.isEnrolled(ALICE)).isFalse();
        assertThat(totp.verify(ALICE, code(e, core.clock.instant()))).isFalse();
        assertThat(totp.confirm(ALICE, code(e, core.clock.instant()))).isTrue();
        assertThat(totp.isEnrolled(ALICE)).isTrue();
        assertThat(types()).contains("mfa.enrolment-started", "mfa.enrolled");
    }

    @Test
    void enrol_whenAlreadyConfirmed_thenConflictUntilReset() throws Exception {
        enrolled(ALICE);

        assertThatThrownBy(() -> totp.enrol(ALICE)).isInstanceOf(ConflictException.class);
        assertThat(totp.reset(ALICE, ROOT)).isTrue();
        assertThat(totp.enrol(ALICE).secretBase32()).isNotBlank();
        assertThat(types()).contains("mfa.reset");
    }

    @Test
    void verify_whenTheCodeIsCurrentOrOneStepOff_thenAcceptedAndTwoStepsOffRefused()
            throws Exception {
        TotpEnrolment e = enrolled(ALICE);
        Instant now = core.clock.instant();

        assertThat(totp.verify(ALICE, code(e, now.minusSeconds(60)))).isFalse();
        assertThat(totp.verify(ALICE, code(e, now.minusSeconds(30)))).isFalse(); // used at confirm
        assertThat(totp.verify(ALICE, code(e, now))).isTrue();
        assertThat(totp.verify(ALICE, code(e, now.plusSeconds(30)))).isTrue();
        assertThat(totp.verify(ALICE, code(e, now.plusSeconds(60)))).isFalse();
    }

    @Test
    void verify_whenACodeIsReplayed_thenRefusedAndAudited() throws Exception {
        TotpEnrolment e = enrolled(ALICE);
        String c = code(e, core.clock.instant());

        assertThat(totp.verify(ALICE, c)).isTrue();
        assertThat(totp.verify(ALICE, c)).isFalse();

        AuditRecord last = events().get(events().size() - 1);
        assertThat(last.event().type()).isEqualTo("mfa.failed");
        assertThat(last.event().details()).containsEntry("reason", "code used before");
    }

    @Test
    void verify_whenFailuresReachTheLimit_thenLockedOutEvenForAGoodCodeUntilTheLockoutEnds()
            throws Exception {
        TotpEnrolment e = enrolled(ALICE);

        assertThat(totp.verify(ALICE, "000000")).isFalse();
        assertThat(totp.verify(ALICE, "abc")).isFalse();
        assertThat(totp.verify(ALICE, null)).isFalse();
        assertThat(types()).contains("mfa.locked");
        assertThat(totp.verify(ALICE, code(e, core.clock.instant()))).isFalse();
        assertThat(events().get(events().size() - 1).event().details())
                .containsEntry("reason", "locked out");

        core.clock.advance(Duration.ofMinutes(5));
        assertThat(totp.verify(ALICE, code(e, core.clock.instant()))).isTrue();
    }

    @Test
    void secret_whenStored_thenEncryptedAndBoundToTheUserAndTheKey() throws Exception {
        TotpEnrolment e = enrolled(ALICE);
        enrolled(BOB);
        String stored =
                core.db.inTransaction(
                        c -> {
                            try (var s = c.createStatement();
                                    var rs =
                                            s.executeQuery(
                                                    "SELECT secret_encrypted FROM mfa_enrolments"
                                                            + " WHERE user_id = 'alice'")) {
                                rs.next();
                                return rs.getString(1);
                            }
                        });
        assertThat(stored).doesNotContain(e.secretBase32());
        byte[] sealed = java.util.Base64.getDecoder().decode(stored);
        byte[] secret = Base32.decode(e.secretBase32());
        assertThat(sealed).hasSize(12 + secret.length + 16); // nonce, ciphertext, GCM tag
        assertThat(java.util.HexFormat.of().formatHex(sealed))
                .doesNotContain(java.util.HexFormat.of().formatHex(secret));

        // another key cannot read it
        KeyGenerator generator = KeyGenerator.getInstance("AES");
        generator.init(256);
        assertThat(service(generator.generateKey()).verify(ALICE, code(e, core.clock.instant())))
                .isFalse();
        // alice's row copied to bob does not decrypt for bob
        core.sql(
                "UPDATE mfa_enrolments SET secret_encrypted = '"
                        + stored
                        + "', last_used_step = 0 WHERE user_id = 'bob'");
        assertThat(totp.verify(BOB, code(e, core.clock.instant()))).isFalse();
    }

    @Test
    void activate_whenThePolicyRequiresMfa_thenATotpCodeActivatesOnceAndAReplayIsRefused()
            throws Exception {
        TotpEnrolment e = enrolled(ALICE);
        core.defineSql(basePolicy().mfaRequired(true).build());
        RequestService requests =
                new RequestService(
                        core.db,
                        core.audit,
                        core.facts,
                        totp,
                        new Administrators(Set.of(ROOT), Set.of()),
                        core.clock);
        AccessRequest r = requests.submit(ALICE, NewRequest.of(SQL, "x"));
        String c = code(e, core.clock.instant());

        assertThat(requests.activate(r.id(), ALICE, Optional.of(c)).state())
                .isEqualTo(RequestState.ACTIVE);
        requests.close(r.id(), ALICE, "");
        AccessRequest again = requests.submit(ALICE, NewRequest.of(SQL, "x"));
        assertThatThrownBy(() -> requests.activate(again.id(), ALICE, Optional.of(c)))
                .isInstanceOf(AccessDeniedException.class);
        assertThat(types()).contains("mfa.verified", "grant.started", "mfa.failed");
        assertThat(core.audit.verify().intact()).isTrue();
    }

    private List<AuditRecord> events() throws Exception {
        return core.audit.query(AuditQuery.all().limit(1000)).records();
    }

    private List<String> types() throws Exception {
        return events().stream().map(r -> r.event().type()).toList();
    }
}
