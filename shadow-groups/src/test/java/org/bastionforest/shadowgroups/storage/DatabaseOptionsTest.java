package org.bastionforest.shadowgroups.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

class DatabaseOptionsTest {
    private static final String PG = "jdbc:postgresql://127.0.0.1:5432/bastion";
    private static final Duration TEN_SECONDS = Duration.ofSeconds(10);

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(
            strings = {
                "jdbc:mysql://127.0.0.1/bastion",
                "jdbc:h2:mem:bastion",
                "postgresql://127.0.0.1/bastion",
                "jdbc:hsqldb:hsql://127.0.0.1/bastion",
                "jdbc:hsqldb:res:/bastion",
                "jdbc:hsqldb:/var/lib/bastion/db"
            })
    void constructor_whenJdbcUrlIsUnsupported_thenRejectedNamingJdbcUrl(String url) {
        assertThatThrownBy(() -> new DatabaseOptions(url, "bastion", "pw", 5, TEN_SECONDS))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("jdbcUrl");
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "jdbc:postgresql://db.example.org:5432/bastion?ssl=true",
                "jdbc:hsqldb:file:/var/lib/bastion/db/bastion",
                "jdbc:hsqldb:mem:scratch",
                "JDBC:HSQLDB:FILE:/tmp/x"
            })
    void constructor_whenJdbcUrlIsSupported_thenAccepted(String url) {
        DatabaseOptions options = new DatabaseOptions(url, "bastion", "", 1, TEN_SECONDS);
        assertThat(options.jdbcUrl()).isEqualTo(url);
        assertThat(options.vendor())
                .isEqualTo(url.contains("postgresql") ? Vendor.POSTGRESQL : Vendor.HSQLDB);
    }

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = {" ", "\t"})
    void constructor_whenUsernameIsBlank_thenRejectedNamingUsername(String username) {
        assertThatThrownBy(() -> new DatabaseOptions(PG, username, "pw", 5, TEN_SECONDS))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("username");
    }

    @Test
    void constructor_whenPasswordIsNull_thenRejectedNamingPassword() {
        assertThatThrownBy(() -> new DatabaseOptions(PG, "bastion", null, 5, TEN_SECONDS))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("password");
    }

    @ParameterizedTest
    @ValueSource(ints = {Integer.MIN_VALUE, -1, 0, 101})
    void constructor_whenMaxPoolSizeIsOutOfRange_thenRejectedNamingMaxPoolSize(int size) {
        assertThatThrownBy(() -> new DatabaseOptions(PG, "bastion", "pw", size, TEN_SECONDS))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("maxPoolSize")
                .hasMessageContaining(Integer.toString(size));
    }

    @ParameterizedTest
    @ValueSource(strings = {"PT0S", "-PT1S", "PT0.249S", "PT10M0.001S", "P1D"})
    void constructor_whenConnectionTimeoutIsOutOfRange_thenRejectedNamingIt(String timeout) {
        Duration d = Duration.parse(timeout);
        assertThatThrownBy(() -> new DatabaseOptions(PG, "bastion", "pw", 5, d))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("connectionTimeout");
        assertThatThrownBy(() -> new DatabaseOptions(PG, "bastion", "pw", 5, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("connectionTimeout");
    }

    @Test
    void constructor_whenValuesAreOnTheBoundaries_thenAccepted() {
        assertThat(new DatabaseOptions(PG, "b", "", 1, Duration.ofMillis(250)).maxPoolSize())
                .isEqualTo(1);
        assertThat(new DatabaseOptions(PG, "b", "", 100, Duration.ofMinutes(10)).maxPoolSize())
                .isEqualTo(100);
    }

    @Test
    void toString_whenPasswordIsSet_thenItIsHidden() {
        DatabaseOptions options =
                new DatabaseOptions(PG, "bastion", "hunter2-very-secret", 5, TEN_SECONDS);
        assertThat(options.toString())
                .doesNotContain("hunter2")
                .contains("password=***", "username=bastion", PG, "maxPoolSize=5");
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "jdbc:postgresql://127.0.0.1/bastion?user=bastion&password=hunter2&ssl=true",
                "jdbc:postgresql://127.0.0.1/bastion?PASSWORD=hunter2",
                "jdbc:postgresql://127.0.0.1/bastion?sslpassword=hunter2",
                "jdbc:postgresql://bastion:hunter2@127.0.0.1/bastion",
                "jdbc:hsqldb:file:/var/lib/bastion/db;password=hunter2;hsqldb.tx=mvcc"
            })
    void constructor_whenJdbcUrlHoldsAPassword_thenRejectedWithoutEchoingIt(String url) {
        assertThatThrownBy(() -> new DatabaseOptions(url, "bastion", "", 5, TEN_SECONDS))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("jdbcUrl")
                .hasMessageNotContaining("hunter2");
    }

    @Test
    void toString_whenJdbcUrlHasNoPassword_thenUrlIsShown() {
        String url = "jdbc:postgresql://127.0.0.1/bastion?ssl=true&sslmode=verify-full";
        assertThat(new DatabaseOptions(url, "b", "", 5, TEN_SECONDS).toString())
                .contains("jdbcUrl=" + url + ",")
                .contains("password=(none)");
    }

    @Test
    void embedded_whenGivenADataDir_thenDurableHsqldbFileUnderDbBastion(
            @org.junit.jupiter.api.io.TempDir Path dataDir) {
        DatabaseOptions options = DatabaseOptions.embedded(dataDir);
        assertThat(options.vendor()).isEqualTo(Vendor.HSQLDB);
        assertThat(options.jdbcUrl())
                .startsWith(
                        "jdbc:hsqldb:file:" + dataDir.toAbsolutePath().resolve("db/bastion") + ";")
                .contains(";hsqldb.write_delay=false", ";hsqldb.tx=mvcc", ";hsqldb.lock_file=true");
        assertThat(options.username()).isEqualTo("SA");
        assertThat(options.password()).isEmpty();
    }

    @Test
    void embedded_whenDataDirIsNullOrHasASemicolon_thenRejectedNamingDataDir() {
        assertThatThrownBy(() -> DatabaseOptions.embedded(null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("dataDir");
        assertThatThrownBy(() -> DatabaseOptions.embedded(Path.of("/tmp/a;hsqldb.tx=locks")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("dataDir");
    }
}
