package org.bastionforest.shadowgroups.audit;

import org.bastionforest.shadowgroups.storage.DatabaseOptions;
import org.bastionforest.shadowgroups.testing.Core;

/** The audit log on embedded HSQLDB (in memory). */
class HsqldbAuditLogTest extends AuditLogContract {
    @Override
    protected DatabaseOptions newDatabaseOptions() {
        return Core.hsqldb();
    }
}
