package org.bastionforest.shadowgroups.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.StringWriter;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.bastionforest.shadowgroups.audit.ChainVerification.Kind;
import org.bastionforest.shadowgroups.audit.ChainVerification.Problem;
import org.bastionforest.shadowgroups.storage.Database;
import org.bastionforest.shadowgroups.storage.DatabaseOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The audit log on one database vendor: append, chain, tampering, query, export. */
abstract class AuditLogContract {
    static final Instant T0 = Instant.parse("2026-03-02T09:00:00.123456Z");

    protected Database db;
    protected AuditLog audit;

    protected abstract DatabaseOptions newDatabaseOptions();

    @BeforeEach
    void open() throws Exception {
        db = Database.open(newDatabaseOptions());
        audit = new AuditLog(db);
    }

    @AfterEach
    void close() {
        if (db != null) {
            db.close();
        }
    }

    /** Appends five events: seq 1..5. */
    private List<AuditRecord> five() throws Exception {
        List<AuditRecord> out = new ArrayList<>();
        for (int i = 1; i <= 5; i++) {
            out.add(
                    audit.append(
                            AuditEvent.of("request.submitted", T0.plusSeconds(i), "user" + i)
                                    .withUser("user" + i)
                                    .withGroup(i % 2 == 0 ? "sql-admins" : "web-admins")
                                    .withRequest(UUID.randomUUID())
                                    .withDetail("n", i)));
        }
        return out;
    }

    @Test
    void append_whenEventsAreAppended_thenTheyAreChainedFromGenesisAndVerify() throws Exception {
        List<AuditRecord> records = five();

        assertThat(records).extracting(AuditRecord::seq).containsExactly(1L, 2L, 3L, 4L, 5L);
        assertThat(records.get(0).prevHash()).isEqualTo(AuditLog.GENESIS);
        for (int i = 1; i < records.size(); i++) {
            assertThat(records.get(i).prevHash()).isEqualTo(records.get(i - 1).hash());
        }
        ChainVerification v = audit.verify();
        assertThat(v.intact()).isTrue();
        assertThat(v.eventsChecked()).isEqualTo(5);
    }

    @Test
    void verify_whenTheLogIsEmpty_thenIntact() throws Exception {
        ChainVerification v = audit.verify();

        assertThat(v.intact()).isTrue();
        assertThat(v.eventsChecked()).isZero();
    }

    @Test
    void append_whenTheTransactionRollsBack_thenNoEventAndTheChainStaysIntact() throws Exception {
        five();

        assertThatThrownBy(
                        () ->
                                db.inTransaction(
                                        c -> {
                                            audit.append(
                                                    c, AuditEvent.of("grant.closed", T0, "alice"));
                                            throw new IllegalStateException("boom");
                                        }))
                .isInstanceOf(IllegalStateException.class);
        AuditRecord next = audit.append(AuditEvent.of("grant.closed", T0, "alice"));

        assertThat(next.seq()).isEqualTo(6);
        assertThat(audit.verify().intact()).isTrue();
    }

