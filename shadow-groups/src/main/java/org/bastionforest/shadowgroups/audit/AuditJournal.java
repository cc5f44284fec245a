package org.bastionforest.shadowgroups.audit;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.bastionforest.shadowgroups.audit.ChainVerification.Kind;
import org.bastionforest.shadowgroups.audit.ChainVerification.Problem;
import org.bastionforest.shadowgroups.errors.StorageException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The audit journal: a per-node, append-only, hash-chained file of audit events that record no
 * state change and come at a high rate — issued Kerberos tickets ({@code kdc.ticket-audit:
 * journal}). It is to the {@link AuditLog} what a domain controller's Security event log is to the
 * directory's own change history: every node keeps its own, and each is anchored in the central
 * chain.
 *
 * <p><b>Durable before it returns.</b> {@link #append} writes the event as one JSON line (the
 * format of the audit export, {@code prevHash} and {@code hash} included, hashed exactly as in the
 * SQL log) and returns only once the file is forced to disk. Callers that arrive while a write runs
 * wait, and the next write takes all their events with one {@code fdatasync} (group commit).
 *
 * <p><b>Segments.</b> Files {@code journal-<first seq, 20 digits>.jsonl} in one directory: a new
 * segment starts when the current one exceeds {@link Settings#segmentBytes()} or when an event
 * falls on another UTC day (a group of events is never split, so a segment may run over by one
 * group). The chain runs on across segments. Segments whose events are all older than {@link
 * Settings#retention()} are deleted, each after an {@code audit.journal.pruned} event in the audit
 * log has recorded its range and last hash.
 *
 * <p><b>Anchored.</b> Every {@link Settings#checkpointInterval()} (when the journal grew), at start
 * and at close, an {@code audit.journal.checkpoint} event in the audit log records this journal's
 * id, its last position and hash. {@link #verify()} recomputes every hash, follows the chain and
 * compares it with every checkpoint: an edited, removed or reordered record, a record removed from
 * the end, a segment deleted without a pruning event, or records rewritten after a pruned segment
 * is reported. What was appended after the last checkpoint can be cut or rewritten undetected — at
 * most one interval (the hashes have no key).
 *
 * <p><b>Crash.</b> A line without its line break at the end of the newest segment was never
 * acknowledged (its write was not forced); opening the journal removes it and says so in the log.
 * If the newest segment holds a record that does not read back, hash or link (pages of an
 * unacknowledged group written out of order before a power cut, or an edit), the segment is set
 * aside whole ({@code .damaged-<millis>}), its intact beginning becomes the segment again, the
 * chain goes on from there, and an {@code audit.journal.damaged} event says so; records that a
 * checkpoint had anchored stay reported by {@link #verify()}. Segments are pruned only if they
 * verify. A failed {@code fdatasync} stops the journal until a restart (after one, the kernel may
 * have dropped pages and report the next one as a success). A missing {@code journal.id} beside
 * segments stops the opening (a new id would orphan their checkpoints).
 *
 * <p>One process at a time: the directory is locked while open. Thread-safe.
 */
public final class AuditJournal implements AutoCloseable {
    /** The type of the events that anchor a journal's head in the audit log. */
    public static final String CHECKPOINT = "audit.journal.checkpoint";

    /** The type of the events that record a deleted segment. */
    public static final String PRUNED = "audit.journal.pruned";

    /** The most events one write takes. */
    static final int MAX_GROUP = 1_000;

    /** How often writes are forced to disk when not each one is. */
    public static final Duration SYNC_INTERVAL = Duration.ofSeconds(1);

    private static final Logger LOG = LoggerFactory.getLogger(AuditJournal.class);
    private static final Pattern SEGMENT = Pattern.compile("journal-(\\d{20})\\.jsonl");
    private static final String ID_FILE = "journal.id";
    private static final String LOCK_FILE = "journal.lock";

    /**
     * How the journal is kept.
     *
     * @param segmentBytes a segment is closed once it is this large (at least 4 KiB)
     * @param retention segments whose events are all older than this are deleted
     * @param checkpointInterval how often the head is anchored in the audit log
     * @param syncEachWrite force every write to disk before {@link #append} returns (a power cut
     *     loses nothing acknowledged); if false, writes reach the operating system before {@code
     *     append} returns (a crash or kill of the process loses nothing) and are forced to disk
     *     every {@link #SYNC_INTERVAL} (a power cut may lose that much)
     */
    public record Settings(
            long segmentBytes,
            Duration retention,
            Duration checkpointInterval,
            boolean syncEachWrite) {
        /**
         * Validates the settings.
         *
         * @throws IllegalArgumentException naming the bad one
         */
        public Settings {
            if (segmentBytes < 4096) {
                throw new IllegalArgumentException("journal segment size must be at least 4 KiB");
            }
            positive("journal retention", retention);
            positive("journal checkpoint interval", checkpointInterval);
        }

        /** 64 MiB segments, kept 365 days, a checkpoint every minute, every write forced. */
        public static Settings defaults() {
            return new Settings(64L << 20, Duration.ofDays(365), Duration.ofMinutes(1), true);
        }

        private static void positive(String what, Duration d) {
            if (d == null || d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(what + " must be a positive duration");
            }
        }
    }

    /** The last record: its position and hash ({@code 0} and {@link AuditLog#GENESIS} if none). */
    public record Head(long seq, String hash) {}

    private static final class Pending {
        final AuditEvent event;
        AuditRecord record;
        Throwable failure;

        Pending(AuditEvent event) {
            this.event = event;
        }
    }

    private final Path directory;
    private final AuditLog anchor;
    private final Clock clock;
    private final Settings settings;
    private final String id;
    private final String node;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private final ConcurrentLinkedQueue<Pending> pending = new ConcurrentLinkedQueue<>();
    private final ReentrantLock writes = new ReentrantLock();
    private final Map<Path, Instant> firstInstants = new ConcurrentHashMap<>();
    private final ScheduledExecutorService housekeeping;

    // guarded by writes
    private FileChannel segment;
    private Path segmentPath;
    private long segmentSize;
    private LocalDate segmentDay;
    private IOException broken;

    private volatile Head head;
    private volatile boolean closed;
    private volatile long syncedSeq;

    // guarded by this (housekeeping and close)
    private long anchoredSeq = -1;

    /** What recovery set aside, recorded in the audit log at the first housekeeping. */
    private final List<String> damage = new ArrayList<>();

    private AuditJournal(
            Path directory,
            AuditLog anchor,
            Clock clock,
            Settings settings,
            FileChannel lockChannel,
            FileLock lock)
            throws IOException {
        this.directory = directory;
        this.anchor = anchor;
        this.clock = clock;
        this.settings = settings;
        this.lockChannel = lockChannel;
        this.lock = lock;
        this.id = readOrCreateId(directory);
        this.node = hostName();
        try {
            recover();
        } catch (IOException | RuntimeException e) {
            if (segment != null) {
                segment.close();
            }
            throw e;
        }
        this.housekeeping =
                Executors.newScheduledThreadPool(
                        2,
                        r -> {
                            Thread t = new Thread(r, "audit-journal-housekeeping");
                            t.setDaemon(true);
                            return t;
                        });
        housekeep(); // anchors what was found at start
        long every = settings.checkpointInterval().toMillis();
        housekeeping.scheduleWithFixedDelay(this::housekeep, every, every, TimeUnit.MILLISECONDS);
        if (!settings.syncEachWrite()) {
            long sync = SYNC_INTERVAL.toMillis();
            housekeeping.scheduleWithFixedDelay(this::sync, sync, sync, TimeUnit.MILLISECONDS);
        }
    }

    /**
     * Opens (or creates) the journal in {@code directory}, takes its lock, repairs a torn last line
     * and starts anchoring it in {@code anchor}.
     *
     * @throws IOException if the directory cannot be used, another process has it open, or its
     *     {@code journal.id} is missing beside segments
     */
    public static AuditJournal open(Path directory, AuditLog anchor, Clock clock, Settings settings)
            throws IOException {
        Objects.requireNonNull(anchor, "anchor");
        Objects.requireNonNull(clock, "clock");
        Objects.requireNonNull(settings, "settings");
        Path dir = Files.createDirectories(directory.toAbsolutePath().normalize());
        FileChannel channel =
                FileChannel.open(
                        dir.resolve(LOCK_FILE),
                        StandardOpenOption.CREATE,
                        StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = channel.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null;
        }
        if (lock == null) {
            channel.close();
            throw new IOException("the audit journal in " + dir + " is open in another process");
        }
        try {
            return new AuditJournal(dir, anchor, clock, settings, channel, lock);
        } catch (IOException | RuntimeException e) {
            lock.release();
            channel.close();
            throw e;
        }
    }

    /** This journal's id (kept in the directory; named by its checkpoints). */
    public String id() {
        return id;
    }

    /** The directory it is kept in. */
    public Path directory() {
        return directory;
    }

    /** The last record's position and hash. Never blocks. */
    public Head head() {
        return head;
    }

    /**
     * Appends {@code event}; returns once it is on disk.
     *
     * @throws StorageException if it could not be written (the caller must not act as if audited),
     *     or the journal is closed
     */
    public AuditRecord append(AuditEvent event) throws StorageException {
        return appendAll(List.of(Objects.requireNonNull(event, "event"))).get(0);
    }

    /**
     * Appends {@code events} in their order, with one force for up to {@link #MAX_GROUP} of them
     * (events that other threads append meanwhile may join or come between); returns once all are
     * on disk.
     *
     * @return their records, in order
     * @throws StorageException if one could not be written, or the journal is closed: the caller
     *     must then act as if none was audited (some may be on disk: a group that fails is taken
     *     back, one written before it is not)
     */
    public List<AuditRecord> appendAll(List<AuditEvent> events) throws StorageException {
        if (closed) {
            throw new StorageException("the audit journal is closed");
        }
        List<Pending> mine = new ArrayList<>(events.size());
        for (AuditEvent e : events) {
            mine.add(new Pending(Objects.requireNonNull(e, "event")));
        }
        pending.addAll(mine);
        writes.lock();
        try {
            for (Pending p : mine) {
                while (p.record == null && p.failure == null) {
                    writePending();
                }
            }
        } finally {
            writes.unlock();
        }
        List<AuditRecord> records = new ArrayList<>(mine.size());
        for (Pending p : mine) {
            if (p.failure != null) {
                throw new StorageException("audit journal: " + p.failure.getMessage(), p.failure);
            }
            records.add(p.record);
        }
        return records;
    }

    /** Whether every write is forced to disk before {@link #append} returns. */
    public boolean forcesEachWrite() {
        return settings.syncEachWrite();
    }

    /** Writes up to {@link #MAX_GROUP} waiting events with one force; each ends with a result. */
    private void writePending() {
        List<Pending> group = new ArrayList<>();
        for (Pending p; group.size() < MAX_GROUP && (p = pending.poll()) != null; ) {
            group.add(p);
        }
        if (group.isEmpty()) {
            return;
        }
        if (closed || broken != null) {
            Throwable why =
                    closed
                            ? new IOException("closed")
                            : new IOException("failed earlier: " + broken.getMessage(), broken);
            group.forEach(p -> p.failure = why);
            return;
        }
        Head before = head;
        long sizeBefore = segmentSize;
        boolean forcing = false;
        try {
            LocalDate day = day(group.get(0).event.occurredAt());
            if (segment == null
                    || segmentSize >= settings.segmentBytes()
                    || !day.equals(segmentDay)) {
                startSegment(before.seq() + 1, day);
                sizeBefore = 0;
            }
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(512 * group.size());
            List<AuditRecord> records = new ArrayList<>(group.size());
            long seq = before.seq();
            String prev = before.hash();
            for (Pending p : group) {
                UUID eventId = UUID.randomUUID();
                String hash = AuditLog.hash(eventId, p.event, prev);
                AuditRecord r = new AuditRecord(++seq, eventId, p.event, prev, hash);
                bytes.write(AuditLog.jsonLine(r).getBytes(StandardCharsets.UTF_8));
                bytes.write('\n');
                records.add(r);
                prev = hash;
            }
            ByteBuffer buffer = ByteBuffer.wrap(bytes.toByteArray());
            while (buffer.hasRemaining()) {
                segment.write(buffer);
            }
            if (settings.syncEachWrite()) {
                forcing = true;
                segment.force(false);
                forcing = false;
                syncedSeq = seq;
            }
            segmentSize = sizeBefore + bytes.size();
            head = new Head(seq, prev);
            for (int i = 0; i < group.size(); i++) {
                group.get(i).record = records.get(i);
            }
        } catch (IOException | RuntimeException | Error e) {
            group.forEach(p -> p.failure = e);
            if (forcing) {
                // after a failed fsync the kernel may have dropped the pages it could not write,
                // and a second fsync reports success: nothing written since the last good one can
                // be trusted to be on disk
                breakDown(e);
            } else {
                unwrite(sizeBefore, e);
            }
        }
    }

    private void breakDown(Throwable e) {
        broken = e instanceof IOException io ? io : new IOException(e.toString(), e);
        LOG.error(
                "audit.journal.broken: {}; no more events are accepted (tickets are refused) until"
                        + " the service restarts",
                e.toString());
    }

    /**
     * The segment's channel, open again if an interrupt closed it (FileChannel is interruptible: a
     * worker interrupted in a write closes the channel for every thread).
     */
    private FileChannel openSegment() throws IOException {
        if (segment != null && !segment.isOpen() && segmentPath != null) {
            segment =
                    FileChannel.open(
                            segmentPath, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        }
        return segment;
    }

    /** Takes back a failed write; if that fails too, no more events are accepted. */
    private void unwrite(long size, Throwable cause) {
        LOG.error("audit.journal.write-failed: {}", cause.toString());
        if (segment == null) {
            return;
        }
        try {
            openSegment().truncate(size);
            segment.force(false);
            segmentSize = size;
        } catch (IOException e) {
            breakDown(e);
        }
    }

    private void startSegment(long firstSeq, LocalDate day) throws IOException {
        if (segment != null) {
            openSegment().force(false);
            segment.close();
            segment = null;
        }
        Path file = directory.resolve(segmentName(firstSeq));
        segmentPath = file;
        segment =
                FileChannel.open(
                        file,
                        StandardOpenOption.CREATE,
                        StandardOpenOption.WRITE,
                        StandardOpenOption.APPEND);
        segmentSize = segment.size();
        segmentDay = day;
        forceDirectory();
    }

    private void forceDirectory() throws IOException {
        try (FileChannel d = FileChannel.open(directory, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException e) {
            // some platforms cannot open a directory; the file's own force still holds its data
            LOG.debug("audit.journal: directory not forced: {}", e.toString());
        }
    }

    /**
     * Forces what was written since the last time to disk. Never throws; a failure breaks the
     * journal (a retried fsync cannot be trusted).
     *
     * @return whether everything written is on disk
     */
    private boolean sync() {
        writes.lock(); // the segment is not closed or replaced meanwhile
        try {
            Head h = head;
            if (h.seq() == syncedSeq) {
                return true;
            }
            if (broken != null) {
                return false;
            }
            if (segment != null) {
                openSegment().force(false);
            }
            syncedSeq = h.seq();
            return true;
        } catch (IOException e) {
            breakDown(e);
            return false;
        } finally {
            writes.unlock();
        }
    }

    /**
     * Repairs a torn last line, sets aside a newest segment damaged before its end (keeping its
     * intact beginning), and finds the head.
     */
    private void recover() throws IOException {
        List<Path> segments = segments();
        while (!segments.isEmpty()) {
            Path last = segments.get(segments.size() - 1);
            Intact intact = intactPrefix(last, Map.of());
            long size = Files.size(last);
            if (!intact.damaged() && intact.bytes() < size) {
                // an unterminated last line: its write was never acknowledged
                try (FileChannel c = FileChannel.open(last, StandardOpenOption.WRITE)) {
                    c.truncate(intact.bytes());
                    c.force(false);
                }
                LOG.warn(
                        "audit.journal.recovered: dropped an unfinished last record ({} bytes) of {};"
                                + " it was never acknowledged",
                        size - intact.bytes(),
                        last.getFileName());
            }
            if (intact.damaged()) {
                Path aside = last.resolveSibling(last.getFileName() + ".damaged-" + clock.millis());
                Files.move(last, aside, StandardCopyOption.ATOMIC_MOVE);
                if (intact.bytes() > 0) {
                    try (FileChannel from = FileChannel.open(aside, StandardOpenOption.READ);
                            FileChannel to =
                                    FileChannel.open(
                                            last,
                                            StandardOpenOption.CREATE_NEW,
                                            StandardOpenOption.WRITE)) {
                        long copied = 0;
                        while (copied < intact.bytes()) {
                            copied += from.transferTo(copied, intact.bytes() - copied, to);
                        }
                        to.force(false);
                    }
                }
                forceDirectory();
                String what =
                        last.getFileName()
                                + " does not verify after record "
                                + intact.last().map(AuditRecord::seq).orElse(firstSeq(last) - 1)
                                + "; set aside as "
                                + aside.getFileName()
                                + ", the chain goes on from its intact beginning";
                LOG.error("audit.journal.damaged: {}", what);
                damage.add(what);
                if (intact.bytes() == 0) {
                    segments.remove(segments.size() - 1);
                    continue;
                }
            }
            if (intact.last().isPresent()) {
                AuditRecord r = intact.last().get();
                head = new Head(r.seq(), r.hash());
                segment =
                        FileChannel.open(last, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
                segmentPath = last;
                syncedSeq = r.seq(); // what a start finds is what the disk holds
                segmentSize = segment.size();
                segmentDay = day(r.event().occurredAt());
                return;
            }
            // an empty newest segment: created, then the service stopped before its first write
            Files.delete(last);
            segments.remove(segments.size() - 1);
        }
        head = new Head(0, AuditLog.GENESIS);
    }

    /**
     * The longest beginning of a segment made of whole records that read back, hash right, follow
     * each other, link and agree with {@code checkpoints}: its length, its last record, and whether
     * a whole line that is none of that follows it (an unterminated last line is not counted).
     */
    private record Intact(long bytes, Optional<AuditRecord> last, boolean damaged) {}

    private static Intact intactPrefix(Path segment, Map<Long, Set<String>> checkpoints)
            throws IOException {
        long good = 0;
        long offset = 0;
        long expected = firstSeq(segment);
        AuditRecord last = null;
        try (java.io.InputStream in =
                new java.io.BufferedInputStream(Files.newInputStream(segment), 1 << 16)) {
            ByteArrayOutputStream line = new ByteArrayOutputStream(1024);
            for (int b; (b = in.read()) >= 0; ) {
                offset++;
                if (b != '\n') {
                    line.write(b);
                    continue;
                }
                AuditRecord rec;
                try {
                    rec = AuditLog.parseJsonLine(line.toString(StandardCharsets.UTF_8));
                } catch (IllegalArgumentException e) {
                    return new Intact(good, Optional.ofNullable(last), true);
                }
                if (rec.seq() != expected
                        || (last != null && !last.hash().equals(rec.prevHash()))
                        || !hashes(rec)
                        || checkpoints.getOrDefault(rec.seq(), Set.of()).stream()
                                .anyMatch(h -> !h.equals(rec.hash()))) {
                    return new Intact(good, Optional.ofNullable(last), true);
                }
                last = rec;
                good = offset;
                expected++;
                line.reset();
            }
        }
        return new Intact(good, Optional.ofNullable(last), false);
    }

    /** Whether {@code r}'s stored hash is the hash of its fields (as the audit log computes it). */
    private static boolean hashes(AuditRecord r) {
        return r.hash()
                .equals(
                        AuditLog.hash(
                                r.eventId(),
                                r.event(),
                                AuditLog.json(r.event().details()),
                                r.prevHash()));
    }

    /** The last complete line of {@code file}. */
    private static Optional<String> lastLine(Path file) throws IOException {
        try (FileChannel c = FileChannel.open(file, StandardOpenOption.READ)) {
            long end = lastNewline(c, c.size());
            if (end < 0) {
                return Optional.empty();
            }
            long start = lastNewline(c, end) + 1;
            ByteBuffer b = ByteBuffer.allocate(Math.toIntExact(end - start));
            while (b.hasRemaining() && c.read(b, start + b.position()) >= 0) {
                // read on
            }
            return Optional.of(new String(b.array(), StandardCharsets.UTF_8));
        }
    }

    /** The position of the last {@code '\n'} before {@code limit}, or -1. */
    private static long lastNewline(FileChannel c, long limit) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(8192);
        long pos = limit;
        while (pos > 0) {
            int n = (int) Math.min(b.capacity(), pos);
            b.clear().limit(n);
            long from = pos - n;
            while (b.hasRemaining() && c.read(b, from + b.position()) >= 0) {
                // read on
            }
            for (int i = n - 1; i >= 0; i--) {
                if (b.get(i) == '\n') {
                    return from + i;
                }
            }
            pos = from;
        }
        return -1;
    }

    /** The segments, oldest first. */
    private List<Path> segments() throws IOException {
        try (Stream<Path> files = Files.list(directory)) {
            return new ArrayList<>(
                    files.filter(f -> SEGMENT.matcher(f.getFileName().toString()).matches())
                            .sorted()
                            .toList());
        }
    }

    private static long firstSeq(Path segment) {
        Matcher m = SEGMENT.matcher(segment.getFileName().toString());
        if (!m.matches()) {
            throw new IllegalArgumentException("not a segment: " + segment);
        }
        return Long.parseLong(m.group(1));
    }

    static String segmentName(long firstSeq) {
        return String.format("journal-%020d.jsonl", firstSeq);
    }

    /** When the first event of {@code segment} happened; empty for an empty segment. */
    private Optional<Instant> firstInstant(Path segment) throws IOException {
        Instant known = firstInstants.get(segment);
        if (known != null) {
            return Optional.of(known);
        }
        try (BufferedReader r = reader(segment)) {
            String line = r.readLine();
            if (line == null) {
                return Optional.empty();
            }
            Instant first = AuditLog.parseJsonLine(line).event().occurredAt();
            firstInstants.put(segment, first);
            return Optional.of(first);
        } catch (IllegalArgumentException e) {
            return Optional.empty(); // damaged: never skipped, verify reports it
        }
    }

    private static BufferedReader reader(Path file) throws IOException {
        return reader(file, Long.MAX_VALUE);
    }

    /** Reads at most the first {@code limit} bytes of {@code file}. */
    private static BufferedReader reader(Path file, long limit) throws IOException {
        java.io.InputStream in = Files.newInputStream(file);
        if (limit != Long.MAX_VALUE) {
            in = new Limited(in, limit);
        }
        return new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8), 1 << 16);
    }

    /** An input stream that ends after a number of bytes. */
    private static final class Limited extends java.io.FilterInputStream {
        private long left;

        Limited(java.io.InputStream in, long limit) {
            super(in);
            this.left = limit;
        }

        @Override
        public int read() throws IOException {
            if (left <= 0) {
                return -1;
            }
            int b = super.read();
            if (b >= 0) {
                left--;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (left <= 0) {
                return -1;
            }
            int n = super.read(b, off, (int) Math.min(len, left));
            if (n > 0) {
                left -= n;
            }
            return n;
        }
    }

    /** What is written and complete: the head, the newest segment and its length. */
    private record Committed(Head head, Path segment, long size) {}

    private Committed committed() {
        writes.lock();
        try {
            return new Committed(head, segmentPath, segmentSize);
        } finally {
            writes.unlock();
        }
    }

    private static LocalDate day(Instant t) {
        return LocalDate.ofInstant(t, ZoneOffset.UTC);
    }

    /** What is done with each matching record; returns false to stop. */
    @FunctionalInterface
    private interface Visitor {
        boolean visit(AuditRecord record) throws IOException;
    }

    /**
     * Visits the records after {@code query.afterSeq()} that match {@code query}, oldest first, up
     * to the head as it was when called. Segments are skipped by position, and by time with a
     * margin of a day (clocks that step back by less are harmless).
     */
    private void scan(AuditQuery query, Visitor visitor) throws IOException {
        long last = head.seq();
        List<Path> segments = segments();
        Duration margin = Duration.ofDays(1);
        for (int i = 0; i < segments.size(); i++) {
            Path s = segments.get(i);
            long first = firstSeq(s);
            if (first > last) {
                return;
            }
            boolean hasNext = i + 1 < segments.size();
            if (hasNext && firstSeq(segments.get(i + 1)) - 1 <= query.afterSeq()) {
                continue;
            }
            if (query.to().isPresent()) {
                Optional<Instant> start = firstInstant(s);
                if (start.isPresent() && start.get().isAfter(query.to().get().plus(margin))) {
                    return;
                }
            }
            if (hasNext && query.from().isPresent()) {
                Optional<Instant> nextStart = firstInstant(segments.get(i + 1));
                if (nextStart.isPresent()
                        && nextStart.get().plus(margin).isBefore(query.from().get())) {
                    continue;
                }
            }
            try (BufferedReader r = reader(s)) {
                for (String line; (line = r.readLine()) != null; ) {
                    AuditRecord rec;
                    try {
                        rec = AuditLog.parseJsonLine(line);
                    } catch (IllegalArgumentException e) {
                        continue; // a damaged line: verify reports it
                    }
                    if (rec.seq() > last) {
                        return;
                    }
                    if (rec.seq() > query.afterSeq() && matches(query, rec.event())) {
                        if (!visitor.visit(rec)) {
                            return;
                        }
                    }
                }
            } catch (java.nio.file.NoSuchFileException e) {
                // pruned while being read: its events are gone, the pruning event says so
            }
        }
    }

    private static boolean matches(AuditQuery q, AuditEvent e) {
        if (q.user().isPresent()
                && !q.user().get().equals(e.actor())
                && !q.user().equals(e.subjectUser())) {
            return false;
        }
        if (q.groupId().isPresent() && !q.groupId().equals(e.groupId())) {
            return false;
        }
        if (q.type().isPresent() && !q.type().get().equals(e.type())) {
            return false;
        }
        if (q.from().isPresent() && e.occurredAt().isBefore(q.from().get())) {
            return false;
        }
        return q.to().isEmpty() || e.occurredAt().isBefore(q.to().get());
    }

    /**
     * One page of records matching {@code query}, oldest first (positions are this journal's).
     * Reads the segments in order: quick for recent events and positions, a scan of the kept
     * segments otherwise.
     *
     * @throws StorageException if the journal cannot be read
     */
    public AuditPage query(AuditQuery query) throws StorageException {
        Objects.requireNonNull(query, "query");
        List<AuditRecord> records = new ArrayList<>();
        try {
            scan(
                    query,
                    r -> {
                        records.add(r);
                        return records.size() <= query.limit();
                    });
        } catch (IOException | UncheckedIOException e) {
            throw new StorageException("the audit journal cannot be read: " + e.getMessage(), e);
        }
        boolean more = records.size() > query.limit();
        return new AuditPage(more ? records.subList(0, query.limit()) : records, more);
    }

    /**
     * Writes every record matching {@code query} (from its position on, ignoring its limit) as JSON
     * lines, the format of the audit log's export.
     *
     * @return how many were written
     * @throws StorageException if the journal cannot be read
     * @throws IOException if writing failed
     */
    public long exportJsonLines(AuditQuery query, Writer out) throws StorageException, IOException {
        long[] written = {0};
        try {
            scan(
                    query,
                    r -> {
                        out.write(AuditLog.jsonLine(r));
                        out.write('\n');
                        written[0]++;
                        return true;
                    });
        } catch (UncheckedIOException e) {
            throw new StorageException("the audit journal cannot be read: " + e.getMessage(), e);
        }
        return written[0];
    }

    /**
     * Checks the journal: every record's hash, the chain across segments, every checkpoint and
     * pruning event of this journal in the audit log.
     *
     * @throws StorageException if the journal or the audit log cannot be read
     */
    public synchronized ChainVerification verify() throws StorageException {
        // synchronized with checkpoint() and prune(): neither moves the anchors meanwhile
        Committed at = committed();
        long last = at.head().seq();
        Map<Long, Set<String>> checkpoints = new HashMap<>();
        Map<Long, String> pruned = new HashMap<>();
        readAnchors(checkpoints, pruned); // none is written meanwhile: checkpoint() waits
        long prunedThroughSeq = pruned.keySet().stream().mapToLong(Long::longValue).max().orElse(0);
        long[] prunedThrough = {prunedThroughSeq};
        List<Problem> problems = new ArrayList<>();
        long checked = 0;
        long expected = -1;
        String prevHash = null;
        try {
            for (Path s : segments()) {
                int lineNo = 0;
                // the newest segment is read only as far as it is written: a line being appended
                // is not damage
                long limit = s.equals(at.segment()) ? at.size() : Long.MAX_VALUE;
                try (BufferedReader r = reader(s, limit)) {
                    for (String line; (line = r.readLine()) != null; ) {
                        lineNo++;
                        AuditRecord rec;
                        try {
                            rec = AuditLog.parseJsonLine(line);
                        } catch (IllegalArgumentException e) {
                            problems.add(
                                    new Problem(
                                            Kind.EDITED,
                                            expected < 0 ? firstSeq(s) : expected,
                                            Optional.empty(),
                                            s.getFileName()
                                                    + " line "
                                                    + lineNo
                                                    + " is not a record: "
                                                    + e.getMessage()));
                            continue;
                        }
                        if (rec.seq() > last) {
                            break; // appended after the check began
                        }
                        checked++;
                        if (expected < 0) {
                            if (rec.seq() > prunedThrough[0] + 1) {
                                problems.add(
                                        new Problem(
                                                Kind.REMOVED,
                                                rec.seq(),
                                                Optional.of(rec.eventId()),
                                                "records "
                                                        + (prunedThrough[0] + 1)
                                                        + " to "
                                                        + (rec.seq() - 1)
                                                        + " are missing and no pruning event"
                                                        + " covers them"));
                            } else if (pruned.containsKey(rec.seq() - 1)
                                    && !pruned.get(rec.seq() - 1).equals(rec.prevHash())) {
                                problems.add(
                                        new Problem(
                                                Kind.EDITED,
                                                rec.seq(),
                                                Optional.of(rec.eventId()),
                                                "does not link to the last record of the pruned"
                                                        + " segment before it"));
                            } else if (rec.seq() == 1 && !rec.prevHash().equals(AuditLog.GENESIS)) {
                                problems.add(
                                        new Problem(
                                                Kind.EDITED,
                                                1,
                                                Optional.of(rec.eventId()),
                                                "the first record does not start the chain"));
                            }
                        } else if (rec.seq() > expected) {
                            problems.add(
                                    new Problem(
                                            Kind.REMOVED,
                                            rec.seq(),
                                            Optional.of(rec.eventId()),
                                            "records "
                                                    + expected
                                                    + " to "
                                                    + (rec.seq() - 1)
                                                    + " are missing"));
                        } else if (rec.seq() < expected) {
                            problems.add(
                                    new Problem(
                                            Kind.REORDERED,
                                            rec.seq(),
                                            Optional.of(rec.eventId()),
                                            "found after record " + (expected - 1)));
                        } else if (!rec.prevHash().equals(prevHash)) {
                            problems.add(
                                    new Problem(
                                            Kind.REMOVED,
                                            rec.seq(),
                                            Optional.of(rec.eventId()),
                                            "does not link to the record before it"));
                        }
                        if (!hashes(rec)) {
                            problems.add(
                                    new Problem(
                                            Kind.EDITED,
                                            rec.seq(),
                                            Optional.of(rec.eventId()),
                                            "its fields no longer match its hash"));
                        }
                        Set<String> anchored = checkpoints.getOrDefault(rec.seq(), Set.of());
                        if (anchored.stream().anyMatch(a -> !a.equals(rec.hash()))) {
                            problems.add(
                                    new Problem(
                                            Kind.EDITED,
                                            rec.seq(),
                                            Optional.of(rec.eventId()),
                                            "differs from the checkpoint in the audit log"));
                        }
                        expected = rec.seq() + 1;
                        prevHash = rec.hash();
                    }
                } catch (java.nio.file.NoSuchFileException e) {
                    // pruned during the check
                }
            }
        } catch (IOException e) {
            throw new StorageException("the audit journal cannot be read: " + e.getMessage(), e);
        }
        long end = Math.max(expected - 1, prunedThrough[0]);
        long anchoredEnd = checkpoints.keySet().stream().mapToLong(Long::longValue).max().orElse(0);
        if (anchoredEnd > end) {
            problems.add(
                    new Problem(
                            Kind.REMOVED,
                            end + 1,
                            Optional.empty(),
                            "the journal ends at "
                                    + end
                                    + " but a checkpoint in the audit log recorded "
                                    + anchoredEnd));
        }
        return new ChainVerification(checked, problems);
    }

    /** This journal's checkpoints (position to hash) and the end of its pruned records. */
    private void readAnchors(Map<Long, Set<String>> checkpoints, Map<Long, String> pruned)
            throws StorageException {
        for (String type : List.of(CHECKPOINT, PRUNED)) {
            AuditQuery q = AuditQuery.all().type(type).limit(AuditQuery.MAX_LIMIT);
            while (true) {
                AuditPage page = anchor.query(q);
                for (AuditRecord r : page.records()) {
                    Map<String, String> d = r.event().details();
                    if (!id.equals(d.get("journal"))) {
                        continue;
                    }
                    try {
                        long seq = Long.parseLong(d.getOrDefault("last_seq", ""));
                        if (type.equals(CHECKPOINT)) {
                            checkpoints
                                    .computeIfAbsent(seq, k -> new HashSet<>())
                                    .add(d.getOrDefault("last_hash", ""));
                        } else {
                            pruned.put(seq, d.getOrDefault("last_hash", ""));
                        }
                    } catch (NumberFormatException e) {
                        // not ours to judge: the audit log's own chain covers its events
                    }
                }
                if (!page.hasMore()) {
                    break;
                }
                q = q.after(page.lastSeq());
            }
        }
    }

    /** Anchors the head if it moved, then prunes expired segments. Never throws. */
    private void housekeep() {
        try {
            recordDamage();
            checkpoint();
            prune();
        } catch (StorageException | IOException | RuntimeException e) {
            LOG.warn("audit.journal.housekeeping-failed: {} (retried)", e.toString());
        }
    }

    /** Records in the audit log what recovery set aside (once). */
    private synchronized void recordDamage() throws StorageException {
        while (!damage.isEmpty()) {
            anchor.append(
                    AuditEvent.of("audit.journal.damaged", clock.instant(), AuditEvent.SYSTEM)
                            .withDetail("journal", id)
                            .withDetail("node", node)
                            .withDetail("what", damage.get(0)));
            damage.remove(0);
        }
    }

    /**
     * Appends a checkpoint of the current head to the audit log, if it moved since the last.
     *
     * @throws StorageException if the audit log cannot be written
     */
    public synchronized void checkpoint() throws StorageException {
        Head h = head;
        if (h.seq() == anchoredSeq) {
            return;
        }
        // anchor only what is on disk: a checkpoint of records a power cut then took would make
        // every later verify report them missing
        if (!settings.syncEachWrite() && !sync()) {
            throw new StorageException("the audit journal could not be forced to disk");
        }
        anchor.append(
                AuditEvent.of(CHECKPOINT, clock.instant(), AuditEvent.SYSTEM)
                        .withDetail("journal", id)
                        .withDetail("node", node)
                        .withDetail("last_seq", h.seq())
                        .withDetail("last_hash", h.hash()));
        anchoredSeq = h.seq();
    }

    /** Deletes segments whose events are all older than the retention, each after its event. */
    synchronized void prune() throws StorageException, IOException {
        Instant cutoff = clock.instant().minus(settings.retention());
        List<Path> segments = segments();
        Map<Long, Set<String>> checkpoints = null;
        for (int i = 0; i + 1 < segments.size(); i++) {
            Path s = segments.get(i);
            Optional<AuditRecord> last;
            try {
                last = lastLine(s).map(AuditLog::parseJsonLine);
            } catch (IllegalArgumentException e) {
                LOG.error("audit.journal.prune-refused: {} does not read back; kept", s);
                return;
            }
            if (last.isPresent() && !last.get().event().occurredAt().isBefore(cutoff)) {
                return;
            }
            if (checkpoints == null) {
                checkpoints = new HashMap<>();
                readAnchors(checkpoints, new HashMap<>());
            }
            // what is deleted must have been intact: its dates decide, and they could be edited
            Optional<String> problem = segmentProblem(s, segments.get(i + 1), checkpoints);
            if (problem.isPresent()) {
                LOG.error(
                        "audit.journal.prune-refused: {} {}; kept for verify",
                        s.getFileName(),
                        problem.get());
                return;
            }
            long lastSeq = firstSeq(segments.get(i + 1)) - 1;
            String lastHash = last.map(AuditRecord::hash).orElse("");
            anchor.append(
                    AuditEvent.of(PRUNED, clock.instant(), AuditEvent.SYSTEM)
                            .withDetail("journal", id)
                            .withDetail("node", node)
                            .withDetail("segment", s.getFileName())
                            .withDetail("first_seq", firstSeq(s))
                            .withDetail("last_seq", lastSeq)
                            .withDetail("last_hash", lastHash)
                            .withDetail("retention", settings.retention()));
            Files.delete(s);
            firstInstants.remove(s);
            LOG.info("audit.journal.pruned: {} (records to {})", s.getFileName(), lastSeq);
        }
    }

    /**
     * Why {@code segment} cannot be pruned, if it cannot: a record that does not read back or hash
     * right, a gap, a broken link (inside it or to the first record of {@code next}), or a
     * checkpoint it contradicts.
     */
    private static Optional<String> segmentProblem(
            Path segment, Path next, Map<Long, Set<String>> checkpoints) throws IOException {
        Intact intact = intactPrefix(segment, checkpoints);
        if (intact.damaged() || intact.bytes() != Files.size(segment)) {
            return Optional.of(
                    "does not verify after record "
                            + intact.last().map(AuditRecord::seq).orElse(firstSeq(segment) - 1));
        }
        String prev = intact.last().map(AuditRecord::hash).orElse(null);
        long expected = intact.last().map(r -> r.seq() + 1).orElse(firstSeq(segment));
        if (expected != firstSeq(next)) {
            return Optional.of("does not end where " + next.getFileName() + " begins");
        }
        try (BufferedReader r = reader(next)) {
            String first = r.readLine();
            if (first == null || !AuditLog.parseJsonLine(first).prevHash().equals(prev)) {
                return Optional.of("is not the record before " + next.getFileName());
            }
        } catch (IllegalArgumentException e) {
            return Optional.of("is followed by a damaged segment");
        }
        return Optional.empty();
    }

    /** Stops housekeeping, anchors the head a last time, closes the files and the lock. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        housekeeping.shutdown();
        try {
            housekeeping.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        writes.lock();
        try {
            writePending(); // fails what arrived meanwhile: closed
            if (segment != null) {
                openSegment().force(false);
                segment.close();
                segment = null;
            }
        } catch (IOException e) {
            LOG.warn("audit.journal: closing the segment failed: {}", e.toString());
        } finally {
            writes.unlock();
        }
        try {
            checkpoint();
        } catch (StorageException | RuntimeException e) {
            LOG.warn("audit.journal: last checkpoint not written: {}", e.toString());
        }
        try {
            lock.release();
            lockChannel.close();
        } catch (IOException e) {
            LOG.warn("audit.journal: releasing the lock failed: {}", e.toString());
        }
    }

    private static String readOrCreateId(Path dir) throws IOException {
        Path file = dir.resolve(ID_FILE);
        if (Files.exists(file)) {
            String s = Files.readString(file, StandardCharsets.US_ASCII).strip();
            try {
                return UUID.fromString(s).toString();
            } catch (IllegalArgumentException e) {
                throw new IOException(file + " does not hold a journal id", e);
            }
        }
        try (Stream<Path> files = Files.list(dir)) {
            if (files.anyMatch(f -> SEGMENT.matcher(f.getFileName().toString()).matches())) {
                // a new id would orphan every checkpoint of these segments in the audit log
                throw new IOException(
                        file
                                + " is missing but the directory holds journal segments; restore it"
                                + " (its id is in the audit log's audit.journal.checkpoint events)");
            }
        }
        String created = UUID.randomUUID().toString();
        Path tmp = Files.createTempFile(dir, ID_FILE, ".tmp");
        Files.writeString(tmp, created + "\n", StandardCharsets.US_ASCII);
        try (FileChannel c = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
            c.force(true);
        }
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
        return created;
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "unknown";
        }
    }
}
