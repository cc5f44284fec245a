package org.bastionforest.api.rest;

import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.SecurityContext;
import java.util.List;
import org.bastionforest.api.service.BastionCore;
import org.bastionforest.shadowgroups.errors.AccessDeniedException;
import org.bastionforest.shadowgroups.errors.BastionException;
import org.bastionforest.shadowgroups.policy.PolicyFile;
import org.bastionforest.shadowgroups.policy.PolicyPlan;
import org.bastionforest.shadowgroups.policy.ShadowGroup;
import org.bastionforest.shadowgroups.policy.UserId;

/**
 * {@code POST /api/v1/shadow-groups:import}: policy as code. The body is a policy file (YAML, up to
 * 1 MiB); {@code dryRun=true} returns the plan without changing anything; otherwise the plan is
 * applied all or nothing. {@code deleteMissing=true} also deletes live groups the file does not
 * list. Administrators only.
 */
@Path("api/v1/shadow-groups:import")
@Produces(MediaType.APPLICATION_JSON)
public final class PolicyImportResource {
    private final BastionCore core;

    @Inject
    public PolicyImportResource(BastionCore core) {
        this.core = core;
    }

    /**
     * What an import did (or, in a dry run, would do).
     *
     * @param dryRun whether nothing was changed
     * @param created ids of groups created
     * @param updated ids of groups changed
     * @param deleted ids of groups deleted
     * @param changes one line per change, e.g. {@code ~ sql-admins: policy.maximumDuration PT8H ->
     *     PT4H}
     */
    public record ImportView(
            boolean dryRun,
            List<String> created,
            List<String> updated,
            List<String> deleted,
            List<String> changes) {}

    @POST
    @Consumes({"application/yaml", "application/x-yaml", "text/yaml", MediaType.TEXT_PLAIN})
    public ImportView importFile(
            @Context SecurityContext security,
            @QueryParam("dryRun") boolean dryRun,
            @QueryParam("deleteMissing") boolean deleteMissing,
            String yaml)
            throws BastionException {
        UserId admin = ShadowGroupsResource.admin(security);
        List<ShadowGroup> desired = PolicyFile.parse(yaml == null ? "" : yaml);
        PolicyPlan plan;
        if (dryRun) {
            if (!core.administrators().includes(admin, core.facts())) {
                throw new AccessDeniedException("only administrators import policies");
            }
            plan = core.groups().plan(desired, deleteMissing);
        } else {
            plan = core.groups().apply(admin, desired, deleteMissing);
        }
        return new ImportView(
                dryRun,
                plan.creates().stream().map(g -> g.id().value()).toList(),
                plan.updates().stream().map(c -> c.after().id().value()).toList(),
                plan.deletes().stream().map(id -> id.value()).toList(),
                plan.describe());
    }
}