    @Test
    void append_whenFourThreadsAppendAtOnce_thenOneUnforkedChain() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<Void>> futures = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int thread = t;
                futures.add(
                        pool.submit(
                                () -> {
                                    go.await();
                                    for (int i = 0; i < 20; i++) {
                                        audit.append(
                                                AuditEvent.of("mfa.verified", T0, "t" + thread)
                                                        .withDetail("i", i));
                                    }
                                    return null;
                                }));
            }
            go.countDown();
            for (Future<Void> f : futures) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }

        ChainVerification v = audit.verify();
        assertThat(v.problems()).isEmpty();
        assertThat(v.eventsChecked()).isEqualTo(80);
        AuditPage all = audit.query(AuditQuery.all().limit(1000));
        assertThat(all.records())
                .extracting(AuditRecord::seq)
                .containsExactlyElementsOf(
                        java.util.stream.LongStream.rangeClosed(1, 80).boxed().toList());
    }

    @Test
    void appendAll_whenThreeEventsInOneTransaction_thenConsecutiveAndChained() throws Exception {
        five();
        List<AuditRecord> three =
                db.inTransaction(
                        c ->
                                audit.appendAll(
                                        c,
                                        List.of(
                                                AuditEvent.of("grant.started", T0, "a"),
                                                AuditEvent.of("grant.ended", T0, "b"),
                                                AuditEvent.of("grant.closed", T0, "c"))));

        assertThat(three).extracting(AuditRecord::seq).containsExactly(6L, 7L, 8L);
        assertThat(three).extracting(r -> r.event().actor()).containsExactly("a", "b", "c");
        assertThat(three.get(1).prevHash()).isEqualTo(three.get(0).hash());
        assertThat(three.get(2).prevHash()).isEqualTo(three.get(1).hash());
        ChainVerification v = audit.verify();
        assertThat(v.problems()).isEmpty();
        assertThat(v.eventsChecked()).isEqualTo(8);
        assertThat(audit.query(AuditQuery.all().limit(100)).records())
                .extracting(AuditRecord::hash)
                .endsWith(three.get(0).hash(), three.get(1).hash(), three.get(2).hash());
    }

    @Test
    void appendAll_whenTheTransactionRollsBack_thenNoneOfTheEvents() throws Exception {
        five();

        assertThatThrownBy(
                        () ->
                                db.inTransaction(
                                        c -> {
                                            audit.appendAll(
                                                    c,
                                                    List.of(
                                                            AuditEvent.of("grant.started", T0, "a"),
                                                            AuditEvent.of("grant.ended", T0, "b")));
                                            throw new IllegalStateException("boom");
                                        }))
                .isInstanceOf(IllegalStateException.class);

        assertThat(audit.verify().eventsChecked()).isEqualTo(5);
        assertThat(audit.append(AuditEvent.of("grant.closed", T0, "c")).seq()).isEqualTo(6);
    }

    @Test
    void append_whenSixteenThreadsAppendAtOnce_thenEachGetsItsOwnStoredRecord() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(16);
        List<AuditRecord> returned = java.util.Collections.synchronizedList(new ArrayList<>());
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<Void>> futures = new ArrayList<>();
            for (int t = 0; t < 16; t++) {
                int thread = t;
                futures.add(
                        pool.submit(
                                () -> {
                                    go.await();
                                    for (int i = 0; i < 25; i++) {
                                        returned.add(
                                                audit.append(
                                                        AuditEvent.of(
                                                                        "kerberos.ticket.issued",
                                                                        T0,
                                                                        "t" + thread)
                                                                .withDetail("i", i)));
                                    }
                                    return null;
                                }));
            }
            go.countDown();
            for (Future<Void> f : futures) {
                f.get(120, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }

        assertThat(audit.verify().problems()).isEmpty();
        List<AuditRecord> stored = audit.query(AuditQuery.all().limit(1000)).records();
        assertThat(stored).hasSize(400);
        java.util.Map<Long, AuditRecord> bySeq = new java.util.HashMap<>();
        stored.forEach(r -> bySeq.put(r.seq(), r));
        for (AuditRecord r : returned) {
            AuditRecord s = bySeq.get(r.seq());
            assertThat(s.hash()).isEqualTo(r.hash());
            assertThat(s.event().actor()).isEqualTo(r.event().actor());
            assertThat(s.event().details()).isEqualTo(r.event().details());
        }
        assertThat(returned).extracting(AuditRecord::seq).doesNotHaveDuplicates().hasSize(400);
    }

    @Test
    void append_whenOneEventOfAGroupCannotBeStored_thenOnlyItsCallerFails() throws Exception {
        five();
        ExecutorService pool = Executors.newFixedThreadPool(3);
        java.util.concurrent.locks.ReentrantLock lock = audit.groupCommitLock();
        lock.lock(); // gathers the three appends into one group
        Future<AuditRecord> good1;
        Future<AuditRecord> bad;
        Future<AuditRecord> good2;
        try {
            good1 = pool.submit(() -> audit.append(AuditEvent.of("grant.started", T0, "a")));
            bad =
                    pool.submit(
                            () ->
                                    audit.append(
                                            AuditEvent.of("grant.started", T0, "b")
                                                    .withGroup("g".repeat(100))));
            good2 = pool.submit(() -> audit.append(AuditEvent.of("grant.started", T0, "c")));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (audit.waitingForGroupCommit() < 3 && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertThat(audit.waitingForGroupCommit()).isEqualTo(3);
        } finally {
            lock.unlock();
        }
        try {
            assertThat(good1.get(60, TimeUnit.SECONDS).event().actor()).isEqualTo("a");
            assertThat(good2.get(60, TimeUnit.SECONDS).event().actor()).isEqualTo("c");
            assertThatThrownBy(() -> bad.get(60, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(
                            org.bastionforest.shadowgroups.errors.StorageException.class);
        } finally {
            pool.shutdownNow();
        }

        ChainVerification v = audit.verify();
        assertThat(v.problems()).isEmpty();
        assertThat(v.eventsChecked()).isEqualTo(7);
        assertThat(audit.query(AuditQuery.all().limit(100)).records())
                .extracting(r -> r.event().actor())
                .doesNotContain("b");
    }

    @Test
    void append_whenTheDatabaseIsGoneDuringAGroup_thenEveryWaitingCallerFailsAndNoneHangs()
            throws Exception {
        five();
        ExecutorService pool = Executors.newFixedThreadPool(3);
        java.util.concurrent.locks.ReentrantLock lock = audit.groupCommitLock();
        List<Future<AuditRecord>> calls = new ArrayList<>();
        lock.lock();
        try {
            for (String actor : List.of("a", "b", "c")) {
                calls.add(
                        pool.submit(() -> audit.append(AuditEvent.of("grant.started", T0, actor))));
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (audit.waitingForGroupCommit() < 3 && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            db.close();
        } finally {
            lock.unlock();
        }
        try {
            for (Future<AuditRecord> call : calls) {
                assertThatThrownBy(() -> call.get(60, TimeUnit.SECONDS))
                        .hasCauseInstanceOf(
                                org.bastionforest.shadowgroups.errors.StorageException.class);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(audit.waitingForGroupCommit()).isZero();
    }

    @Test
    void append_whenAGroupCommitFailsUnexpectedly_thenEveryCallerOfTheGroupFailsAndNoneHangs()
            throws Exception {
        five();
        // the real database, written through a writer that fails the way a bug or an Error would
        AuditLog failing =
                new AuditLog(
                        db,
                        events -> {
                            throw new IllegalStateException("unexpected: " + events.size());
                        });
        ExecutorService pool = Executors.newFixedThreadPool(3);
        java.util.concurrent.locks.ReentrantLock lock = failing.groupCommitLock();
        List<Future<AuditRecord>> calls = new ArrayList<>();
        lock.lock();
        try {
            for (String actor : List.of("a", "b", "c")) {
                calls.add(
                        pool.submit(
                                () -> failing.append(AuditEvent.of("grant.started", T0, actor))));
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (failing.waitingForGroupCommit() < 3 && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertThat(failing.waitingForGroupCommit()).isEqualTo(3);
        } finally {
            lock.unlock();
        }
        try {
            for (Future<AuditRecord> call : calls) {
                assertThatThrownBy(() -> call.get(60, TimeUnit.SECONDS))
                        .as("each caller gets an answer, not a hang")
                        .isInstanceOf(java.util.concurrent.ExecutionException.class)
                        .cause()
                        .isInstanceOf(IllegalStateException.class)
                        .hasStackTraceContaining("unexpected: 3");
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(failing.waitingForGroupCommit()).isZero();
        assertThat(audit.verify().eventsChecked()).as("nothing written").isEqualTo(5);
    }

    @Test
    void appendBuffered_whenFourThreadsQueue_thenAllAreWrittenWithinSecondsInOneVerifiedChain()
            throws Exception {
        five();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> producers = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                String actor = "kdc" + t;
                producers.add(
                        pool.submit(
                                () -> {
                                    for (int i = 0; i < 600; i++) {
                                        audit.appendBuffered(
                                                AuditEvent.of("kerberos.ticket.issued", T0, actor)
                                                        .withUser(actor)
                                                        .withDetail("n", i));
                                    }
                                    return null;
                                }));
            }
            for (Future<?> f : producers) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        awaitFlushed(audit);
        ChainVerification v = audit.verify();
        assertThat(v.problems()).isEmpty();
        assertThat(v.eventsChecked()).isEqualTo(5 + 2_400);
        // each producer's events in the order it queued them
        List<AuditRecord> kdc0 = audit.query(AuditQuery.all().user("kdc0").limit(1_000)).records();
        assertThat(kdc0).hasSize(600);
        for (int i = 0; i < kdc0.size(); i++) {
            assertThat(kdc0.get(i).event().details()).containsEntry("n", String.valueOf(i));
        }
    }

    @Test
    void appendBuffered_whenTheDatabaseRefusesOneEvent_thenOnlyThatOneIsDropped() throws Exception {
        audit.appendBuffered(AuditEvent.of("kerberos.ticket.issued", T0, "a"));
        audit.appendBuffered(
                AuditEvent.of("kerberos.ticket.issued", T0, "b").withGroup("g".repeat(100)));
        audit.appendBuffered(AuditEvent.of("kerberos.ticket.issued", T0, "c"));
        awaitFlushed(audit);
        assertThat(audit.query(AuditQuery.all().limit(10)).records())
                .extracting(r -> r.event().actor())
                .containsExactly("a", "c");
        assertThat(audit.verify().problems()).isEmpty();
    }

    @Test
    void appendBuffered_whenTheDatabaseIsDown_thenEventsAreKept_refusedWhenFull_writtenOnRecovery()
            throws Exception {
        java.util.concurrent.atomic.AtomicBoolean down =
                new java.util.concurrent.atomic.AtomicBoolean(true);
        AuditLog flaky =
                new AuditLog(
                        db,
                        events -> {
                            if (down.get()) {
                                throw new org.bastionforest.shadowgroups.errors.StorageException(
                                        "connection refused");
                            }
                            return db.inTransaction(c -> audit.appendAll(c, events));
                        });
        int queued = 0;
        org.bastionforest.shadowgroups.errors.StorageException refused = null;
        while (refused == null && queued < 3 * AuditLog.BUFFER_LIMIT) {
            try {
                flaky.appendBuffered(AuditEvent.of("kerberos.ticket.issued", T0, "u" + queued));
                queued++;
            } catch (org.bastionforest.shadowgroups.errors.StorageException e) {
                refused = e;
            }
        }
        assertThat(refused).as("a full buffer refuses").isNotNull();
        assertThat(refused.getMessage()).contains("audit buffer full");
        assertThat(queued).isBetween(AuditLog.BUFFER_LIMIT - 1_000, AuditLog.BUFFER_LIMIT);
        assertThat(flaky.bufferedEvents()).isEqualTo(queued);
        assertThat(audit.verify().eventsChecked()).isZero();

        down.set(false);
        awaitFlushed(flaky);
        assertThat(audit.verify().eventsChecked()).isEqualTo(queued);
        assertThat(audit.verify().problems()).isEmpty();
        flaky.close();
    }

    @Test
    void close_writesWhatIsBuffered_andRefusesLaterBufferedAppends() throws Exception {
        AuditLog own = new AuditLog(db);
        for (int i = 0; i < 50; i++) {
            own.appendBuffered(AuditEvent.of("kerberos.ticket.issued", T0, "u" + i));
        }
        own.close();
        assertThat(own.bufferedEvents()).isZero();
        assertThat(audit.verify().eventsChecked()).isEqualTo(50);
        assertThatThrownBy(
                        () -> own.appendBuffered(AuditEvent.of("kerberos.ticket.issued", T0, "x")))
                .isInstanceOf(org.bastionforest.shadowgroups.errors.StorageException.class)
                .hasMessageContaining("closed");
    }

    private static void awaitFlushed(AuditLog log) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (log.bufferedEvents() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(log.bufferedEvents()).as("flushed within 30 s").isZero();
    }

    @Test
    void verify_whenAnEventsDetailsAreEdited_thenExactlyThatEventIsReportedEdited()
            throws Exception {
        List<AuditRecord> records = five();

        sql("UPDATE audit_events SET details = '{\"n\":\"33\"}' WHERE seq = 3");

        assertThat(audit.verify().problems())
                .singleElement()
                .satisfies(
                        p -> {
                            assertThat(p.kind()).isEqualTo(Kind.EDITED);
                            assertThat(p.seq()).isEqualTo(3);
                            assertThat(p.eventId()).contains(records.get(2).eventId());
                        });
    }

    @Test
    void verify_whenAnActorOrTimeIsEdited_thenThatEventIsReportedEdited() throws Exception {
        five();

        sql("UPDATE audit_events SET actor = 'someone-else' WHERE seq = 2");
        sql("UPDATE audit_events SET occurred_at = occurred_at + INTERVAL '1' HOUR WHERE seq = 5");

        assertThat(audit.verify().problems())
                .extracting(Problem::kind, Problem::seq)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple(Kind.EDITED, 2L),
                        org.assertj.core.groups.Tuple.tuple(Kind.EDITED, 5L));
    }

    @Test
    void verify_whenAnEventInTheMiddleIsDeleted_thenTheGapIsReportedBeforeTheNextEvent()
            throws Exception {
        five();

        sql("DELETE FROM audit_events WHERE seq = 3");

        assertThat(audit.verify().problems())
                .singleElement()
                .satisfies(
                        p -> {
                            assertThat(p.kind()).isEqualTo(Kind.REMOVED);
                            assertThat(p.seq()).isEqualTo(4);
                            assertThat(p.detail()).contains("after the event at seq 2");
                        });
    }

    @Test
    void verify_whenTheFirstEventIsDeleted_thenReportedRemovedBeforeTheSecond() throws Exception {
        five();

        sql("DELETE FROM audit_events WHERE seq = 1");

        assertThat(audit.verify().problems())
                .extracting(Problem::kind, Problem::seq)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(Kind.REMOVED, 2L));
    }

    @Test
    void verify_whenTheLastEventIsDeleted_thenReportedRemovedAtTheEnd() throws Exception {
        five();

        sql("DELETE FROM audit_events WHERE seq = 5");

        assertThat(audit.verify().problems())
                .singleElement()
                .satisfies(
                        p -> {
                            assertThat(p.kind()).isEqualTo(Kind.REMOVED);
                            assertThat(p.seq()).isEqualTo(5);
                            assertThat(p.detail()).contains("at the end");
                        });
    }

    @Test
    void verify_whenTwoEventsAreSwapped_thenExactlyThoseTwoAreReportedReordered() throws Exception {
        List<AuditRecord> records = five();

        sql("UPDATE audit_events SET seq = -3 WHERE seq = 3");
        sql("UPDATE audit_events SET seq = 3 WHERE seq = 4");
        sql("UPDATE audit_events SET seq = 4 WHERE seq = -3");

        assertThat(audit.verify().problems())
                .extracting(Problem::kind, Problem::seq, p -> p.eventId().orElseThrow())
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple(
                                Kind.REORDERED, 3L, records.get(3).eventId()),
                        org.assertj.core.groups.Tuple.tuple(
                                Kind.REORDERED, 4L, records.get(2).eventId()));
    }

    @Test
    void verify_whenAnEventIsEditedAndItsHashRecomputed_thenTheBrokenLinkIsReported()
            throws Exception {
        List<AuditRecord> records = five();
        AuditRecord third = records.get(2);
        AuditEvent forged = third.event().withDetail("n", "forged");
        String forgedHash =
                AuditLog.hash(third.eventId(), forged, "{\"n\":\"forged\"}", third.prevHash());

        sql(
                "UPDATE audit_events SET details = '{\"n\":\"forged\"}', hash = '"
                        + forgedHash
                        + "' WHERE seq = 3");

        assertThat(audit.verify().problems())
                .extracting(Problem::kind, Problem::seq)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(Kind.REMOVED, 4L));
    }

    @Test
    void query_whenFilteredByUserGroupTypeAndTime_thenOnlyMatchingEventsOldestFirst()
            throws Exception {
        five();
        audit.append(AuditEvent.of("grant.revoked", T0.plusSeconds(10), "root").withUser("user2"));

        assertThat(audit.query(AuditQuery.all().user("user2")).records())
                .extracting(r -> r.event().type())
                .containsExactly("request.submitted", "grant.revoked");
        assertThat(audit.query(AuditQuery.all().group("sql-admins")).records())
                .extracting(AuditRecord::seq)
                .containsExactly(2L, 4L);
        assertThat(audit.query(AuditQuery.all().type("grant.revoked")).records())
                .extracting(AuditRecord::seq)
                .containsExactly(6L);
        assertThat(
                        audit.query(AuditQuery.all().between(T0.plusSeconds(2), T0.plusSeconds(4)))
                                .records())
                .extracting(AuditRecord::seq)
                .containsExactly(2L, 3L);
    }

    @Test
    void query_whenPaged_thenEachPageContinuesAfterTheLast() throws Exception {
        five();

        AuditPage first = audit.query(AuditQuery.all().limit(2));
        AuditPage second = audit.query(AuditQuery.all().limit(2).after(first.lastSeq()));
        AuditPage third = audit.query(AuditQuery.all().limit(2).after(second.lastSeq()));

        assertThat(first.records()).extracting(AuditRecord::seq).containsExactly(1L, 2L);
        assertThat(first.hasMore()).isTrue();
        assertThat(second.records()).extracting(AuditRecord::seq).containsExactly(3L, 4L);
        assertThat(third.records()).extracting(AuditRecord::seq).containsExactly(5L);
        assertThat(third.hasMore()).isFalse();
    }

    @Test
    void query_whenReadBack_thenEveryFieldRoundTrips() throws Exception {
        UUID request = UUID.randomUUID();
        AuditRecord written =
                audit.append(
                        AuditEvent.of("grant.started", T0, "alice")
                                .withUser("alice")
                                .withGroup("sql-admins")
                                .withRequest(request)
                                .withDetail("endsAt", T0.plus(Duration.ofHours(1)))
                                .withDetail("quote", "a \"b\" \n c, =d"));

        AuditRecord read = audit.query(AuditQuery.all()).records().get(0);

        assertThat(read).isEqualTo(written);
    }

    @Test
    void exportJsonLines_whenExported_thenOneParsableObjectPerEvent() throws Exception {
        five();
        StringWriter out = new StringWriter();

        long n = audit.exportJsonLines(AuditQuery.all().group("web-admins"), out);

        String[] lines = out.toString().split("\n");
        assertThat(n).isEqualTo(3);
        assertThat(lines).hasSize(3);
        JsonNode first = new ObjectMapper().readTree(lines[0]);
        assertThat(first.get("seq").asLong()).isEqualTo(1);
        assertThat(first.get("group").asText()).isEqualTo("web-admins");
        assertThat(first.get("details").get("n").asText()).isEqualTo("1");
        assertThat(first.get("prevHash").asText()).isEqualTo(AuditLog.GENESIS);
    }

    @Test
    void exportCsv_whenCellsStartWithFormulaCharacters_thenTheyAreNeutralized() throws Exception {
        audit.append(
                AuditEvent.of("request.submitted", T0, "=cmd|'/c calc'!A1")
                        .withUser("@SUM(1+1)")
                        .withGroup("g")
                        .withDetail("justification", "+1"));
        StringWriter out = new StringWriter();

        long n = audit.exportCsv(AuditQuery.all(), out);

        String[] lines = out.toString().split("\r\n");
        assertThat(n).isEqualTo(1);
        assertThat(lines[0]).startsWith("seq,eventId,occurredAt,type,actor,user,group");
        assertThat(lines[1])
                .contains(",\"'=cmd|'/c calc'!A1\",\"'@SUM(1+1)\",g,")
                .doesNotContain(",=cmd", ",@SUM");
    }

    protected void sql(String statement) throws Exception {
        db.inTransaction(
                c -> {
                    try (Statement s = c.createStatement()) {
                        return s.executeUpdate(statement);
                    }
                });
    }
}
