package org.bastionforest.shadowgroups.storage;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * How to reach the database: validated when constructed, so that a bad setting fails at startup
 * with a message that names it.
 *
 * <p>Two kinds of URL are accepted:
 *
 * <ul>
 *   <li>{@code jdbc:postgresql:...}: a PostgreSQL server, shared by several nodes;
 *   <li>{@code jdbc:hsqldb:file:...} (or {@code jdbc:hsqldb:mem:...} for throw-away databases): an
 *       HSQLDB database inside this process. Remote HSQLDB servers ({@code jdbc:hsqldb:hsql:} and
 *       friends) are refused: use PostgreSQL when the database must be shared.
 * </ul>
 *
 * <pre>{@code
 * DatabaseOptions embedded = DatabaseOptions.embedded(Path.of("/var/lib/bastion"));
 * DatabaseOptions shared = new DatabaseOptions(
 *         "jdbc:postgresql://db.example.org/bastion", "bastion", password, 10, Duration.ofSeconds(10));
 * }</pre>
 *
 * <p>The password is kept out of the URL (a URL holding one is refused), so that the URL can be
 * logged; {@link #toString()} hides the password. Immutable and thread-safe.
 *
 * @param jdbcUrl the JDBC URL; see above. It must not hold a password
 * @param username the database user; not blank
 * @param password the user's password; may be empty, never null
 * @param maxPoolSize the most connections the pool opens, 1 to {@value #MAX_POOL_SIZE}
 * @param connectionTimeout how long to wait for a connection from the pool (and for a new one from
 *     the server), {@code PT0.25S} to {@code PT10M}
 */
public record DatabaseOptions(
        String jdbcUrl,
        String username,
        String password,
        int maxPoolSize,
        Duration connectionTimeout) {

    /** The largest accepted {@link #maxPoolSize()}. */
    public static final int MAX_POOL_SIZE = 100;

    /** The shortest accepted {@link #connectionTimeout()} (HikariCP's minimum). */
    public static final Duration MIN_CONNECTION_TIMEOUT = Duration.ofMillis(250);

    /** The longest accepted {@link #connectionTimeout()}. */
    public static final Duration MAX_CONNECTION_TIMEOUT = Duration.ofMinutes(10);

    /** Pool size of the {@linkplain #embedded(Path) embedded} database. */
    public static final int EMBEDDED_POOL_SIZE = 5;

    /** Connection timeout of the {@linkplain #embedded(Path) embedded} database. */
    public static final Duration EMBEDDED_CONNECTION_TIMEOUT = Duration.ofSeconds(10);

    /**
     * HSQLDB properties given to a new embedded database. HSQLDB applies URL properties only when
     * it creates the database, so {@link Database#open} also enforces the first two on every open.
     */
    static final String EMBEDDED_URL_PROPERTIES =
            ";hsqldb.write_delay=false;hsqldb.tx=mvcc;hsqldb.default_table_type=cached"
                    + ";hsqldb.lock_file=true";

    private static final Pattern PASSWORD_IN_URL = Pattern.compile("(?i)(password=)[^;&]*");

    /** {@code user:password@} before the host. */
    private static final Pattern USER_INFO_IN_URL = Pattern.compile("//[^/@?;]*@");

    /**
     * Validates every field.
     *
     * @throws IllegalArgumentException naming the first invalid field
     */
    public DatabaseOptions {
        if (jdbcUrl == null || jdbcUrl.isBlank()) {
            throw new IllegalArgumentException("jdbcUrl must not be blank");
        }
        Vendor vendor = Vendor.of(jdbcUrl);
        if (vendor == Vendor.HSQLDB && !isInProcessHsqldb(jdbcUrl)) {
            throw new IllegalArgumentException(
                    "jdbcUrl: only in-process HSQLDB databases (jdbc:hsqldb:file: or"
                            + " jdbc:hsqldb:mem:) are supported; use PostgreSQL to share a"
                            + " database");
        }
        if (PASSWORD_IN_URL.matcher(jdbcUrl).find() || USER_INFO_IN_URL.matcher(jdbcUrl).find()) {
            throw new IllegalArgumentException(
                    "jdbcUrl must not contain a password; set the password option instead");
        }
        if (username == null || username.isBlank()) {
            throw new IllegalArgumentException("username must not be blank");
        }
        if (password == null) {
            throw new IllegalArgumentException("password must not be null (use \"\" for none)");
        }
        if (maxPoolSize < 1 || maxPoolSize > MAX_POOL_SIZE) {
            throw new IllegalArgumentException(
                    "maxPoolSize must be between 1 and " + MAX_POOL_SIZE + ", was " + maxPoolSize);
        }
        if (connectionTimeout == null
                || connectionTimeout.compareTo(MIN_CONNECTION_TIMEOUT) < 0
                || connectionTimeout.compareTo(MAX_CONNECTION_TIMEOUT) > 0) {
            throw new IllegalArgumentException(
                    "connectionTimeout must be between "
                            + MIN_CONNECTION_TIMEOUT
                            + " and "
                            + MAX_CONNECTION_TIMEOUT
                            + ", was "
                            + connectionTimeout);
        }
    }

    /**
     * The default database: an HSQLDB file database at {@code <dataDir>/db/bastion} (files {@code
     * bastion.script}, {@code bastion.data}, ...), user {@code SA} without a password, which only
     * this process can open. HSQLDB creates the folder on first open.
     *
     * @param dataDir the service's data directory
     * @throws IllegalArgumentException if {@code dataDir} is null or contains {@code ;}
     */
    public static DatabaseOptions embedded(Path dataDir) {
        if (dataDir == null) {
            throw new IllegalArgumentException("dataDir must not be null");
        }
        Path files = dataDir.toAbsolutePath().normalize().resolve("db").resolve("bastion");
        if (files.toString().indexOf(';') >= 0) {
            throw new IllegalArgumentException("dataDir must not contain ';'");
        }
        return new DatabaseOptions(
                "jdbc:hsqldb:file:" + files + EMBEDDED_URL_PROPERTIES,
                "SA",
                "",
                EMBEDDED_POOL_SIZE,
                EMBEDDED_CONNECTION_TIMEOUT);
    }

    /** These options with another pool size (validated like the constructor's). */
    public DatabaseOptions withMaxPoolSize(int size) {
        return new DatabaseOptions(jdbcUrl, username, password, size, connectionTimeout);
    }

    /** The vendor that {@link #jdbcUrl()} names. */
    public Vendor vendor() {
        return Vendor.of(jdbcUrl);
    }

    /** True for an HSQLDB database kept in files (as opposed to {@code mem:}). */
    boolean isHsqldbFile() {
        return jdbcUrl.regionMatches(true, 0, "jdbc:hsqldb:file:", 0, "jdbc:hsqldb:file:".length());
    }

    /** Shows every field except the password. */
    @Override
    public String toString() {
        return "DatabaseOptions[jdbcUrl="
                + jdbcUrl
                + ", username="
                + username
                + ", password="
                + (password.isEmpty() ? "(none)" : "***")
                + ", maxPoolSize="
                + maxPoolSize
                + ", connectionTimeout="
                + connectionTimeout
                + "]";
    }

    private static boolean isInProcessHsqldb(String jdbcUrl) {
        String lower = jdbcUrl.toLowerCase(Locale.ROOT);
        return lower.startsWith("jdbc:hsqldb:file:") || lower.startsWith("jdbc:hsqldb:mem:");
    }
}
