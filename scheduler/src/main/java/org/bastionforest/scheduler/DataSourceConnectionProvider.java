package org.bastionforest.scheduler;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Objects;
import javax.sql.DataSource;
import org.quartz.utils.ConnectionProvider;

/**
 * Quartz's connection provider over the service's own pool ({@code Database#dataSource()}): Quartz
 * opens no pool of its own. The pool belongs to the {@code Database}, so {@link #shutdown()} leaves
 * it open. Thread-safe; immutable.
 */
final class DataSourceConnectionProvider implements ConnectionProvider {
    private final DataSource dataSource;

    DataSourceConnectionProvider(DataSource dataSource) {
        this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
    }

    @Override
    public Connection getConnection() throws SQLException {
        return dataSource.getConnection();
    }

    @Override
    public void shutdown() {
        // the Database owns and closes the pool
    }

    @Override
    public void initialize() {
        // nothing to set up: the pool is open
    }
}
