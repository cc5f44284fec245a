package org.bastionforest.shadowgroups.storage;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.PreparedStatement;

/**
 * The child JVM of {@link HsqldbKillDurabilityIT}: opens the embedded database under {@code
 * args[0]} and commits rows {@code 1, 2, 3, ...} into {@code durability_rows}, one transaction
 * each, printing {@code COMMITTED <n>} on stdout after each commit returned, until it is killed.
 */
public final class DurabilityChild {
    static final String COMMITTED = "COMMITTED ";
    static final int MAX_ROWS = 1_000_000;

    private DurabilityChild() {}

    public static void main(String[] args) throws Exception {
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        try (Database db = Database.open(DatabaseOptions.embedded(Path.of(args[0])))) {
            for (int seq = 1; seq <= MAX_ROWS; seq++) {
                int row = seq;
                db.inTransaction(
                        c -> {
                            try (PreparedStatement ps =
                                    c.prepareStatement(
                                            "INSERT INTO durability_rows (seq) VALUES (?)")) {
                                ps.setInt(1, row);
                                return ps.executeUpdate();
                            }
                        });
                out.println(COMMITTED + row);
            }
        }
    }
}
