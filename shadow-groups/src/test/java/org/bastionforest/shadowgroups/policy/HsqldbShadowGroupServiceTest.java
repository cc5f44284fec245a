package org.bastionforest.shadowgroups.policy;

import org.bastionforest.shadowgroups.storage.DatabaseOptions;
import org.bastionforest.shadowgroups.testing.Core;

/** Defining shadow groups on embedded HSQLDB (in memory). */
class HsqldbShadowGroupServiceTest extends ShadowGroupServiceContract {
    @Override
    protected DatabaseOptions newDatabaseOptions() {
        return Core.hsqldb();
    }
}
