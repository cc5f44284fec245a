package org.bastionforest.kerberos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.bastionforest.kerberos.KdcFixture.ALICE;
import static org.bastionforest.kerberos.KdcFixture.PASSWORD;
import static org.bastionforest.kerberos.KdcFixture.REALM;
import static org.bastionforest.kerberos.KdcFixture.ROOT;

import java.time.Duration;
import java.time.Instant;
import org.apache.kerby.kerberos.kerb.type.base.CheckSumType;
import org.apache.kerby.kerberos.kerb.type.kdc.TgsRep;
import org.bastionforest.shadowgroups.storage.DatabaseOptions;
import org.bastionforest.testsupport.PostgresServer;
import org.junit.jupiter.api.Test;

/** The KDC's storage (migration V7, principals, keys, rotation) on a real PostgreSQL server. */
class PostgresKdcIT {
    @Test
    void principalsKeysAndTickets_onPostgres() throws Exception {
        PostgresServer server = PostgresServer.shared();
        DatabaseOptions options =
                new DatabaseOptions(
                        server.createDatabase("kdc_" + System.nanoTime()),
                        server.username(),
                        server.password(),
                        4,
                        Duration.ofSeconds(5));
        try (KdcFixture fx =
                new KdcFixture(
                        BastionKdc.Options.defaults(REALM).withAddress("127.0.0.1", 0, -1),
                        AuthorizationDataProvider.none(),
                        options)) {
            PrincipalService principals = fx.kdc.principals();
            principals.setPassword(ALICE, PASSWORD.toCharArray());
            principals.registerService("HTTP/web.bastion.test", ROOT);
            assertThat(principals.rotate("HTTP/web.bastion.test", ROOT)).isEqualTo(2);
            assertThat(principals.rotateKrbtgt(ROOT)).isEqualTo(2);
            assertThat(principals.setCrossRealmTrust("CORP.TEST", PASSWORD.toCharArray(), ROOT))
                    .isEqualTo(1);
            RawClient raw = new RawClient(fx.kdc);
            RawClient.Creds tgt = raw.tgt("alice", PASSWORD, Instant.now().plusSeconds(600));
            var body =
                    raw.body(
                            null,
                            RawClient.service("HTTP", "web.bastion.test"),
                            Instant.now().plusSeconds(300));
            assertThat(
                            raw.send(
                                    raw.tgsReq(
                                            tgt,
                                            "alice",
                                            body,
                                            CheckSumType.HMAC_SHA1_96_AES256,
                                            Instant.now())))
                    .isInstanceOf(TgsRep.class);
        }
    }
}
