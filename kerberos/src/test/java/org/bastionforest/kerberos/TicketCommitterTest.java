package org.bastionforest.kerberos;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.bastionforest.shadowgroups.audit.AuditEvent;
import org.bastionforest.shadowgroups.audit.AuditJournal;
import org.bastionforest.shadowgroups.audit.AuditLog;
import org.bastionforest.shadowgroups.audit.AuditQuery;
import org.bastionforest.shadowgroups.errors.StorageException;
import org.bastionforest.shadowgroups.storage.Database;
import org.bastionforest.shadowgroups.storage.DatabaseOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The committer in front of a real audit journal (files forced to disk, anchored in an HSQLDB audit
 * log): groups form while other requests are answered, no reply is released before its group is on
 * disk, a failed group refuses all its tickets, and nothing handed over is lost at close.
 */
class TicketCommitterTest {
    @TempDir Path dir;
    Database db;
    AuditLog audit;
    AuditJournal journal;

    /** The groups the committer asked the journal to keep, by size. */
    final List<Integer> groups = new CopyOnWriteArrayList<>();

    final AtomicInteger answering = new AtomicInteger();
    TicketCommitter committer;

    @BeforeEach
    void open() throws Exception {
        db =
                Database.open(
                        new DatabaseOptions(
                                "jdbc:hsqldb:mem:committer" + System.nanoTime(),
                                "SA",
                                "",
                                2,
                                Duration.ofSeconds(5)));
        audit = new AuditLog(db);
        journal =
                AuditJournal.open(dir, audit, Clock.systemUTC(), AuditJournal.Settings.defaults());
    }

    @AfterEach
    void close() {
        if (committer != null) {
            committer.close();
        }
        journal.close();
        audit.close();
        db.close();
    }

    private TicketCommitter committer(Duration maxWait) {
        committer =
                new TicketCommitter(
                        events -> {
                            groups.add(events.size());
                            journal.appendAll(events);
                        },
                        answering::get,
                        "test-committer",
                        maxWait);
        return committer;
    }

    private static AuditEvent ticket(int i) {
        return AuditEvent.of("kerberos.ticket.issued", Instant.now(), "user" + i + "@BASTION.TEST")
                .withUser("user" + i)
                .withDetail("exchange", "AS");
    }

    /** What a released reply saw: the failure, and how many records the journal held then. */
    record Released(StorageException failure, long onDisk) {}

    private CompletableFuture<Released> submit(TicketCommitter c, int i) {
        CompletableFuture<Released> released = new CompletableFuture<>();
        c.submit(ticket(i), failure -> released.complete(new Released(failure, onDisk())));
        return released;
    }

    /** As {@link #submit} without reading the journal back (for thousands of tickets). */
    private static CompletableFuture<Released> submitUnread(TicketCommitter c, int i) {
        CompletableFuture<Released> released = new CompletableFuture<>();
        c.submit(ticket(i), failure -> released.complete(new Released(failure, -1)));
        return released;
    }

    /** Records in the journal's files, read back (not the in-memory head). */
    private long onDisk() {
        try {
            return journal.query(AuditQuery.all().type("kerberos.ticket.issued").limit(1000))
                    .records()
                    .size();
        } catch (StorageException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void whileOthersAreAnswered_thenTheirEventsShareOneGroup_releasedOnlyOnceOnDisk()
            throws Exception {
        TicketCommitter c = committer(Duration.ofSeconds(30));
        answering.set(3);
        List<CompletableFuture<Released>> replies = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            replies.add(submit(c, i));
        }
        Thread.sleep(200);
        assertThat(replies).noneMatch(CompletableFuture::isDone);
        assertThat(groups).isEmpty();
        assertThat(journal.head().seq()).isZero();

        answering.set(0);
        c.wake();
        for (CompletableFuture<Released> r : replies) {
            Released released = r.get(5, TimeUnit.SECONDS);
            assertThat(released.failure()).isNull();
            assertThat(released.onDisk()).isEqualTo(3);
        }
        assertThat(groups).containsExactly(3);
        assertThat(journal.verify().problems()).isEmpty();
    }

    @Test
    void alone_thenWrittenAtOnce() throws Exception {
        TicketCommitter c = committer(Duration.ofSeconds(30));
        long start = System.nanoTime();
        Released released = submit(c, 1).get(5, TimeUnit.SECONDS);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
        assertThat(released.failure()).isNull();
        assertThat(released.onDisk()).isEqualTo(1);
        assertThat(groups).containsExactly(1);
    }

    @Test
    void whenOtherRequestsNeverFinish_thenTheGroupGoesAfterTheLongestWait() throws Exception {
        TicketCommitter c = committer(Duration.ofMillis(300));
        answering.set(1); // a request that never hands over its event
        long start = System.nanoTime();
        CompletableFuture<Released> reply = submit(c, 1);
        Released released = reply.get(5, TimeUnit.SECONDS);
        assertThat(Duration.ofNanos(System.nanoTime() - start))
                .isGreaterThanOrEqualTo(Duration.ofMillis(300));
        assertThat(released.failure()).isNull();
        assertThat(released.onDisk()).isEqualTo(1);
    }

    @Test
    void whenTheJournalFails_thenEveryTicketOfTheGroupIsRefused() throws Exception {
        TicketCommitter c = committer(Duration.ofSeconds(30));
        journal.close(); // as when its disk fails
        answering.set(2);
        CompletableFuture<Released> a = submit(c, 1);
        CompletableFuture<Released> b = submit(c, 2);
        answering.set(0);
        c.wake();
        assertThat(a.get(5, TimeUnit.SECONDS).failure()).isNotNull();
        assertThat(b.get(5, TimeUnit.SECONDS).failure())
                .isInstanceOf(StorageException.class)
                .hasMessageContaining("closed");
        assertThat(groups).containsExactly(2);
    }

    @Test
    void close_keepsWhatWasHandedOver_thenRefusesMore() throws Exception {
        TicketCommitter c = committer(Duration.ofSeconds(30));
        answering.set(1);
        List<CompletableFuture<Released>> replies = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            replies.add(submit(c, i));
        }
        c.close();
        for (CompletableFuture<Released> r : replies) {
            assertThat(r.getNow(null)).as("released before close returned").isNotNull();
            assertThat(r.get().failure()).isNull();
        }
        assertThat(journal.head().seq()).isEqualTo(5);
        assertThat(c.isRunning()).isFalse();

        CompletableFuture<Released> late = submit(c, 6);
        assertThat(late.get(5, TimeUnit.SECONDS).failure()).hasMessageContaining("stopping");
        assertThat(journal.head().seq()).isEqualTo(5);
    }

