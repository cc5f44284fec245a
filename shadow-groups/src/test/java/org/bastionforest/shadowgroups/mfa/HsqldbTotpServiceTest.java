package org.bastionforest.shadowgroups.mfa;

import org.bastionforest.shadowgroups.storage.DatabaseOptions;
import org.bastionforest.shadowgroups.testing.Core;

/** TOTP on embedded HSQLDB (in memory). */
class HsqldbTotpServiceTest extends TotpServiceContract {
    @Override
    protected DatabaseOptions newDatabaseOptions() {
        return Core.hsqldb();
    }
}
