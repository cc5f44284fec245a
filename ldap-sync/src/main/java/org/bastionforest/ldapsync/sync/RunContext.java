package org.bastionforest.ldapsync.sync;

import java.util.ArrayList;
import java.util.List;
import org.bastionforest.ldapsync.sync.SyncPlan.Action;
import org.bastionforest.ldapsync.sync.SyncPlan.ObjectKind;

/** The mutable tally of one run or dry run. Confined to the running thread. */
final class RunContext {
    final boolean write;
    int added;
    int updated;
    int renamed;
    int deleted;
    int failed;
    int unchanged;
    int revoked;
    final List<SyncPlan.Change> listed = new ArrayList<>();
    String firstFailure;

    RunContext(boolean write) {
        this.write = write;
    }

    void record(Action action, ObjectKind kind, String dn, String detail) {
        switch (action) {
            case ADD -> added++;
            case UPDATE -> updated++;
            case RENAME -> renamed++;
            case DELETE -> deleted++;
        }
        if (!write && listed.size() < SyncPlan.MAX_LISTED) {
            listed.add(new SyncPlan.Change(action, kind, dn, detail));
        }
    }

    void failed(String what) {
        failed++;
        if (firstFailure == null) {
            firstFailure = what;
        }
    }

    SyncResult.Counts counts() {
        return new SyncResult.Counts(added, updated, renamed, deleted, failed, unchanged, revoked);
    }
}
