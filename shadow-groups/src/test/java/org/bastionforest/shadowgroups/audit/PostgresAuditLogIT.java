package org.bastionforest.shadowgroups.audit;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.bastionforest.shadowgroups.storage.DatabaseOptions;
import org.bastionforest.testsupport.PostgresServer;
import org.junit.jupiter.api.BeforeAll;

/** The audit log on a real PostgreSQL server. */
class PostgresAuditLogIT extends AuditLogContract {
    private static final AtomicInteger DATABASES = new AtomicInteger();
    private static PostgresServer server;

    @BeforeAll
    static void startServer() {
        server = PostgresServer.shared();
    }

    @Override
    protected DatabaseOptions newDatabaseOptions() {
        String url = server.createDatabase("audit_" + DATABASES.incrementAndGet());
        return new DatabaseOptions(
                url, server.username(), server.password(), 4, Duration.ofSeconds(5));
    }
}
