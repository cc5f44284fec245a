/**
 * Storage: one relational database (embedded HSQLDB by default, PostgreSQL for several nodes),
 * reached through plain JDBC.
 *
 * <p>{@link org.bastionforest.shadowgroups.storage.Database} is the entry point: it is opened from
 * one validated {@link org.bastionforest.shadowgroups.storage.DatabaseOptions}, migrates the schema
 * (Flyway, {@code db/migration/common} plus one vendor folder) and runs units of work in
 * transactions, translating every {@link java.sql.SQLException} into a {@link
 * org.bastionforest.shadowgroups.errors.StorageException}. Stores for each table (such as {@link
 * org.bastionforest.shadowgroups.storage.InstallationStore}) are small classes on top of it. There
 * is no ORM.
 */
package org.bastionforest.shadowgroups.storage;
