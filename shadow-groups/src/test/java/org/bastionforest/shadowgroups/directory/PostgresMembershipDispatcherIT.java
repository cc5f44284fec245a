package org.bastionforest.shadowgroups.directory;

import org.bastionforest.shadowgroups.storage.DatabaseOptions;
import org.bastionforest.shadowgroups.testing.PostgresDatabases;

/** The outbox on a real PostgreSQL server. */
class PostgresMembershipDispatcherIT extends MembershipDispatcherContract {
    @Override
    protected DatabaseOptions newDatabaseOptions() {
        return PostgresDatabases.fresh("outbox");
    }
}
