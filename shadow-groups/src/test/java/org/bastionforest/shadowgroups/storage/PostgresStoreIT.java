package org.bastionforest.shadowgroups.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.bastionforest.shadowgroups.errors.StorageException;
import org.bastionforest.testsupport.FreePorts;
import org.bastionforest.testsupport.PostgresServer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The store contract on a real PostgreSQL server, plus what only a server can do: go away. */
class PostgresStoreIT extends StoreContract {
    private static final AtomicInteger DATABASES = new AtomicInteger();
    private static PostgresServer server;

    @BeforeAll
    static void startServer() {
        server = PostgresServer.shared();
    }

    @Override
    protected DatabaseOptions newDatabaseOptions() {
        String url = server.createDatabase("store_contract_" + DATABASES.incrementAndGet());
        return new DatabaseOptions(
                url, server.username(), server.password(), 4, Duration.ofSeconds(5));
    }

    @Override
    protected Vendor expectedVendor() {
        return Vendor.POSTGRESQL;
    }

    @Test
    void check_whenServerIsStopped_thenDownWithANonSecretDetail() throws Exception {
        try (PostgresServer own = PostgresServer.start()) {
            DatabaseOptions ownOptions =
                    new DatabaseOptions(
                            own.createDatabase("going_away"),
                            own.username(),
                            own.password(),
                            2,
                            Duration.ofSeconds(1));
            try (Database doomed = Database.open(ownOptions)) {
                assertThat(doomed.check(Duration.ofSeconds(5)).isUp()).isTrue();

                own.stop();

                Health health = doomed.check(Duration.ofSeconds(5));
                assertThat(health.status()).isEqualTo(Health.Status.DOWN);
                assertThat(health.detail())
                        .isNotBlank()
                        .doesNotContain(own.password())
                        .doesNotContain("jdbc:");
                assertThatThrownBy(
                                () ->
                                        doomed.inTransaction(
                                                c ->
                                                        c.getMetaData()
                                                                .getTables(
                                                                        null,
                                                                        null,
                                                                        "installation",
                                                                        null)
                                                                .next()))
                        .isInstanceOfSatisfying(
                                StorageException.class,
                                e -> assertThat(messages(e)).doesNotContain(own.password()));
            }
        }
    }

    @Test
    void open_whenFlywayAndHikariLogEverything_thenTheServerPasswordIsNotLogged() throws Exception {
        String log;
        try (LogCapture capture = LogCapture.everything();
                Database logged = Database.open(newDatabaseOptions())) {
            logged.check(Duration.ofSeconds(2));
            log = capture.text();
        }

        assertThat(log)
                .contains("jdbcUrl", "Database: jdbc:postgresql:")
                .doesNotContain(server.password());
    }

    @Test
    void open_whenNothingListens_thenStorageExceptionWithoutSecrets() {
        DatabaseOptions nowhere =
                new DatabaseOptions(
                        "jdbc:postgresql://127.0.0.1:" + FreePorts.next() + "/bastion",
                        "bastion",
                        "unreachable-secret-42",
                        2,
                        Duration.ofSeconds(1));

        assertThatThrownBy(() -> Database.open(nowhere))
                .isInstanceOfSatisfying(
                        StorageException.class,
                        e -> {
                            assertThat(e.getMessage()).contains("SQLState 08");
                            assertThat(messages(e)).doesNotContain("unreachable-secret-42");
                        });
    }
}
