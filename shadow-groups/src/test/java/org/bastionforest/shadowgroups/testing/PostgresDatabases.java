package org.bastionforest.shadowgroups.testing;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.bastionforest.shadowgroups.storage.DatabaseOptions;
import org.bastionforest.testsupport.PostgresServer;

/**
 * Fresh databases on the JVM's shared real PostgreSQL server, for the {@code Postgres*IT} runs of
 * the contract suites. Thread-safe.
 */
public final class PostgresDatabases {
    private static final AtomicInteger DATABASES = new AtomicInteger();

    private PostgresDatabases() {}

    /** Options for a new, empty database named {@code <prefix>_<n>}. */
    public static DatabaseOptions fresh(String prefix) {
        PostgresServer server = PostgresServer.shared();
        String url = server.createDatabase(prefix + "_" + DATABASES.incrementAndGet());
        return new DatabaseOptions(
                url, server.username(), server.password(), 4, Duration.ofSeconds(5));
    }
}
