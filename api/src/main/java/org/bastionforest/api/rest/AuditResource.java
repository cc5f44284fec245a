package org.bastionforest.api.rest;

import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.SecurityContext;
import jakarta.ws.rs.core.StreamingOutput;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.bastionforest.api.rest.ProblemMapper.BadRequestBody;
import org.bastionforest.api.rest.Views.Page;
import org.bastionforest.api.service.BastionCore;
import org.bastionforest.shadowgroups.audit.AuditAccess;
import org.bastionforest.shadowgroups.audit.AuditJournal;
import org.bastionforest.shadowgroups.audit.AuditPage;
import org.bastionforest.shadowgroups.audit.AuditQuery;
import org.bastionforest.shadowgroups.audit.AuditRecord;
import org.bastionforest.shadowgroups.audit.ChainVerification;
import org.bastionforest.shadowgroups.errors.BastionException;
import org.bastionforest.shadowgroups.errors.NotFoundException;

/**
 * {@code /api/v1/audit}: query the audit log (filters: {@code user}, {@code group}, {@code type},
 * {@code from}, {@code to}; paging as everywhere), export it as JSON lines or CSV, and verify its
 * hash chain; {@code /api/v1/audit/journal}: the same for this node's audit journal (issued tickets
 * with {@code kdc.ticket-audit: journal}). Administrators only.
 */
@Path("api/v1/audit")
@Produces(MediaType.APPLICATION_JSON)
public final class AuditResource {
    private final AuditAccess access;
    private final Optional<AuditJournal> journal;

    /**
     * This node's audit journal, if the KDC writes one ({@code kdc.ticket-audit: journal}).
     *
     * @param journal the journal, or empty
     */
    public record Journal(Optional<AuditJournal> journal) {}

    @Inject
    public AuditResource(BastionCore core, Journal journal) {
        this.access = new AuditAccess(core.audit(), core.administrators(), core.facts());
        this.journal = journal.journal();
    }

    /**
     * One audit event.
     *
     * @param seq its position in the chain
     * @param eventId its id
     * @param type e.g. {@code grant.started}
     * @param occurredAt when
     * @param actor who did it ({@code system} for the scheduler)
     * @param user whom it concerns
     * @param group the shadow group
     * @param request the request id
     * @param details further facts
     * @param hash this record's chain hash
     */
    public record EventView(
            long seq,
            String eventId,
            String type,
            Instant occurredAt,
            String actor,
            String user,
            String group,
            String request,
            Map<String, String> details,
            String hash) {}

    /**
     * The chain check.
     *
     * @param intact whether every record links to the one before and hashes right
     * @param checked how many records were checked
     * @param problems what is wrong, if anything
     */
    public record VerifyView(
            boolean intact, long checked, List<String> problems, JournalVerifyView journal) {}

    /**
     * The check of this node's audit journal.
     *
     * @param id the journal's id (named by its checkpoints in the audit log)
     * @param intact whether every record hashes right, links to the one before and matches every
     *     checkpoint, and nothing is missing that no pruning event explains
     * @param checked how many records were checked
     * @param problems what is wrong, if anything
     */
    public record JournalVerifyView(
            String id, boolean intact, long checked, List<String> problems) {}

    @GET
    public Page<EventView> query(
            @Context SecurityContext security,
            @QueryParam("user") String user,
            @QueryParam("group") String group,
            @QueryParam("type") String type,
            @QueryParam("from") String from,
            @QueryParam("to") String to,
            @QueryParam("limit") Integer limit,
            @QueryParam("cursor") String cursor)
            throws BastionException {
        AuditQuery q = query(user, group, type, from, to, limit, cursor);
        return page(access.query(Api.caller(security).user(), q));
    }

    @GET
    @Path("export")
    @Produces({"application/x-ndjson", "text/csv"})
    public Response export(
            @Context SecurityContext security,
            @QueryParam("format") String format,
            @QueryParam("user") String user,
            @QueryParam("group") String group,
            @QueryParam("type") String type,
            @QueryParam("from") String from,
            @QueryParam("to") String to)
            throws BastionException {
        var caller = Api.caller(security).user();
        boolean csv;
        if (format == null || format.equals("jsonl")) {
            csv = false;
        } else if (format.equals("csv")) {
            csv = true;
        } else {
            throw new BadRequestBody("format: must be jsonl or csv");
        }
        AuditQuery q = query(user, group, type, from, to, AuditQuery.MAX_LIMIT, null);
        access.requireAdministrator(caller);
        return download(
                w -> {
                    if (csv) {
                        access.exportCsv(caller, q, w);
                    } else {
                        access.exportJsonLines(caller, q, w);
                    }
                },
                csv ? "text/csv; charset=UTF-8" : "application/x-ndjson",
                "bastion-audit." + (csv ? "csv" : "jsonl"));
    }

