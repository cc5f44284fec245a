package org.bastionforest.api.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.unboundid.ldap.sdk.DN;
import com.unboundid.ldap.sdk.LDAPConnectionPool;
import com.unboundid.ldap.sdk.SimpleBindRequest;
import com.unboundid.ldap.sdk.SingleServerSet;
import java.io.InputStream;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.bastionforest.ldapsync.embedded.EmbeddedDemoProductionDirectory;
import org.bastionforest.shadowgroups.policy.UserId;
import org.bastionforest.testldif.Fixtures;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The Basic-auth cache in front of the real LDAP verifier and the demo production directory. */
class CachingPasswordVerifierTest {
    static final String USER = "zangstroem";
    static EmbeddedDemoProductionDirectory demo;
    static LDAPConnectionPool pool;

    private final AtomicInteger binds = new AtomicInteger();
    private final MovableClock clock = new MovableClock();
    private CachingPasswordVerifier cache;

    @BeforeAll
    static void start() throws Exception {
        try (InputStream ldif = Fixtures.open(Fixtures.DEMO_AD_FOREST)) {
            demo =
                    EmbeddedDemoProductionDirectory.start(
                            new DN(Fixtures.DEMO_ROOT), "127.0.0.1", 0, ldif);
        }
        pool =
                new LDAPConnectionPool(
                        new SingleServerSet("127.0.0.1", demo.port()),
                        new SimpleBindRequest(
                                Fixtures.DEMO_SYNC_ACCOUNT_DN, Fixtures.DEMO_SYNC_ACCOUNT_PASSWORD),
                        1,
                        4);
    }

    @AfterAll
    static void stop() {
        pool.close();
        demo.close();
    }

    @BeforeEach
    void verifier() throws Exception {
        LdapPasswordVerifier ldap =
                new LdapPasswordVerifier(
                        pool,
                        List.of(new DN(Fixtures.DEMO_ROOT)),
                        LdapPasswordVerifier.Attributes.ACTIVE_DIRECTORY);
        cache =
                new CachingPasswordVerifier(
                        (login, password) -> {
                            binds.incrementAndGet();
                            return ldap.verify(login, password);
                        },
                        Duration.ofSeconds(30),
                        clock);
    }

    private static char[] right() {
        return Fixtures.DEMO_USER_PASSWORD.toCharArray();
    }

    @Test
    void verify_whenTheSameCredentialsComeAgainWithinTheTtl_thenTheDirectoryIsAskedOnce()
            throws Exception {
        assertThat(cache.verify(USER, right())).contains(UserId.of(USER));
        assertThat(cache.verify(USER, right())).contains(UserId.of(USER));
        clock.advance(Duration.ofSeconds(29));
        assertThat(cache.verify(USER, right())).contains(UserId.of(USER));
        assertThat(binds).hasValue(1);
    }

    @Test
    void verify_whenTheTtlHasPassed_thenTheDirectoryIsAskedAgain() throws Exception {
        assertThat(cache.verify(USER, right())).isPresent();
        clock.advance(Duration.ofSeconds(30));
        assertThat(cache.verify(USER, right())).isPresent();
        assertThat(binds).hasValue(2);
    }

    @Test
    void verify_whenAWrongPasswordFollowsASuccess_thenItIsCheckedRefusedAndTheLoginForgotten()
            throws Exception {
        assertThat(cache.verify(USER, right())).isPresent();
        assertThat(cache.verify(USER, "Demo-Passw0rd?".toCharArray())).isEmpty();
        assertThat(binds).as("a wrong password is never answered from the cache").hasValue(2);
        assertThat(cache.verify(USER, right())).isPresent();
        assertThat(binds).as("the failure forgot the remembered success").hasValue(3);
    }

    @Test
    void verify_whenAnotherLoginSendsAKnownPassword_thenItIsCheckedOnItsOwn() throws Exception {
        assertThat(cache.verify(USER, right())).isPresent();
        assertThat(cache.verify("no-such-user", right())).isEmpty();
        assertThat(cache.verify("ZANGSTROEM", right())).as("as typed: its own entry").isPresent();
        assertThat(binds).hasValue(3);
        assertThat(cache.size()).isEqualTo(2);
    }

    @Test
    void new_whenTheTtlIsNotPositive_thenRefused() {
        assertThatThrownBy(() -> new CachingPasswordVerifier((l, p) -> null, Duration.ZERO, clock))
                .isInstanceOf(IllegalArgumentException.class);
    }

    /** A clock the test moves. */
    static final class MovableClock extends Clock {
        private volatile Instant now = Instant.parse("2026-11-23T08:00:00Z");

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