    @Test
    void whenTheJournalIsSlowAndTheQueueIsFull_thenWorkersWait_andNothingIsLost() throws Exception {
        CountDownLatch stuck = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        committer =
                new TicketCommitter(
                        events -> {
                            stuck.countDown();
                            try {
                                release.await();
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            }
                            groups.add(events.size());
                            journal.appendAll(events);
                        },
                        answering::get,
                        "test-committer",
                        Duration.ofMillis(1));
        List<CompletableFuture<Released>> replies = new ArrayList<>();
        replies.add(submitUnread(committer, 0));
        assertThat(stuck.await(5, TimeUnit.SECONDS)).isTrue(); // the writer holds one group
        for (int i = 1; i <= TicketCommitter.CAPACITY; i++) {
            replies.add(submitUnread(committer, i));
        }
        CompletableFuture<Released> overflow = new CompletableFuture<>();
        CountDownLatch handedOver = new CountDownLatch(1);
        Thread worker =
                new Thread(
                        () -> {
                            committer.submit(
                                    ticket(-1), f -> overflow.complete(new Released(f, -1)));
                            handedOver.countDown();
                        });
        worker.start();
        assertThat(handedOver.await(300, TimeUnit.MILLISECONDS))
                .as("the worker waits for room")
                .isFalse();
        assertThat(worker.getState()).isEqualTo(Thread.State.WAITING);
        assertThat(overflow).isNotDone();

        release.countDown();
        worker.join(10_000);
        assertThat(overflow.get(10, TimeUnit.SECONDS).failure()).isNull();
        for (CompletableFuture<Released> r : replies) {
            assertThat(r.get(10, TimeUnit.SECONDS).failure()).isNull();
        }
        assertThat(journal.head().seq()).isEqualTo(TicketCommitter.CAPACITY + 2L);
        assertThat(groups).allMatch(n -> n <= TicketCommitter.MAX_GROUP);
    }

    @Test
    void whenAReplyCallbackThrows_thenTheOthersAreStillReleased_andTheCommitterGoesOn()
            throws Exception {
        TicketCommitter c = committer(Duration.ofSeconds(30));
        answering.set(3);
        CompletableFuture<Released> before = submit(c, 1);
        c.submit(
                ticket(2),
                f -> {
                    throw new IllegalStateException("a reply that cannot be sent");
                });
        c.submit(
                ticket(3),
                f -> {
                    throw new StackOverflowError("an error in a reply");
                });
        CompletableFuture<Released> after = submit(c, 4);
        answering.set(0);
        c.wake();
        assertThat(before.get(5, TimeUnit.SECONDS).failure()).isNull();
        assertThat(after.get(5, TimeUnit.SECONDS).failure()).isNull();
        assertThat(c.isRunning()).isTrue();
        assertThat(submit(c, 5).get(5, TimeUnit.SECONDS).onDisk()).isEqualTo(5);
    }

    @Test
    void whenTheWriterDies_thenEveryWaitingTicketIsRefused_andNoWorkerWaitsForEver()
            throws Exception {
        // an Error on the writer thread (memory, say) kills it: simulated by an answering count
        // that throws while the writer looks at it
        TicketCommitter dying =
                new TicketCommitter(
                        events -> journal.appendAll(events),
                        () -> {
                            throw new OutOfMemoryError("simulated");
                        },
                        "dying-committer",
                        Duration.ofSeconds(30));
        try {
            CompletableFuture<Released> reply = submitUnread(dying, 1);
            assertThat(reply.get(5, TimeUnit.SECONDS).failure())
                    .hasMessageContaining("ticket audit stopped");
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (dying.isRunning() && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertThat(dying.isRunning()).isFalse();
            // later tickets are refused at once, not queued for no one
            assertThat(submitUnread(dying, 2).get(5, TimeUnit.SECONDS).failure())
                    .hasMessageContaining("stopping");
            assertThat(journal.head().seq()).isZero();
        } finally {
            dying.close();
        }
    }
}
