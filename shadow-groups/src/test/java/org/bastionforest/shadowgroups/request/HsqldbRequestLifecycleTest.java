package org.bastionforest.shadowgroups.request;

import org.bastionforest.shadowgroups.storage.DatabaseOptions;
import org.bastionforest.shadowgroups.testing.Core;

/** The lifecycle on embedded HSQLDB (in memory). */
class HsqldbRequestLifecycleTest extends RequestLifecycleContract {
    @Override
    protected DatabaseOptions newDatabaseOptions() {
        return Core.hsqldb();
    }
}
