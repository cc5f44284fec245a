package org.bastionforest.scheduler;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.bastionforest.shadowgroups.storage.DatabaseOptions;
import org.bastionforest.testsupport.PostgresServer;

/** The scheduler contract on a real PostgreSQL server (PostgreSQLDelegate). */
class PostgresGrantSchedulerIT extends GrantSchedulerContract {
    private static final AtomicInteger DATABASES = new AtomicInteger();

    @Override
    protected DatabaseOptions newDatabaseOptions() {
        return fresh("scheduler_it");
    }

    /** A new, empty database on the JVM's shared PostgreSQL server. */
    static DatabaseOptions fresh(String prefix) {
        PostgresServer server = PostgresServer.shared();
        String url = server.createDatabase(prefix + "_" + DATABASES.incrementAndGet());
        return new DatabaseOptions(
                url, server.username(), server.password(), 8, Duration.ofSeconds(5));
    }
}
