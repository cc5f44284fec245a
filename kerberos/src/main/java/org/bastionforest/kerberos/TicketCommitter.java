package org.bastionforest.kerberos;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.IntSupplier;
import org.bastionforest.shadowgroups.audit.AuditEvent;
import org.bastionforest.shadowgroups.errors.StorageException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps issued tickets' audit events in groups, on a thread of its own, and lets each ticket leave
 * only once its group is kept: the KDC's workers hand over the event with what sends the reply and
 * take the next request, instead of waiting for the disk themselves.
 *
 * <p><b>Grouping.</b> A group is written when no other request is being answered (nothing more is
 * coming soon), when {@link #MAX_WAIT} has passed since its oldest event arrived, or when it holds
 * {@link #MAX_GROUP} events. One client alone waits for nothing but its own write; under load the
 * force of one write is shared by the tickets that were computed meanwhile, as with a database's
 * commit delay, bounded by {@code MAX_WAIT}.
 *
 * <p><b>The rule kept.</b> A ticket's reply is released ({@code then} called with {@code null})
 * only after {@link Sink#keep} returned for a group holding its event; if it threw, {@code then}
 * gets the failure and the KDC refuses the ticket. When {@link #CAPACITY} events wait, the next
 * worker waits too (the KDC's request queue then fills and sheds load, as when workers waited for
 * the disk themselves). {@link #close()} keeps what was handed over before it returns. Thread-safe.
 */
final class TicketCommitter implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TicketCommitter.class);

    /** The longest an event waits for others to join its group. */
    static final Duration MAX_WAIT = Duration.ofMillis(1);

    /** The most events one group takes (the journal's own group limit). */
    static final int MAX_GROUP = 1_000;

    /** The most events that wait before workers wait too. */
    static final int CAPACITY = 4 * MAX_GROUP;

    /** Where groups are kept: returns once all its events are (durable, for the audit journal). */
    @FunctionalInterface
    interface Sink {
        void keep(List<AuditEvent> group) throws StorageException;
    }

    private record Waiting(AuditEvent event, Consumer<StorageException> then, long since) {}

    private final Sink sink;
    private final IntSupplier answering;
    private final long maxWaitNanos;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final Condition room = lock.newCondition();
    private final ArrayDeque<Waiting> queue = new ArrayDeque<>();
    private final Thread writer;

    // guarded by lock
    private boolean closing;

    /**
     * @param sink where groups are kept
     * @param answering how many requests are being answered now (while any are, a young group waits
     *     for their events); its owner calls {@link #wake()} when it drops to zero
     * @param name the writer thread's name
     */
    TicketCommitter(Sink sink, IntSupplier answering, String name) {
        this(sink, answering, name, MAX_WAIT);
    }

    TicketCommitter(Sink sink, IntSupplier answering, String name, Duration maxWait) {
        this.sink = Objects.requireNonNull(sink, "sink");
        this.answering = Objects.requireNonNull(answering, "answering");
        this.maxWaitNanos = maxWait.toNanos();
        this.writer = new Thread(this::run, name);
        writer.setDaemon(true);
        writer.start();
    }

    /**
     * Hands over {@code event}; {@code then} is called on the writer thread once it is kept ({@code
     * null}) or could not be (the failure). Waits while {@link #CAPACITY} events wait.
     */
    void submit(AuditEvent event, Consumer<StorageException> then) {
        Objects.requireNonNull(event, "event");
        Objects.requireNonNull(then, "then");
        lock.lock();
        try {
            while (queue.size() >= CAPACITY && !closing) {
                room.awaitUninterruptibly();
            }
            if (!closing) {
                queue.add(new Waiting(event, then, System.nanoTime()));
                if (queue.size() == 1 || queue.size() >= MAX_GROUP) {
                    changed.signal();
                }
                return;
            }
        } finally {
            lock.unlock();
        }
        release(then, new StorageException("the KDC is stopping")); // outside the lock
    }

    /** Tells the writer that no request is being answered any more: a waiting group goes now. */
    void wake() {
        lock.lock();
        try {
            if (!queue.isEmpty()) {
                changed.signal();
            }
        } finally {
            lock.unlock();
        }
    }

    /** Whether the writer thread is alive (it stops only at {@link #close()}). */
    boolean isRunning() {
        return writer.isAlive();
    }

    private void run() {
        try {
            while (true) {
                List<Waiting> group = next();
                if (group == null) {
                    return;
                }
                write(group);
            }
        } catch (RuntimeException | Error e) {
            LOG.error("kerberos.ticket-audit: the committer stopped: {}", e.toString());
        } finally {
            // stopping, normally or not: nothing waits for ever, no worker stays blocked
            List<Waiting> left;
            lock.lock();
            try {
                closing = true;
                left = new ArrayList<>(queue);
                queue.clear();
                room.signalAll();
            } finally {
                lock.unlock();
            }
            StorageException stopped = new StorageException("ticket audit stopped");
            for (Waiting w : left) {
                release(w.then(), stopped);
            }
        }
    }

    /** Calls {@code then}; whatever it throws stays here (the other tickets are still released). */
    private static void release(Consumer<StorageException> then, StorageException failure) {
        try {
            then.accept(failure);
        } catch (RuntimeException | Error e) {
            LOG.warn("kerberos.reply-failed: {}", e.getClass().getSimpleName());
        }
    }

    /** The next group, once it is due; null when closing and nothing waits. */
    private List<Waiting> next() {
        lock.lock();
        try {
            while (queue.isEmpty()) {
                if (closing) {
                    return null;
                }
                changed.awaitUninterruptibly();
            }
            long deadline = queue.peekFirst().since() + maxWaitNanos;
            try {
                while (!closing && queue.size() < MAX_GROUP && answering.getAsInt() > 0) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        break;
                    }
                    changed.awaitNanos(left);
                }
            } catch (InterruptedException e) {
                // not interrupted by this class; the group goes now
            }
            List<Waiting> group = new ArrayList<>(Math.min(queue.size(), MAX_GROUP));
            while (group.size() < MAX_GROUP && !queue.isEmpty()) {
                group.add(queue.pollFirst());
            }
            room.signalAll();
            return group;
        } finally {
            lock.unlock();
        }
    }

    private void write(List<Waiting> group) {
        StorageException failure = null;
        List<AuditEvent> events = new ArrayList<>(group.size());
        for (Waiting w : group) {
            events.add(w.event());
        }
        try {
            sink.keep(events);
        } catch (StorageException e) {
            failure = e;
        } catch (RuntimeException | Error e) {
            failure = new StorageException("ticket audit failed: " + e, e);
        }
        for (Waiting w : group) {
            release(w.then(), failure);
        }
    }

    /** Keeps (or fails) every event handed over so far, then stops the writer. */
    @Override
    public void close() {
        lock.lock();
        try {
            closing = true;
            changed.signal();
            room.signalAll();
        } finally {
            lock.unlock();
        }
        try {
            writer.join(TimeUnit.SECONDS.toMillis(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
