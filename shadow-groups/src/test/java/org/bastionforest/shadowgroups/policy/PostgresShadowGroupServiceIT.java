package org.bastionforest.shadowgroups.policy;

import org.bastionforest.shadowgroups.storage.DatabaseOptions;
import org.bastionforest.shadowgroups.testing.PostgresDatabases;

/** Defining shadow groups on a real PostgreSQL server. */
class PostgresShadowGroupServiceIT extends ShadowGroupServiceContract {
    @Override
    protected DatabaseOptions newDatabaseOptions() {
        return PostgresDatabases.fresh("groups");
    }
}
