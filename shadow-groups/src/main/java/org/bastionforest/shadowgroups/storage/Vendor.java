package org.bastionforest.shadowgroups.storage;

import java.util.Locale;

/**
 * The database products the storage layer supports, told apart by the JDBC URL's prefix.
 *
 * <p>Immutable and thread-safe.
 */
public enum Vendor {
    /** HSQLDB 2.7, in-process ({@code jdbc:hsqldb:file:} or {@code jdbc:hsqldb:mem:}). */
    HSQLDB("jdbc:hsqldb:"),
    /** PostgreSQL 15 or later ({@code jdbc:postgresql:}). */
    POSTGRESQL("jdbc:postgresql:");

    private final String urlPrefix;

    Vendor(String urlPrefix) {
        this.urlPrefix = urlPrefix;
    }

    /** The JDBC URL prefix of this vendor, e.g. {@code jdbc:postgresql:}. */
    public String urlPrefix() {
        return urlPrefix;
    }

    /**
     * The Flyway location of the migrations that only this vendor runs, e.g. {@code
     * classpath:db/migration/postgresql}.
     */
    public String migrationLocation() {
        return "classpath:db/migration/" + name().toLowerCase(Locale.ROOT);
    }

    /**
     * The vendor of a JDBC URL.
     *
     * @throws IllegalArgumentException if the URL is of no supported vendor
     */
    public static Vendor of(String jdbcUrl) {
        if (jdbcUrl != null) {
            for (Vendor vendor : values()) {
                if (jdbcUrl.regionMatches(
                        true, 0, vendor.urlPrefix, 0, vendor.urlPrefix.length())) {
                    return vendor;
                }
            }
        }
        throw new IllegalArgumentException(
                "jdbcUrl must start with jdbc:hsqldb: or jdbc:postgresql:");
    }
}
