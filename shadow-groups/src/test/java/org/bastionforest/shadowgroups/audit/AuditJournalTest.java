package org.bastionforest.shadowgroups.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.bastionforest.shadowgroups.audit.ChainVerification.Kind;
import org.bastionforest.shadowgroups.audit.ChainVerification.Problem;
import org.bastionforest.shadowgroups.errors.StorageException;
import org.bastionforest.shadowgroups.storage.Database;
import org.bastionforest.shadowgroups.testing.Core;
import org.bastionforest.shadowgroups.testing.MutableClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The audit journal on real files, anchored in a real audit log (HSQLDB): durable appends, the
 * chain across segments and restarts, crash repair, tampering of every kind, retention, the lock.
 */
class AuditJournalTest {
    static final Instant T0 = Instant.parse("2026-03-02T09:00:00.123456Z");
    static final AuditJournal.Settings HOURLY =
            new AuditJournal.Settings(64L << 20, Duration.ofDays(30), Duration.ofHours(1), true);

    @TempDir Path dir;
    Database db;
    AuditLog audit;
    MutableClock clock;
    AuditJournal journal;

    @BeforeEach
    void open() throws Exception {
        db = Database.open(Core.hsqldb());
        audit = new AuditLog(db);
        clock = new MutableClock(T0);
        journal = AuditJournal.open(dir, audit, clock, HOURLY);
    }

    @AfterEach
    void close() {
        if (journal != null) {
            journal.close();
        }
        db.close();
    }

    private static AuditEvent ticket(int i, Instant at) {
        return AuditEvent.of("kerberos.ticket.issued", at, "user" + i + "@BASTION.TEST")
                .withUser("user" + i)
                .withDetail("exchange", i % 2 == 0 ? "AS" : "TGS")
                .withDetail("sids", "S-1-5-21-1-2-3-" + (1000 + i));
    }

