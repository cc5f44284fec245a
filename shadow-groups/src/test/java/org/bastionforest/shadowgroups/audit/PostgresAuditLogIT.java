package org.bastionforest.shadowgroups.audit;

import org.bastionforest.shadowgroups.storage.DatabaseOptions;
import org.bastionforest.shadowgroups.testing.PostgresDatabases;

/** The audit log on a real PostgreSQL server. */
class PostgresAuditLogIT extends AuditLogContract {
    @Override
    protected DatabaseOptions newDatabaseOptions() {
        return PostgresDatabases.fresh("audit");
    }
}
