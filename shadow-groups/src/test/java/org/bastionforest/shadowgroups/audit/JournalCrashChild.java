package org.bastionforest.shadowgroups.audit;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import org.bastionforest.shadowgroups.storage.Database;
import org.bastionforest.shadowgroups.testing.Core;

/**
 * The process {@link AuditJournalCrashIT} kills: appends ticket events to a journal (forced each
 * write or not, as the second argument says) from eight threads for ever, printing {@code ACK seq
 * hash} after each append has returned.
 */
public final class JournalCrashChild {
    static final String ACK = "ACK ";

    private JournalCrashChild() {}

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        boolean syncEachWrite = Boolean.parseBoolean(args[1]);
        PrintStream out = new PrintStream(System.out, false, StandardCharsets.UTF_8);
        Database db = Database.open(Core.hsqldb());
        AuditJournal journal =
                AuditJournal.open(
                        dir,
                        new AuditLog(db),
                        Clock.systemUTC(),
                        new AuditJournal.Settings(
                                64L << 20,
                                Duration.ofDays(365),
                                Duration.ofMinutes(1),
                                syncEachWrite));
        for (int t = 0; t < 8; t++) {
            int thread = t;
            Thread w =
                    new Thread(
                            () -> {
                                for (int i = 0; ; i++) {
                                    try {
                                        AuditRecord r =
                                                journal.append(
                                                        AuditEvent.of(
                                                                        "kerberos.ticket.issued",
                                                                        Clock.systemUTC().instant(),
                                                                        "user" + thread)
                                                                .withDetail("n", i));
                                        synchronized (out) {
                                            out.println(ACK + r.seq() + " " + r.hash());
                                            out.flush();
                                        }
                                    } catch (Exception e) {
                                        e.printStackTrace();
                                        return;
                                    }
                                }
                            });
            w.start();
        }
        Thread.currentThread().join();
    }
}
