package org.bastionforest.kerberos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.bastionforest.kerberos.KdcFixture.ALICE;
import static org.bastionforest.kerberos.KdcFixture.PASSWORD;
import static org.bastionforest.kerberos.KdcFixture.REALM;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.apache.kerby.kerberos.kerb.KrbErrorCode;
import org.apache.kerby.kerberos.kerb.type.base.KrbError;
import org.apache.kerby.kerberos.kerb.type.base.KrbMessage;
import org.apache.kerby.kerberos.kerb.type.kdc.AsRep;
import org.bastionforest.shadowgroups.audit.AuditQuery;
import org.bastionforest.shadowgroups.audit.AuditRecord;
import org.junit.jupiter.api.Test;

/**
 * {@code kdc.ticket-audit: buffered} (the event follows the ticket) and {@code journal} (the event
 * is on disk before the ticket leaves): either way, no event, no ticket.
 */
class TicketAuditTest {
    @Test
    void buffered_whenATicketIsIssued_thenItsEventIsWrittenShortlyAfter_andRefusedOnceItCannotBe()
            throws Exception {
        try (KdcFixture fx =
                new KdcFixture(
                        BastionKdc.Options.defaults(REALM)
                                .withAddress("127.0.0.1", 0, 0)
                                .withTicketAudit(TicketAudit.BUFFERED))) {
            fx.kdc.principals().setPassword(ALICE, PASSWORD.toCharArray());
            RawClient client = new RawClient(fx.kdc);
            var key = RawClient.passwordKey("alice", REALM, PASSWORD);

            KrbMessage reply = as(client, key);
            assertThat(reply).isInstanceOf(AsRep.class);
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (events(fx) == 0 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertThat(events(fx)).isEqualTo(1);
            assertThat(fx.audit.verify().problems()).isEmpty();

            // the buffer refuses (here: closed, as when 10,000 events wait): no ticket without it
            fx.audit.close();
            KrbMessage refused = as(client, key);
            assertThat(refused).isInstanceOf(KrbError.class);
            assertThat(((KrbError) refused).getErrorCode())
                    .isEqualTo(KrbErrorCode.KDC_ERR_SVC_UNAVAILABLE);
            assertThat(events(fx)).isEqualTo(1);
        }
    }

    @Test
    void
            journal_whenATicketIsIssued_thenItsEventIsOnDiskInTheJournalBeforeTheReply_andRefusedOnceItCannotBe()
                    throws Exception {
        try (KdcFixture fx =
                new KdcFixture(
                        BastionKdc.Options.defaults(REALM)
                                .withAddress("127.0.0.1", 0, 0)
                                .withTicketAudit(TicketAudit.JOURNAL))) {
            fx.kdc.principals().setPassword(ALICE, PASSWORD.toCharArray());
            RawClient client = new RawClient(fx.kdc);
            var key = RawClient.passwordKey("alice", REALM, PASSWORD);

            KrbMessage reply = as(client, key);

            // already in the journal's file when the reply arrived; not in the SQL audit log
            assertThat(reply).isInstanceOf(AsRep.class);
            List<AuditRecord> inJournal =
                    fx.journal
                            .query(AuditQuery.all().type("kerberos.ticket.issued").user("alice"))
                            .records();
            assertThat(inJournal).hasSize(1);
            assertThat(inJournal.get(0).event().details())
                    .containsEntry("exchange", "AS")
                    .containsEntry("service", "krbtgt/" + REALM + "@" + REALM);
            String onDisk;
            try (var files = Files.list(fx.journal.directory())) {
                Path segment =
                        files.filter(p -> p.getFileName().toString().endsWith(".jsonl"))
                                .findFirst()
                                .orElseThrow();
                onDisk = Files.readString(segment);
            }
            assertThat(onDisk).contains(inJournal.get(0).hash()).endsWith("\n");
            assertThat(events(fx)).isZero();
            assertThat(fx.journal.verify().problems()).isEmpty();

            // the journal refuses (here: closed, as when its disk fails): no ticket without it
            fx.journal.close();
            KrbMessage refused = as(client, key);
            assertThat(refused).isInstanceOf(KrbError.class);
            assertThat(((KrbError) refused).getErrorCode())
                    .isEqualTo(KrbErrorCode.KDC_ERR_SVC_UNAVAILABLE);
            assertThat(fx.journal.head().seq()).isEqualTo(1);
        }
    }

    @Test
    void journal_whenTheOptionsAskForItWithoutAJournal_thenTheKdcIsNotBuilt() throws Exception {
        try (KdcFixture fx = new KdcFixture()) {
            org.assertj.core.api.Assertions.assertThatThrownBy(
                            () ->
                                    new BastionKdc(
                                            BastionKdc.Options.defaults(REALM)
                                                    .withTicketAudit(TicketAudit.JOURNAL),
                                            fx.db,
                                            fx.audit,
                                            user -> java.util.Optional.empty(),
                                            fx.requests::effectiveWindow,
                                            AuthorizationDataProvider.none(),
                                            fx.clock,
                                            new byte[32]))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("journal");
        }
    }

    @Test
    void options_defaultToDurable_andParseTheConfiguredValues() {
        assertThat(BastionKdc.Options.defaults(REALM).ticketAudit()).isEqualTo(TicketAudit.DURABLE);
        assertThat(TicketAudit.parse("Buffered")).isEqualTo(TicketAudit.BUFFERED);
        assertThat(TicketAudit.parse(" journal ")).isEqualTo(TicketAudit.JOURNAL);
        assertThat(TicketAudit.DURABLE.value()).isEqualTo("durable");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> TicketAudit.parse("async"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("kdc.ticket-audit");
    }

    private static KrbMessage as(
            RawClient client, org.apache.kerby.kerberos.kerb.type.base.EncryptionKey key)
            throws Exception {
        return client.as(
                client.body(
                        RawClient.user("alice"), client.krbtgt(), Instant.now().plusSeconds(600)),
                List.of(client.encTimestamp(key, Instant.now())));
    }

    private static int events(KdcFixture fx) throws Exception {
        return fx.audit
                .query(AuditQuery.all().type("kerberos.ticket.issued").user("alice"))
                .records()
                .size();
    }
}
