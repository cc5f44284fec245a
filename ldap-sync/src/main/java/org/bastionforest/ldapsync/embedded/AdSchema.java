package org.bastionforest.ldapsync.embedded;

import com.unboundid.ldap.sdk.Entry;
import com.unboundid.ldap.sdk.LDAPException;
import com.unboundid.ldap.sdk.schema.Schema;
import com.unboundid.ldif.LDIFException;
import com.unboundid.ldif.LDIFReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * The schema of the embedded directories: UnboundID's standard schema merged with the Active
 * Directory elements the product needs ({@code ad-schema.ldif} next to this class: {@code
 * objectSid}, {@code objectGUID}, {@code sAMAccountName}, {@code msDS-ShadowPrincipal}, ... with
 * AD's own OIDs; sources in its header). test-ldif carries a byte-identical copy as {@code
 * /test-ldif/bastion-schema.ldif} for tests that load it elsewhere. Stateless.
 *
 * <pre>{@code
 * InMemoryDirectoryServerConfig config = new InMemoryDirectoryServerConfig("DC=priv,DC=example");
 * config.setSchema(AdSchema.load());
 * }</pre>
 */
public final class AdSchema {
    static final String RESOURCE = "ad-schema.ldif";

    private AdSchema() {}

    /** The merged schema (parsed anew on each call; the caller keeps it). */
    public static Schema load() {
        try (InputStream in = AdSchema.class.getResourceAsStream(RESOURCE);
                LDIFReader reader = new LDIFReader(in)) {
            Entry entry = reader.readEntry();
            return Schema.mergeSchemas(Schema.getDefaultStandardSchema(), new Schema(entry));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + RESOURCE, e);
        } catch (LDIFException | LDAPException e) {
            throw new IllegalStateException(RESOURCE + " is not a valid schema", e);
        }
    }
}
