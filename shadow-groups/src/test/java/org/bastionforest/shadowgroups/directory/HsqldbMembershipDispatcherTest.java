package org.bastionforest.shadowgroups.directory;

import org.bastionforest.shadowgroups.storage.DatabaseOptions;
import org.bastionforest.shadowgroups.testing.Core;

/** The outbox on embedded HSQLDB (in memory). */
class HsqldbMembershipDispatcherTest extends MembershipDispatcherContract {
    @Override
    protected DatabaseOptions newDatabaseOptions() {
        return Core.hsqldb();
    }
}