    /** Writes an export. */
    @FunctionalInterface
    private interface Export {
        void write(Writer out) throws BastionException, java.io.IOException;
    }

    /** A streamed download of what {@code export} writes. */
    private static Response download(Export export, String mediaType, String fileName) {
        StreamingOutput body =
                out -> {
                    Writer w = new OutputStreamWriter(out, StandardCharsets.UTF_8);
                    try {
                        export.write(w);
                    } catch (BastionException e) {
                        throw new java.io.IOException("export failed: " + e.errorId());
                    }
                    w.flush();
                };
        return Response.ok(body, mediaType)
                .header("Content-Disposition", "attachment; filename=\"" + fileName + "\"")
                .build();
    }

    private static Page<EventView> page(AuditPage page) {
        return new Page<>(
                page.records().stream().map(AuditResource::view).toList(),
                page.hasMore() ? Api.encodeCursor(Long.toString(page.lastSeq())) : null);
    }

    @POST
    @Path("verify")
    public VerifyView verify(@Context SecurityContext security) throws BastionException {
        ChainVerification v = access.verify(Api.caller(security).user());
        JournalVerifyView j = null;
        if (journal.isPresent()) {
            ChainVerification jv = journal.get().verify();
            j =
                    new JournalVerifyView(
                            journal.get().id(), jv.intact(), jv.eventsChecked(), problems(jv));
        }
        return new VerifyView(
                v.intact() && (j == null || j.intact()), v.eventsChecked(), problems(v), j);
    }

    private static List<String> problems(ChainVerification v) {
        return v.problems().stream()
                .map(p -> p.kind() + " at " + p.seq() + ": " + p.detail())
                .toList();
    }

    /** Events of this node's audit journal; positions ({@code seq}) are the journal's own. */
    @GET
    @Path("journal")
    public Page<EventView> queryJournal(
            @Context SecurityContext security,
            @QueryParam("user") String user,
            @QueryParam("group") String group,
            @QueryParam("type") String type,
            @QueryParam("from") String from,
            @QueryParam("to") String to,
            @QueryParam("limit") Integer limit,
            @QueryParam("cursor") String cursor)
            throws BastionException {
        AuditQuery q = query(user, group, type, from, to, limit, cursor);
        access.requireAdministrator(Api.caller(security).user());
        return page(journal().query(q));
    }

    /** This node's audit journal as JSON lines (the format of its files). */
    @GET
    @Path("journal/export")
    @Produces("application/x-ndjson")
    public Response exportJournal(
            @Context SecurityContext security,
            @QueryParam("user") String user,
            @QueryParam("group") String group,
            @QueryParam("type") String type,
            @QueryParam("from") String from,
            @QueryParam("to") String to)
            throws BastionException {
        AuditQuery q = query(user, group, type, from, to, AuditQuery.MAX_LIMIT, null);
        access.requireAdministrator(Api.caller(security).user());
        AuditJournal j = journal();
        return download(
                w -> j.exportJsonLines(q, w),
                "application/x-ndjson",
                "bastion-audit-journal.jsonl");
    }

    private AuditJournal journal() throws NotFoundException {
        return journal.orElseThrow(
                () ->
                        new NotFoundException(
                                "this node keeps no audit journal (kdc.ticket-audit is not"
                                        + " journal)"));
    }

    private static AuditQuery query(
            String user,
            String group,
            String type,
            String from,
            String to,
            Integer limit,
            String cursor) {
        long after = 0;
        if (cursor != null) {
            try {
                after = Long.parseLong(Api.decodeCursor(cursor));
            } catch (NumberFormatException e) {
                throw new BadRequestBody("cursor: not a cursor from a previous page");
            }
        }
        try {
            return new AuditQuery(
                    Optional.ofNullable(user),
                    Optional.ofNullable(group),
                    Optional.ofNullable(type),
                    Api.instant("from", from),
                    Api.instant("to", to),
                    after,
                    limit == null ? 100 : limit);
        } catch (IllegalArgumentException e) {
            throw new BadRequestBody(e.getMessage());
        }
    }

    private static EventView view(AuditRecord r) {
        var e = r.event();
        return new EventView(
                r.seq(),
                r.eventId().toString(),
                e.type(),
                e.occurredAt(),
                e.actor(),
                e.subjectUser().orElse(null),
                e.groupId().orElse(null),
                e.requestId().map(Object::toString).orElse(null),
                e.details(),
                r.hash());
    }
}
