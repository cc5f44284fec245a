package org.bastionforest.api.rest;

import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.SecurityContext;
import java.time.Instant;
import java.util.List;
import org.bastionforest.api.rest.Views.Page;
import org.bastionforest.api.service.BastionCore;
import org.bastionforest.ldapsync.sync.SyncEngine;
import org.bastionforest.ldapsync.sync.SyncPlan;
import org.bastionforest.ldapsync.sync.SyncResult;
import org.bastionforest.shadowgroups.errors.AccessDeniedException;
import org.bastionforest.shadowgroups.errors.BastionException;

/**
 * {@code /api/v1/sync}: the last runs of the production -> bastion sync, a run now ({@code
 * full=true}: read everything; {@code allowMassDelete=true}: let deletions over the guard's share
 * through, once), or a dry run that lists what a run would change without writing. Administrators
 * only.
 */
@Path("api/v1/sync")
@Produces(MediaType.APPLICATION_JSON)
public final class SyncResource {
    private final BastionCore core;
    private final SyncEngine sync;

    @Inject
    public SyncResource(BastionCore core, SyncEngine sync) {
        this.core = core;
        this.sync = sync;
    }

    /**
     * A run, or a dry run's plan.
     *
     * @param dryRun whether nothing was written
     * @param outcome COMPLETED, GUARD_TRIPPED or FAILED (PLANNED for a dry run)
     * @param full whether everything was read (not only changes)
     * @param startedAt when it started (null for a dry run)
     * @param durationMillis how long it took
     * @param added objects added to the bastion directory
     * @param updated objects changed
     * @param renamed objects renamed (moved)
     * @param deleted objects deleted
     * @param failed objects that failed
     * @param revoked requests and grants ended because their user is gone or disabled
     * @param message one line for operators
     * @param plan a dry run's changes, one line each (at most 1,000)
     */
    public record SyncView(
            boolean dryRun,
            String outcome,
            boolean full,
            Instant startedAt,
            long durationMillis,
            int added,
            int updated,
            int renamed,
            int deleted,
            int failed,
            int revoked,
            String message,
            List<String> plan) {
        static SyncView of(SyncResult r) {
            SyncResult.Counts c = r.counts();
            return new SyncView(
                    false,
                    r.outcome().name(),
                    r.full(),
                    r.startedAt(),
                    r.duration().toMillis(),
                    c.added(),
                    c.updated(),
                    c.renamed(),
                    c.deleted(),
                    c.failed(),
                    c.revoked(),
                    r.message(),
                    List.of());
        }

        static SyncView of(SyncPlan p, long millis) {
            SyncResult.Counts c = p.counts();
            return new SyncView(
                    true,
                    p.guardWouldTrip() ? "WOULD_TRIP_GUARD" : "PLANNED",
                    p.full(),
                    null,
                    millis,
                    c.added(),
                    c.updated(),
                    c.renamed(),
                    c.deleted(),
                    c.failed(),
                    c.revoked(),
                    p.message(),
                    p.changes().stream().map(Object::toString).toList());
        }
    }

    @GET
    public Page<SyncView> runs(
            @Context SecurityContext security, @QueryParam("limit") Integer limit)
            throws BastionException {
        admin(security);
        return new Page<>(
                sync.recentRuns(Api.limit(limit)).stream().map(SyncView::of).toList(), null);
    }

    @POST
    public SyncView run(
            @Context SecurityContext security,
            @QueryParam("dryRun") boolean dryRun,
            @QueryParam("allowMassDelete") boolean allowMassDelete,
            @QueryParam("full") boolean full)
            throws BastionException {
        admin(security);
        if (dryRun) {
            long t0 = System.nanoTime();
            SyncPlan plan = sync.dryRun();
            return SyncView.of(plan, (System.nanoTime() - t0) / 1_000_000);
        }
        if (full) {
            sync.resetCheckpoint(); // this run reads everything
        }
        return SyncView.of(sync.run(allowMassDelete));
    }

    private void admin(SecurityContext security) throws BastionException {
        var caller = ShadowGroupsResource.admin(security);
        if (!core.administrators().includes(caller, core.facts())) {
            throw new AccessDeniedException("only administrators run the sync");
        }
    }
}
