package org.bastionforest.ldapsync.embedded;

import com.unboundid.ldap.sdk.DN;
import com.unboundid.ldap.sdk.Entry;
import com.unboundid.ldap.sdk.LDAPException;
import com.unboundid.ldif.LDIFException;
import com.unboundid.ldif.LDIFReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The persistence of an embedded directory: a snapshot ({@code snapshot.ldif}) plus an append-only
 * journal ({@code journal.log}) of entry states, in one data directory that it locks ({@code lock})
 * against a second process.
 *
 * <p>Journal records are whole entries ("this DN now looks like this") or deletions ("this DN and
 * everything below it is gone"), each followed by a CRC-32 of its bytes. Replay applies them in
 * order; both kinds are idempotent. The writer (see {@link EmbeddedBastionDirectory}) reads the
 * state it records under one lock with the append, so the last record about a DN always describes
 * its latest state.
 *
 * <p>A damaged record at the end of the journal (a write torn by a crash) ends the replay with a
 * warning: it was never acknowledged. A damaged record followed by intact ones is not a torn tail
 * but damage, and {@link #load()} refuses it rather than silently dropping what follows.
 *
 * <p>Thread-safe: every method is serialized on this object.
 */
final class DirectoryJournal implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DirectoryJournal.class);
    static final String SNAPSHOT = "snapshot.ldif";
    static final String JOURNAL = "journal.log";
    static final String LOCK = "lock";
    private static final String PUT = "put";
    private static final String DELETE = "delete ";
    private static final String CRC = "#crc ";

    private final Path dir;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private FileChannel channel;

    /**
     * Opens (creating it if needed) and locks {@code dir}.
     *
     * @throws IOException if it cannot be created, or another process (or another directory in this
     *     JVM) holds it
     */
    DirectoryJournal(Path dir) throws IOException {
        this.dir = dir;
        Files.createDirectories(dir);
        lockChannel =
                FileChannel.open(
                        dir.resolve(LOCK), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock acquired;
        try {
            acquired = lockChannel.tryLock();
        } catch (OverlappingFileLockException e) {
            acquired = null;
        }
        if (acquired == null) {
            lockChannel.close();
            throw new IOException(
                    "the data directory " + dir + " is in use by another embedded directory");
        }
        lock = acquired;
    }

    /**
     * Loads the snapshot and replays the journal.
     *
     * @return the entries, parents before children; empty if nothing was ever stored
     * @throws IOException if the snapshot or a journal record before the journal's end is damaged
     */
    synchronized List<Entry> load() throws IOException {
        Map<String, Entry> state = new LinkedHashMap<>();
        Path snapshot = dir.resolve(SNAPSHOT);
        if (Files.exists(snapshot)) {
            try (LDIFReader reader = new LDIFReader(snapshot.toFile())) {
                for (Entry e = reader.readEntry(); e != null; e = reader.readEntry()) {
                    state.put(key(e.getParsedDN()), e);
                }
            } catch (LDIFException | LDAPException e) {
                throw new IOException("the directory snapshot " + snapshot + " is damaged", e);
            }
        }
        Path journal = dir.resolve(JOURNAL);
        if (Files.exists(journal)) {
            // records are ASCII (LDIF base64-encodes anything else); a torn multi-byte tail
            // decodes to replacement characters and fails its CRC
            replay(new String(Files.readAllBytes(journal), StandardCharsets.UTF_8), state, journal);
        }
        List<Entry> entries = new ArrayList<>(state.values());
        entries.sort(Comparator.comparingInt(DirectoryJournal::depth));
        return entries;
    }

    private static void replay(String text, Map<String, Entry> state, Path journal)
            throws IOException {
        int records = 0;
        int pos = 0;
        while (pos < text.length()) {
            int crcAt = text.indexOf("\n" + CRC, pos);
            int end = crcAt < 0 ? -1 : text.indexOf('\n', crcAt + 1 + CRC.length());
            if (crcAt < 0 || end < 0) {
                LOG.warn(
                        "directory.journal.torn: ignoring an incomplete last record after {}"
                                + " records of {}",
                        records,
                        journal);
                return;
            }
            String body = text.substring(pos, crcAt + 1);
            String crc = text.substring(crcAt + 1 + CRC.length(), end);
            if (!crc.equals(crc(body))) {
                if (text.indexOf("\n" + CRC, end) >= 0) {
                    throw new IOException(
                            "the directory journal "
                                    + journal
                                    + " is damaged at record "
                                    + (records + 1)
                                    + " (byte "
                                    + pos
                                    + "), before its end: not starting with part of the data."
                                    + " Move the journal aside to start from the last snapshot.");
                }
                LOG.warn(
                        "directory.journal.torn: ignoring a damaged last record after {} records"
                                + " of {}",
                        records,
                        journal);
                return;
            }
            apply(body, state);
            records++;
            pos = end + 1;
        }
    }

    private static void apply(String body, Map<String, Entry> state) throws IOException {
        try {
            if (body.startsWith(DELETE)) {
                DN dn =
                        new DN(
                                new String(
                                        Base64.getDecoder()
                                                .decode(body.substring(DELETE.length()).strip()),
                                        StandardCharsets.UTF_8));
                state.keySet().removeIf(k -> isAtOrBelow(k, dn));
            } else if (body.startsWith(PUT + "\n")) {
                String ldif = body.substring(PUT.length() + 1);
                try (LDIFReader reader =
                        new LDIFReader(
                                new ByteArrayInputStream(ldif.getBytes(StandardCharsets.UTF_8)))) {
                    Entry e = reader.readEntry();
                    state.put(key(e.getParsedDN()), e);
                }
            } else {
                throw new IOException("unknown journal record");
            }
        } catch (LDAPException | LDIFException | IllegalArgumentException e) {
            throw new IOException("a journal record could not be read", e);
        }
    }

    private static boolean isAtOrBelow(String normalized, DN base) {
        try {
            return new DN(normalized).isDescendantOf(base, true);
        } catch (LDAPException e) {
            return false;
        }
    }

    /** Records that {@code entry} now has exactly this content. */
    synchronized void put(Entry entry) throws IOException {
        append(PUT + "\n" + entry.toLDIFString(0));
    }

    /** Records that {@code dn} and everything below it are gone. */
    synchronized void delete(DN dn) throws IOException {
        append(
                DELETE
                        + Base64.getEncoder()
                                .encodeToString(dn.toString().getBytes(StandardCharsets.UTF_8))
                        + "\n");
    }

    /**
     * Appends one record with a single {@code write} call chain: when it returns, the bytes are in
     * the operating system's page cache, which survives the death of this process (not a power cut:
     * see {@link #sync()}).
     */
    private void append(String body) throws IOException {
        if (channel == null) {
            channel =
                    FileChannel.open(
                            dir.resolve(JOURNAL),
                            StandardOpenOption.CREATE,
                            StandardOpenOption.WRITE,
                            StandardOpenOption.APPEND);
        }
        byte[] bytes = (body + CRC + crc(body) + "\n").getBytes(StandardCharsets.UTF_8);
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
    }

    /** Forces appended records to the disk (survives a power cut). */
    synchronized void sync() throws IOException {
        if (channel != null) {
            channel.force(false);
        }
    }

    /** Bytes appended since the last snapshot. */
    synchronized long journalSize() throws IOException {
        Path journal = dir.resolve(JOURNAL);
        return Files.exists(journal) ? Files.size(journal) : 0;
    }

    /**
     * Writes a new snapshot (temp file, fsync, atomic rename, directory fsync) and empties the
     * journal. The caller makes sure that no record is appended meanwhile, and that {@code writer}
     * writes every change already recorded.
     */
    synchronized void snapshot(SnapshotWriter writer) throws IOException {
        Path tmp = dir.resolve(SNAPSHOT + ".tmp");
        writer.write(tmp);
        try (FileChannel c = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
            c.force(true);
        }
        Files.move(
                tmp,
                dir.resolve(SNAPSHOT),
                StandardCopyOption.ATOMIC_MOVE,
                StandardCopyOption.REPLACE_EXISTING);
        if (channel != null) {
            channel.close();
            channel = null;
        }
        Files.deleteIfExists(dir.resolve(JOURNAL));
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true); // the rename and the deletion are durable
        } catch (IOException e) {
            LOG.debug("directory fsync not supported here", e);
        }
    }

    /** Writes a snapshot file. */
    interface SnapshotWriter {
        void write(Path file) throws IOException;
    }

    /** Forces and closes the journal, and releases the data directory. */
    @Override
    public synchronized void close() throws IOException {
        try {
            if (channel != null) {
                channel.force(false);
                channel.close();
                channel = null;
            }
        } finally {
            if (lock.isValid()) {
                lock.release();
            }
            lockChannel.close();
        }
    }

    private static String key(DN dn) {
        return dn.toNormalizedString();
    }

    private static int depth(Entry e) {
        try {
            return e.getParsedDN().getRDNs().length;
        } catch (LDAPException ex) {
            return Integer.MAX_VALUE;
        }
    }

    private static String crc(String body) {
        CRC32 crc = new CRC32();
        crc.update(body.getBytes(StandardCharsets.UTF_8));
        return Long.toHexString(crc.getValue());
    }
}
