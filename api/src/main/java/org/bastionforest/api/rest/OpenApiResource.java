package org.bastionforest.api.rest;

import io.swagger.v3.core.util.Json;
import io.swagger.v3.jaxrs2.Reader;
import io.swagger.v3.oas.integration.SwaggerConfiguration;
import io.swagger.v3.oas.models.Components;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.info.Info;
import io.swagger.v3.oas.models.info.License;
import io.swagger.v3.oas.models.security.SecurityRequirement;
import io.swagger.v3.oas.models.security.SecurityScheme;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;

/**
 * {@code GET /openapi.json}: the OpenAPI 3 description of the API, generated when first asked from
 * the resource classes the service registers (swagger-jaxrs2 reads their JAX-RS annotations and the
 * records they take and return), never written by hand. No authentication.
 */
@Path("openapi.json")
public final class OpenApiResource {
    /** The API resources described (the same list the service registers). */
    public static final List<Class<?>> DESCRIBED =
            List.of(
                    ShadowGroupsResource.class,
                    PolicyImportResource.class,
                    RequestsResource.class,
                    ApprovalsResource.class,
                    GrantsResource.class,
                    MeResource.class,
                    AuditResource.class,
                    TokensResource.class,
                    SyncResource.class);

    private final Document document;

    @Inject
    public OpenApiResource(Document document) {
        this.document = document;
    }

    /** The document of one service, generated once when first asked. Thread-safe. */
    public static final class Document {
        private final List<Class<?>> resources;
        private final String version;
        private final AtomicReference<String> json = new AtomicReference<>();

        /** Describes {@link #DESCRIBED} plus {@code extra}, at product version {@code version}. */
        public Document(List<Class<?>> extra, String version) {
            Set<Class<?>> all = new LinkedHashSet<>(DESCRIBED);
            all.addAll(extra);
            this.resources = List.copyOf(all);
            this.version = version;
        }

        String json() {
            if (json.get() == null) {
                json.compareAndSet(null, generate(resources, version));
            }
            return json.get();
        }
    }

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    public Response get() {
        return Response.ok(document.json()).header("Cache-Control", "no-cache").build();
    }

    /** The OpenAPI document for {@code resources}, as JSON. */
    public static String generate(List<Class<?>> resources, String version) {
        OpenAPI base =
                new OpenAPI()
                        .info(
                                new Info()
                                        .title("Bastion Forest")
                                        .version(version)
                                        .description(
                                                "Just-in-time membership of shadow groups in a bastion"
                                                        + " forest. Errors are RFC 9457"
                                                        + " application/problem+json. Listings take"
                                                        + " limit (1-200), cursor (from the previous"
                                                        + " page's next) and sort.")
                                        .license(
                                                new License()
                                                        .name("Apache-2.0")
                                                        .url(
                                                                "https://www.apache.org/licenses/LICENSE-2.0")))
                        .components(
                                new Components()
                                        .addSecuritySchemes(
                                                "basic",
                                                new SecurityScheme()
                                                        .type(SecurityScheme.Type.HTTP)
                                                        .scheme("basic")
                                                        .description(
                                                                "Production directory credentials"
                                                                        + " (LDAP bind)"))
                                        .addSecuritySchemes(
                                                "token",
                                                new SecurityScheme()
                                                        .type(SecurityScheme.Type.HTTP)
                                                        .scheme("bearer")
                                                        .description("API token bft_..."))
                                        .addSecuritySchemes(
                                                "negotiate",
                                                new SecurityScheme()
                                                        .type(SecurityScheme.Type.HTTP)
                                                        .scheme("negotiate")
                                                        .description("Kerberos SPNEGO")))
                        .addSecurityItem(new SecurityRequirement().addList("basic"))
                        .addSecurityItem(new SecurityRequirement().addList("token"))
                        .addSecurityItem(new SecurityRequirement().addList("negotiate"));
        Reader reader = new Reader(new SwaggerConfiguration().openAPI(base));
        OpenAPI api = reader.read(new LinkedHashSet<>(resources));
        return Json.pretty(api);
    }
}
