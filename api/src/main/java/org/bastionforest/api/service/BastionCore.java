package org.bastionforest.api.service;

import java.time.Clock;
import org.bastionforest.scheduler.GrantScheduler;
import org.bastionforest.shadowgroups.audit.AuditLog;
import org.bastionforest.shadowgroups.directory.DirectoryFacts;
import org.bastionforest.shadowgroups.mfa.TotpService;
import org.bastionforest.shadowgroups.policy.Administrators;
import org.bastionforest.shadowgroups.policy.ShadowGroupService;
import org.bastionforest.shadowgroups.request.RequestService;
import org.bastionforest.shadowgroups.storage.Database;

/**
 * The core services of a running node, wired by {@link BastionService}: what the REST resources
 * call. Every authorization check lives in these services, not in the resources.
 *
 * <p>Immutable; every component is thread-safe.
 *
 * @param database the service's database
 * @param audit the hash-chained audit log
 * @param facts production-directory facts (eligibility, approver and admin groups, user SIDs)
 * @param administrators who administers the service
 * @param groups shadow groups and their policies
 * @param requests the request and grant lifecycle
 * @param totp TOTP enrolment and verification
 * @param scheduler the node's scheduler
 * @param clock the time
 */
public record BastionCore(
        Database database,
        AuditLog audit,
        DirectoryFacts facts,
        Administrators administrators,
        ShadowGroupService groups,
        RequestService requests,
        TotpService totp,
        GrantScheduler scheduler,
        Clock clock) {}
