package org.bastionforest.shadowgroups.testing;

import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.bastionforest.shadowgroups.errors.StorageException;
import org.bastionforest.shadowgroups.storage.Database;

/** Every row of every table the core writes, as text: to assert that a refusal changed nothing. */
public final class Snapshot {
    private static final String[][] TABLES = {
        {"shadow_groups", "group_id"},
        {"access_requests", "request_id"},
        {"request_approvals", "request_id, approver"},
        {"grants", "grant_id"},
        {"grant_extensions", "extension_id"},
        {"audit_events", "seq"},
        {"audit_chain_head", "singleton"},
        {"directory_outbox", "op_seq"}
    };

    private Snapshot() {}

    public static List<String> of(Database db) throws StorageException {
        return db.inTransaction(
                c -> {
                    List<String> rows = new ArrayList<>();
                    for (String[] t : TABLES) {
                        try (Statement s = c.createStatement();
                                ResultSet rs =
                                        s.executeQuery(
                                                "SELECT * FROM " + t[0] + " ORDER BY " + t[1])) {
                            ResultSetMetaData md = rs.getMetaData();
                            while (rs.next()) {
                                StringBuilder row = new StringBuilder(t[0]).append(':');
                                for (int i = 1; i <= md.getColumnCount(); i++) {
                                    row.append(' ').append(rs.getString(i));
                                }
                                rows.add(row.toString());
                            }
                        }
                    }
                    return rows;
                });
    }
}
