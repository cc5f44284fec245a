package org.bastionforest.shadowgroups.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.bastionforest.shadowgroups.storage.Database;
import org.bastionforest.shadowgroups.testing.Core;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * kill -9 of a process appending to its audit journal from eight threads, with every write forced
 * to disk and without: every record whose append had returned is there after the restart, with the
 * hash it was acknowledged with, the chain verifies, and it goes on from where it stopped.
 */
class AuditJournalCrashIT {
    @TempDir Path dir;

    @ParameterizedTest(name = "forced each write: {0}")
    @ValueSource(booleans = {true, false})
    void open_whenTheWriterWasKilledMidAppend_thenEveryAcknowledgedRecordIsKeptAndTheChainGoesOn(
            boolean syncEachWrite) throws Exception {
        Path journalDir = dir.resolve("journal");
        Path childLog = dir.resolve("child.log");
        Process child =
                new ProcessBuilder(
                                List.of(
                                        Path.of(System.getProperty("java.home"), "bin", "java")
                                                .toString(),
                                        "-Xmx128m",
                                        "-XX:TieredStopAtLevel=1",
                                        "-cp",
                                        System.getProperty("java.class.path"),
                                        JournalCrashChild.class.getName(),
                                        journalDir.toString(),
                                        Boolean.toString(syncEachWrite)))
                        .redirectError(childLog.toFile())
                        .start();
        Map<Long, String> acknowledged = new HashMap<>();
        try (BufferedReader out =
                new BufferedReader(
                        new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = out.readLine()) != null; ) {
                if (line.startsWith(JournalCrashChild.ACK)) {
                    String[] parts = line.substring(JournalCrashChild.ACK.length()).split(" ");
                    acknowledged.put(Long.parseLong(parts[0]), parts[1]);
                    if (acknowledged.size() == 3000) {
                        child.destroyForcibly(); // SIGKILL while the other threads append
                        break;
                    }
                }
            }
        } finally {
            child.destroyForcibly();
            child.waitFor(30, TimeUnit.SECONDS);
        }
        assertThat(acknowledged).as(Files.readString(childLog)).hasSize(3000);
        assertThat(child.exitValue()).as("killed by SIGKILL").isEqualTo(128 + 9);

        try (Database db = Database.open(Core.hsqldb());
                AuditJournal journal =
                        AuditJournal.open(
                                journalDir,
                                new AuditLog(db),
                                Clock.systemUTC(),
                                AuditJournal.Settings.defaults())) {
            long max =
                    acknowledged.keySet().stream().mapToLong(Long::longValue).max().orElseThrow();
            assertThat(journal.head().seq()).isGreaterThanOrEqualTo(max);
            Map<Long, String> kept = new HashMap<>();
            long after = 0;
            while (true) {
                AuditPage page = journal.query(AuditQuery.all().limit(1000).after(after));
                page.records().forEach(r -> kept.put(r.seq(), r.hash()));
                if (!page.hasMore()) {
                    break;
                }
                after = page.lastSeq();
            }
            assertThat(kept).containsAllEntriesOf(acknowledged);
            ChainVerification v = journal.verify();
            assertThat(v.problems()).isEmpty();
            assertThat(v.eventsChecked()).isEqualTo(journal.head().seq());

            AuditRecord next =
                    journal.append(
                            AuditEvent.of(
                                    "kerberos.ticket.issued",
                                    Clock.systemUTC().instant(),
                                    "after"));
            assertThat(next.seq()).isEqualTo(journal.head().seq());
            assertThat(journal.verify().problems()).isEmpty();
        }
    }
}
