package org.bastionforest.shadowgroups.mfa;

import org.bastionforest.shadowgroups.storage.DatabaseOptions;
import org.bastionforest.shadowgroups.testing.PostgresDatabases;

/** TOTP on a real PostgreSQL server. */
class PostgresTotpServiceIT extends TotpServiceContract {
    @Override
    protected DatabaseOptions newDatabaseOptions() {
        return PostgresDatabases.fresh("totp");
    }
}
