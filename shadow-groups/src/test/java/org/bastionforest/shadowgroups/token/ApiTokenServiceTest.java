package org.bastionforest.shadowgroups.token;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.bastionforest.shadowgroups.testing.Core.ALICE;
import static org.bastionforest.shadowgroups.testing.Core.ROOT;
import static org.bastionforest.shadowgroups.testing.Core.SQL;
import static org.bastionforest.shadowgroups.testing.Core.basePolicy;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import org.bastionforest.shadowgroups.audit.AuditQuery;
import org.bastionforest.shadowgroups.errors.AccessDeniedException;
import org.bastionforest.shadowgroups.errors.InvalidInputException;
import org.bastionforest.shadowgroups.errors.NotFoundException;
import org.bastionforest.shadowgroups.policy.Administrators;
import org.bastionforest.shadowgroups.policy.ShadowGroupId;
import org.bastionforest.shadowgroups.policy.UserId;
import org.bastionforest.shadowgroups.testing.Core;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ApiTokenServiceTest {
    private static final UserId CI = UserId.of("ci-deploy");

    private Core core;
    private ApiTokenService tokens;

    @BeforeEach
    void open() throws Exception {
        core = new Core(Core.hsqldb());
        core.defineSql(basePolicy().build());
        tokens =
                new ApiTokenService(
                        core.db,
                        core.audit,
                        new Administrators(Set.of(ROOT), Set.of()),
                        core.facts,
                        core.clock);
    }

    @AfterEach
    void close() throws Exception {
        core.close();
    }

    @Test
    void create_whenAnAdministratorAsks_thenTheTokenAuthenticatesAndOnlyItsHashIsStored()
            throws Exception {
        ApiTokenService.Created c =
                tokens.create(ROOT, CI, "release pipeline", Set.of(SQL), Duration.ofDays(30));

        assertThat(c.token()).startsWith("bft_").hasSize(47);
        assertThat(c.toString()).doesNotContain(c.token());
        Optional<ApiToken> who = tokens.authenticate(c.token());
        assertThat(who).isPresent();
        assertThat(who.get().subject()).isEqualTo(CI);
        assertThat(who.get().scope()).containsExactly(SQL);

        String stored =
                core.db.inTransaction(
                        conn -> {
                            try (PreparedStatement ps =
                                            conn.prepareStatement(
                                                    "SELECT token_hash FROM api_tokens");
                                    ResultSet rs = ps.executeQuery()) {
                                rs.next();
                                return rs.getString(1);
                            }
                        });
        assertThat(stored).isEqualTo(ApiTokenService.hash(c.token())).doesNotContain(c.token());
        assertThat(core.audit.query(AuditQuery.after(0, 100)).records())
                .anySatisfy(r -> assertThat(r.event().type()).isEqualTo("token.created"))
                .noneSatisfy(r -> assertThat(r.event().details().toString()).contains(c.token()));
    }

    @Test
    void authenticate_whenExpiredRevokedOrForged_thenNobody() throws Exception {
        ApiTokenService.Created c =
                tokens.create(ROOT, CI, "short", Set.of(SQL), Duration.ofMinutes(5));
        String forged = c.token().substring(0, 46) + (c.token().endsWith("A") ? "B" : "A");
        assertThat(tokens.authenticate(forged)).isEmpty();
        assertThat(tokens.authenticate("")).isEmpty();
        assertThat(tokens.authenticate("bft_' OR 1=1 --")).isEmpty();

        core.clock.advance(Duration.ofMinutes(6));
        assertThat(tokens.authenticate(c.token())).as("expired").isEmpty();

        ApiTokenService.Created d =
                tokens.create(ROOT, CI, "revoked", Set.of(SQL), Duration.ofDays(1));
        tokens.revoke(ROOT, d.info().id());
        assertThat(tokens.authenticate(d.token())).as("revoked").isEmpty();
        assertThatThrownBy(() -> tokens.revoke(ROOT, d.info().id()))
                .isInstanceOf(NotFoundException.class);
    }

    @Test
    void create_whenNotAnAdministratorOrBadInput_thenRefusedAndNothingStored() throws Exception {
        assertThatThrownBy(() -> tokens.create(ALICE, CI, "mine", Set.of(SQL), Duration.ofDays(1)))
                .isInstanceOf(AccessDeniedException.class);
        assertThatThrownBy(
                        () ->
                                tokens.create(
                                        ROOT,
                                        CI,
                                        "x",
                                        Set.of(ShadowGroupId.of("no-such-group")),
                                        Duration.ofDays(1)))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("no-such-group");
        assertThatThrownBy(() -> tokens.create(ROOT, CI, "x", Set.of(), Duration.ofDays(1)))
                .isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> tokens.create(ROOT, CI, "x", Set.of(SQL), Duration.ofDays(400)))
                .isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> tokens.create(ROOT, CI, "a\nb", Set.of(SQL), Duration.ofDays(1)))
                .isInstanceOf(InvalidInputException.class);
        assertThat(tokens.list(ROOT)).isEmpty();
        assertThatThrownBy(() -> tokens.list(ALICE)).isInstanceOf(AccessDeniedException.class);
    }
}
