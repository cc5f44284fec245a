package org.bastionforest.shadowgroups.storage;

import java.sql.Connection;
import java.sql.SQLException;

/**
 * A unit of work that {@link Database#inTransaction} runs on one connection, inside one
 * transaction.
 *
 * <p>The work may throw {@link SQLException} (translated to a {@link
 * org.bastionforest.shadowgroups.errors.StorageException}), unchecked exceptions, and one checked
 * exception type {@code X} of its own, such as a {@link
 * org.bastionforest.shadowgroups.errors.ConflictException}, which reaches the caller unchanged. Any
 * of them rolls the transaction back. The work must not commit, roll back, change auto-commit or
 * close the connection, and must not keep it after it returns.
 *
 * <pre>{@code
 * int rows = db.inTransaction(c -> {
 *     try (PreparedStatement ps = c.prepareStatement("DELETE FROM grants WHERE ends_at < ?")) {
 *         ps.setObject(1, now.atOffset(ZoneOffset.UTC));
 *         return ps.executeUpdate();
 *     }
 * });
 * }</pre>
 *
 * @param <T> what the work returns (may be {@code null}, e.g. {@link Void})
 * @param <X> the checked exception the work may throw besides {@link SQLException}; the compiler
 *     infers {@link RuntimeException} when it throws none
 */
@FunctionalInterface
public interface SqlWork<T, X extends Exception> {
    /**
     * Does the work on {@code connection}, which is in a transaction (auto-commit off).
     *
     * @return the result handed back by {@link Database#inTransaction}
     */
    T run(Connection connection) throws SQLException, X;
}
