package org.bastionforest.shadowgroups.audit;

import java.io.IOException;
import java.io.Writer;
import java.util.Objects;
import org.bastionforest.shadowgroups.directory.DirectoryFacts;
import org.bastionforest.shadowgroups.errors.AccessDeniedException;
import org.bastionforest.shadowgroups.errors.DirectoryUnavailableException;
import org.bastionforest.shadowgroups.errors.StorageException;
import org.bastionforest.shadowgroups.policy.Administrators;
import org.bastionforest.shadowgroups.policy.UserId;

/**
 * The audit log as callers see it: only administrators query, export or verify it. (The log itself,
 * {@link AuditLog}, has no notion of a caller: it is written by the core in its transactions.)
 *
 * <pre>{@code
 * AuditAccess access = new AuditAccess(log, administrators, facts);
 * AuditPage page = access.query(caller, AuditQuery.after(0, 100));
 * }</pre>
 *
 * <p>Immutable and thread-safe.
 */
public final class AuditAccess {
    private final AuditLog log;
    private final Administrators administrators;
    private final DirectoryFacts facts;

    /**
     * @param log the audit log
     * @param administrators who may read it
     * @param facts resolves administrator groups
     */
    public AuditAccess(AuditLog log, Administrators administrators, DirectoryFacts facts) {
        this.log = Objects.requireNonNull(log, "log");
        this.administrators = Objects.requireNonNull(administrators, "administrators");
        this.facts = Objects.requireNonNull(facts, "facts");
    }

    /**
     * A page of events.
     *
     * @throws AccessDeniedException if {@code caller} is not an administrator
     * @throws DirectoryUnavailableException if administrator groups cannot be resolved now
     * @throws StorageException if the database failed
     */
    public AuditPage query(UserId caller, AuditQuery query)
            throws AccessDeniedException, DirectoryUnavailableException, StorageException {
        requireAdministrator(caller);
        return log.query(query);
    }

    /**
     * Checks the hash chain.
     *
     * @throws AccessDeniedException if {@code caller} is not an administrator
     * @throws DirectoryUnavailableException if administrator groups cannot be resolved now
     * @throws StorageException if the database failed
     */
    public ChainVerification verify(UserId caller)
            throws AccessDeniedException, DirectoryUnavailableException, StorageException {
        requireAdministrator(caller);
        return log.verify();
    }

    /**
     * Checks that {@code caller} is an administrator.
     *
     * @throws AccessDeniedException if {@code caller} is not an administrator
     * @throws DirectoryUnavailableException if administrator groups cannot be resolved now
     */
    public void requireAdministrator(UserId caller)
            throws AccessDeniedException, DirectoryUnavailableException {
        if (!administrators.includes(caller, facts)) {
            throw new AccessDeniedException("only administrators read the audit log");
        }
    }

    /**
     * Writes the matching events as JSON lines.
     *
     * @return how many were written
     * @throws AccessDeniedException if {@code caller} is not an administrator
     * @throws DirectoryUnavailableException if administrator groups cannot be resolved now
     * @throws StorageException if the database failed
     * @throws IOException if {@code out} failed
     */
    public long exportJsonLines(UserId caller, AuditQuery query, Writer out)
            throws AccessDeniedException,
                    DirectoryUnavailableException,
                    StorageException,
                    IOException {
        requireAdministrator(caller);
        return log.exportJsonLines(query, out);
    }

    /**
     * Writes the matching events as CSV.
     *
     * @return how many were written
     * @throws AccessDeniedException if {@code caller} is not an administrator
     * @throws DirectoryUnavailableException if administrator groups cannot be resolved now
     * @throws StorageException if the database failed
     * @throws IOException if {@code out} failed
     */
    public long exportCsv(UserId caller, AuditQuery query, Writer out)
            throws AccessDeniedException,
                    DirectoryUnavailableException,
                    StorageException,
                    IOException {
        requireAdministrator(caller);
        return log.exportCsv(query, out);
    }
}
