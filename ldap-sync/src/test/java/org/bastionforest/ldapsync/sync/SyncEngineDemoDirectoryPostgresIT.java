package org.bastionforest.ldapsync.sync;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.bastionforest.shadowgroups.storage.DatabaseOptions;
import org.bastionforest.testsupport.PostgresServer;

/** The demo-directory runs with the sync state in a real PostgreSQL server (V6 and every query). */
class SyncEngineDemoDirectoryPostgresIT extends SyncEngineDemoDirectoryTest {
    private static final AtomicInteger DATABASES = new AtomicInteger();

    @Override
    protected DatabaseOptions database() {
        PostgresServer server = PostgresServer.shared();
        String url = server.createDatabase("sync_" + DATABASES.incrementAndGet());
        return new DatabaseOptions(
                url, server.username(), server.password(), 4, Duration.ofSeconds(5));
    }
}