    private List<AuditRecord> append(int n) throws Exception {
        List<AuditRecord> out = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            out.add(journal.append(ticket(i, clock.instant())));
            clock.advance(Duration.ofMillis(10));
        }
        return out;
    }

    /**
     * {@code records} as a forger would write them: each event as {@code edit} makes it, every hash
     * recomputed, the chain starting from the genesis hash.
     */
    private static List<String> rewritten(
            List<AuditRecord> records, java.util.function.Function<AuditRecord, AuditEvent> edit) {
        List<String> lines = new ArrayList<>();
        String prev = AuditLog.GENESIS;
        for (AuditRecord r : records) {
            AuditEvent e = edit.apply(r);
            String h = AuditLog.hash(r.eventId(), e, AuditLog.json(e.details()), prev);
            lines.add(AuditLog.jsonLine(new AuditRecord(r.seq(), r.eventId(), e, prev, h)));
            prev = h;
        }
        return lines;
    }

    private List<Path> segments() throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().startsWith("journal-"))
                    .filter(p -> p.getFileName().toString().endsWith(".jsonl"))
                    .sorted()
                    .toList();
        }
    }

    private AuditJournal reopen() throws Exception {
        journal.close();
        journal = AuditJournal.open(dir, audit, clock, HOURLY);
        return journal;
    }

    private List<AuditRecord> checkpoints() throws Exception {
        return audit.query(AuditQuery.all().type(AuditJournal.CHECKPOINT).limit(1000)).records();
    }

    @Test
    void appendAll_keepsTheOrderInOneChain_andWhenItCannotWrite_thenNoneIsAppended()
            throws Exception {
        append(1);
        List<AuditEvent> group = List.of(ticket(2, T0), ticket(3, T0), ticket(4, T0));
        List<AuditRecord> records = journal.appendAll(group);

        assertThat(records).extracting(AuditRecord::seq).containsExactly(2L, 3L, 4L);
        assertThat(records).extracting(AuditRecord::event).containsExactlyElementsOf(group);
        assertThat(records.get(1).prevHash()).isEqualTo(records.get(0).hash());
        List<String> lines = Files.readAllLines(segments().get(0));
        assertThat(lines).hasSize(4);
        assertThat(lines.get(3)).contains(records.get(2).hash());
        assertThat(journal.verify().problems()).isEmpty();

        journal.close();
        assertThatThrownBy(() -> journal.appendAll(List.of(ticket(5, T0), ticket(6, T0))))
                .isInstanceOf(StorageException.class)
                .hasMessageContaining("closed");
        assertThat(Files.readAllLines(segments().get(0))).hasSize(4);
        assertThat(journal.head().seq()).isEqualTo(4);
    }

    @Test
    void append_whenEventsAreAppended_thenTheyAreChainedHashedAsTheAuditLogAndOnDisk()
            throws Exception {
        List<AuditRecord> records = append(5);

        assertThat(records).extracting(AuditRecord::seq).containsExactly(1L, 2L, 3L, 4L, 5L);
        assertThat(records.get(0).prevHash()).isEqualTo(AuditLog.GENESIS);
        for (int i = 1; i < records.size(); i++) {
            assertThat(records.get(i).prevHash()).isEqualTo(records.get(i - 1).hash());
        }
        List<String> lines = Files.readAllLines(segments().get(0), StandardCharsets.UTF_8);
        assertThat(lines).hasSize(5);
        AuditRecord read = AuditLog.parseJsonLine(lines.get(2));
        assertThat(read).isEqualTo(records.get(2));
        assertThat(read.hash())
                .isEqualTo(
                        AuditLog.hash(
                                read.eventId(),
                                read.event(),
                                AuditLog.json(read.event().details()),
                                read.prevHash()));
        assertThat(journal.head()).isEqualTo(new AuditJournal.Head(5, records.get(4).hash()));
        ChainVerification v = journal.verify();
        assertThat(v.problems()).isEmpty();
        assertThat(v.eventsChecked()).isEqualTo(5);
    }

    @Test
    void append_whenManyThreadsAppendAtOnce_thenEveryEventGetsOnePlaceInOneUnbrokenChain()
            throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<List<Long>>> futures = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            int thread = t;
            futures.add(
                    pool.submit(
                            () -> {
                                go.await();
                                List<Long> seqs = new ArrayList<>();
                                for (int i = 0; i < 250; i++) {
                                    seqs.add(journal.append(ticket(thread * 1000 + i, T0)).seq());
                                }
                                return seqs;
                            }));
        }
        go.countDown();
        Set<Long> all = new HashSet<>();
        for (Future<List<Long>> f : futures) {
            all.addAll(f.get(60, TimeUnit.SECONDS));
        }
        pool.shutdown();

        assertThat(all).hasSize(2000);
        assertThat(all).allMatch(s -> s >= 1 && s <= 2000);
        assertThat(Files.readAllLines(segments().get(0))).hasSize(2000);
        assertThat(journal.verify().problems()).isEmpty();
    }

    @Test
    void open_whenReopened_thenTheChainGoesOnFromTheLastRecord() throws Exception {
        List<AuditRecord> before = append(3);
        reopen();
        AuditRecord next = journal.append(ticket(9, clock.instant()));

        assertThat(next.seq()).isEqualTo(4);
        assertThat(next.prevHash()).isEqualTo(before.get(2).hash());
        assertThat(journal.verify().problems()).isEmpty();
    }

    @Test
    void open_whenTheLastLineWasTornByACrash_thenItIsDroppedAndTheChainGoesOn() throws Exception {
        List<AuditRecord> before = append(3);
        journal.close();
        Path seg = segments().get(0);
        String torn = AuditLog.jsonLine(before.get(2)).substring(0, 40); // no line break
        Files.writeString(seg, torn, StandardOpenOption.APPEND);

        journal = AuditJournal.open(dir, audit, clock, HOURLY);
        AuditRecord next = journal.append(ticket(4, clock.instant()));

        assertThat(next.seq()).isEqualTo(4);
        assertThat(Files.readAllLines(seg)).hasSize(4).noneMatch(l -> l.equals(torn));
        assertThat(journal.verify().problems()).isEmpty();
    }

    @Test
    void open_whenARecordOfTheNewestSegmentIsDamaged_thenSetAsideAndTheIntactBeginningGoesOn()
            throws Exception {
        List<AuditRecord> before = append(3);
        journal.close();
        Path seg = segments().get(0);
        List<String> lines = new ArrayList<>(Files.readAllLines(seg));
        lines.set(1, lines.get(1).replace("user2", "mallory"));
        Files.write(seg, lines);

        journal = AuditJournal.open(dir, audit, clock, HOURLY);

        // the chain goes on after record 1, the damaged file is kept whole for investigation
        assertThat(journal.head()).isEqualTo(new AuditJournal.Head(1, before.get(0).hash()));
        assertThat(Files.readAllLines(seg)).containsExactly(lines.get(0));
        try (Stream<Path> files = Files.list(dir)) {
            Path aside =
                    files.filter(p -> p.getFileName().toString().contains(".damaged-"))
                            .findFirst()
                            .orElseThrow();
            assertThat(Files.readAllLines(aside)).isEqualTo(lines);
        }
        List<AuditRecord> recorded =
                audit.query(AuditQuery.all().type("audit.journal.damaged")).records();
        assertThat(recorded).hasSize(1);
        assertThat(recorded.get(0).event().details().get("what"))
                .contains("after record 1")
                .contains(".damaged-");
        AuditRecord next = journal.append(ticket(4, clock.instant()));
        assertThat(next.seq()).isEqualTo(2);
        // the close before had anchored record 3: the records set aside stay visible to verify
        assertThat(journal.verify().problems())
                .extracting(Problem::kind)
                .containsExactly(Kind.REMOVED);
    }

    @Test
    void open_whenTheIdIsGoneButSegmentsRemain_thenRefused() throws Exception {
        append(2);
        journal.close();
        Files.delete(dir.resolve("journal.id"));
        journal = null;

        assertThatThrownBy(() -> AuditJournal.open(dir, audit, clock, HOURLY))
                .isInstanceOf(java.io.IOException.class)
                .hasMessageContaining("journal.id is missing");
    }

    @Test
    void prune_whenAnExpiredSegmentDoesNotVerify_thenItIsKept() throws Exception {
        append(3);
        clock.advance(Duration.ofDays(10));
        append(3);
        Path first = segments().get(0);
        List<String> lines = new ArrayList<>(Files.readAllLines(first));
        lines.set(1, lines.get(1).replace("S-1-5-21-1-2-3-1002", "S-1-5-21-1-2-3-512"));
        Files.write(first, lines);
        clock.advance(Duration.ofDays(60));

        journal.prune();

        assertThat(segments()).contains(first);
        assertThat(audit.query(AuditQuery.all().type(AuditJournal.PRUNED)).records()).isEmpty();
        assertThat(journal.verify().problems()).extracting(Problem::kind).contains(Kind.EDITED);
    }

    @Test
    void verify_whenTheRecordsAfterAPrunedSegmentAreRewritten_thenTheBrokenLinkIsReported()
            throws Exception {
        append(3);
        clock.advance(Duration.ofDays(10));
        List<AuditRecord> kept = append(3);
        clock.advance(Duration.ofDays(25));
        journal.prune(); // segment 1 (day 0) goes
        journal.close();
        // a consistent rewrite of what is kept, as if the journal had started over
        Files.write(segments().get(0), rewritten(kept, r -> r.event()));
        journal = AuditJournal.open(dir, audit, clock, HOURLY);

        List<Problem> problems = journal.verify().problems();

        assertThat(problems)
                .extracting(Problem::kind, Problem::seq)
                .contains(org.assertj.core.groups.Tuple.tuple(Kind.EDITED, 4L));
        assertThat(problems.get(0).detail()).contains("pruned");
    }

    @Test
    void verify_whileAppendsRun_thenNoFalseProblems() throws Exception {
        ExecutorService writer = Executors.newSingleThreadExecutor();
        Future<?> appends =
                writer.submit(
                        () -> {
                            for (int i = 0; i < 3000; i++) {
                                journal.append(ticket(i, T0));
                            }
                            return null;
                        });
        try {
            while (!appends.isDone()) {
                ChainVerification v = journal.verify();
                assertThat(v.problems()).isEmpty();
            }
            appends.get();
        } finally {
            writer.shutdownNow();
        }
        assertThat(journal.verify().eventsChecked()).isEqualTo(3000);
    }

    @Test
    void append_whenNotForcedEachWrite_thenTheRecordIsWithTheOperatingSystemOnReturn()
            throws Exception {
        journal.close();
        journal =
                AuditJournal.open(
                        dir,
                        audit,
                        clock,
                        new AuditJournal.Settings(
                                64L << 20, Duration.ofDays(30), Duration.ofHours(1), false));
        AuditRecord r = journal.append(ticket(1, clock.instant()));

        // another reader of the file sees it at once: a crash of this process cannot lose it
        assertThat(Files.readAllLines(segments().get(0))).containsExactly(AuditLog.jsonLine(r));
        reopen();
        assertThat(journal.head().seq()).isEqualTo(1);
        assertThat(journal.verify().problems()).isEmpty();
    }

    @Test
    void settings_whenOutOfRange_thenRefusedNamingTheSetting() {
        assertThatThrownBy(
                        () ->
                                new AuditJournal.Settings(
                                        100, Duration.ofDays(1), Duration.ofMinutes(1), true))
                .hasMessageContaining("segment size");
        assertThatThrownBy(
                        () ->
                                new AuditJournal.Settings(
                                        1 << 20, Duration.ZERO, Duration.ofMinutes(1), true))
                .hasMessageContaining("retention");
        assertThatThrownBy(() -> new AuditJournal.Settings(1 << 20, Duration.ofDays(1), null, true))
                .hasMessageContaining("checkpoint");
    }

    @Test
    void open_whenAnotherJournalHasTheDirectory_thenRefused() {
        assertThatThrownBy(() -> AuditJournal.open(dir, audit, clock, HOURLY))
                .isInstanceOf(java.io.IOException.class)
                .hasMessageContaining("open in another process");
    }

    @Test
    void append_whenClosed_thenRefusedWithAStorageError() throws Exception {
        append(1);
        journal.close();

        assertThatThrownBy(() -> journal.append(ticket(2, T0)))
                .isInstanceOf(StorageException.class);
        journal = null;
    }

    @Test
    void verify_whenARecordIsEdited_thenEdited() throws Exception {
        append(5);
        Path seg = segments().get(0);
        List<String> lines = new ArrayList<>(Files.readAllLines(seg));
        lines.set(1, lines.get(1).replace("S-1-5-21-1-2-3-1002", "S-1-5-21-1-2-3-512"));
        Files.write(seg, lines);

        List<Problem> problems = journal.verify().problems();

        assertThat(problems)
                .extracting(Problem::kind, Problem::seq)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(Kind.EDITED, 2L));
    }

    @Test
    void verify_whenARecordIsRemovedFromTheMiddle_thenRemoved() throws Exception {
        append(5);
        Path seg = segments().get(0);
        List<String> lines = new ArrayList<>(Files.readAllLines(seg));
        lines.remove(2);
        Files.write(seg, lines);

        List<Problem> problems = journal.verify().problems();

        assertThat(problems).extracting(Problem::kind).containsExactly(Kind.REMOVED);
        assertThat(problems.get(0).seq()).isEqualTo(4);
    }

    @Test
    void verify_whenRecordsAreSwapped_thenReported() throws Exception {
        append(5);
        Path seg = segments().get(0);
        List<String> lines = new ArrayList<>(Files.readAllLines(seg));
        String two = lines.get(1);
        lines.set(1, lines.get(2));
        lines.set(2, two);
        Files.write(seg, lines);

        assertThat(journal.verify().problems()).extracting(Problem::kind).contains(Kind.REORDERED);
    }

    @Test
    void verify_whenTheEndIsCutAfterACheckpoint_thenRemovedAtTheEnd() throws Exception {
        append(5);
        journal.checkpoint();
        assertThat(checkpoints())
                .last()
                .satisfies(
                        r ->
                                assertThat(r.event().details())
                                        .containsEntry("last_seq", "5")
                                        .containsEntry("journal", journal.id()));
        journal.close();
        Path seg = segments().get(0);
        List<String> lines = new ArrayList<>(Files.readAllLines(seg));
        Files.write(seg, lines.subList(0, 3));
        journal = AuditJournal.open(dir, audit, clock, HOURLY);

        List<Problem> problems = journal.verify().problems();

        assertThat(problems).extracting(Problem::kind).containsExactly(Kind.REMOVED);
        assertThat(problems.get(0).seq()).isEqualTo(4);
        assertThat(problems.get(0).detail()).contains("checkpoint");
    }

    @Test
    void verify_whenTheWholeChainIsRewrittenConsistently_thenTheCheckpointCatchesIt()
            throws Exception {
        List<AuditRecord> records = append(3);
        journal.checkpoint();
        journal.close();
        // a rewriter who recomputes every hash after editing record 2
        Files.write(
                segments().get(0),
                rewritten(
                        records, r -> r.seq() == 2 ? r.event().withDetail("sids", "") : r.event()));
        journal = AuditJournal.open(dir, audit, clock, HOURLY);

        List<Problem> problems = journal.verify().problems();

        assertThat(problems)
                .extracting(Problem::kind, Problem::seq)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(Kind.EDITED, 3L));
        assertThat(problems.get(0).detail()).contains("checkpoint");
    }

    @Test
    void open_whenStarted_thenTheHeadFoundIsAnchoredAndNotAgainUnlessItMoved() throws Exception {
        append(2);
        reopen();
        int anchored = checkpoints().size();
        journal.checkpoint();
        assertThat(checkpoints()).hasSize(anchored);
        journal.append(ticket(3, clock.instant()));
        journal.checkpoint();

        assertThat(checkpoints()).hasSize(anchored + 1);
        assertThat(checkpoints().get(anchored).event().details())
                .containsEntry("last_seq", "3")
                .containsEntry("last_hash", journal.head().hash());
        assertThat(audit.verify().intact()).isTrue();
    }

    @Test
    void append_whenTheDayChangesOrTheSegmentIsFull_thenANewSegmentContinuesTheChain()
            throws Exception {
        journal.close();
        journal =
                AuditJournal.open(
                        dir,
                        audit,
                        clock,
                        new AuditJournal.Settings(
                                4096, Duration.ofDays(30), Duration.ofHours(1), true));
        append(3);
        clock.advance(Duration.ofDays(1));
        append(30); // about 400 bytes each: a new segment after 4 KiB

        List<Path> segments = segments();
        assertThat(segments).hasSizeGreaterThanOrEqualTo(3);
        assertThat(segments.get(0).getFileName().toString()).isEqualTo(AuditJournal.segmentName(1));
        assertThat(segments.get(1).getFileName().toString()).isEqualTo(AuditJournal.segmentName(4));
        assertThat(Files.readAllLines(segments.get(0))).hasSize(3);
        ChainVerification v = journal.verify();
        assertThat(v.problems()).isEmpty();
        assertThat(v.eventsChecked()).isEqualTo(33);
    }

    @Test
    void prune_whenSegmentsAreOlderThanTheRetention_thenDeletedAfterAnEventAndVerifyStillPasses()
            throws Exception {
        append(3); // day 0
        clock.advance(Duration.ofDays(10));
        append(3); // day 10
        clock.advance(Duration.ofDays(25));
        append(3); // day 35: segment 1 (day 0) is past 30 days, segment 2 is not
        journal.prune();

        assertThat(segments())
                .extracting(p -> p.getFileName().toString())
                .containsExactly(AuditJournal.segmentName(4), AuditJournal.segmentName(7));
        List<AuditRecord> pruned =
                audit.query(AuditQuery.all().type(AuditJournal.PRUNED)).records();
        assertThat(pruned).hasSize(1);
        assertThat(pruned.get(0).event().details())
                .containsEntry("first_seq", "1")
                .containsEntry("last_seq", "3")
                .containsEntry("segment", AuditJournal.segmentName(1));
        ChainVerification v = journal.verify();
        assertThat(v.problems()).isEmpty();
        assertThat(v.eventsChecked()).isEqualTo(6);
    }

    @Test
    void verify_whenASegmentIsDeletedWithoutAPruningEvent_thenRemoved() throws Exception {
        append(3);
        clock.advance(Duration.ofDays(1));
        append(3);
        Files.delete(segments().get(0));

        List<Problem> problems = journal.verify().problems();

        assertThat(problems).extracting(Problem::kind).containsExactly(Kind.REMOVED);
        assertThat(problems.get(0).detail()).contains("no pruning event");
    }

    @Test
    void query_whenFiltered_thenOnlyMatchingRecordsInOrderWithPaging() throws Exception {
        append(10);
        clock.advance(Duration.ofDays(2));
        Instant later = clock.instant();
        append(4);

        AuditPage user3 = journal.query(AuditQuery.all().user("user3"));
        assertThat(user3.records()).extracting(AuditRecord::seq).containsExactly(3L, 13L);

        AuditPage first = journal.query(AuditQuery.all().limit(6));
        assertThat(first.hasMore()).isTrue();
        assertThat(first.records())
                .extracting(AuditRecord::seq)
                .containsExactly(1L, 2L, 3L, 4L, 5L, 6L);
        AuditPage rest = journal.query(AuditQuery.all().limit(100).after(first.lastSeq()));
        assertThat(rest.hasMore()).isFalse();
        assertThat(rest.records()).hasSize(8).first().extracting(AuditRecord::seq).isEqualTo(7L);

        AuditPage recent = journal.query(AuditQuery.all().between(later, later.plusSeconds(60)));
        assertThat(recent.records())
                .extracting(AuditRecord::seq)
                .containsExactly(11L, 12L, 13L, 14L);

        StringWriter out = new StringWriter();
        long n = journal.exportJsonLines(AuditQuery.all().type("kerberos.ticket.issued"), out);
        assertThat(n).isEqualTo(14);
        assertThat(out.toString().lines()).hasSize(14).allSatisfy(l -> AuditLog.parseJsonLine(l));
    }
}
