package org.bastionforest.shadowgroups.request;

import org.bastionforest.shadowgroups.storage.DatabaseOptions;
import org.bastionforest.shadowgroups.testing.PostgresDatabases;

/** The lifecycle on a real PostgreSQL server. */
class PostgresRequestLifecycleIT extends RequestLifecycleContract {
    @Override
    protected DatabaseOptions newDatabaseOptions() {
        return PostgresDatabases.fresh("lifecycle");
    }
}
