package org.bastionforest.api.http;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import jakarta.ws.rs.ext.ContextResolver;
import jakarta.ws.rs.ext.Provider;

/**
 * The one JSON mapper of the REST API: unknown fields in request bodies are rejected, instants are
 * ISO-8601 strings.
 */
@Provider
public final class JsonMapper implements ContextResolver<ObjectMapper> {
    private final ObjectMapper mapper = strict();

    /**
     * Bodies mean exactly what they say (found by RestFuzzIT): a number is not a string (Jackson
     * turned {@code {"reason": 9e99999}} into a valid reason and revoked a grant), a key is not
     * given twice, and nothing follows the value.
     */
    static ObjectMapper strict() {
        ObjectMapper m =
                new ObjectMapper()
                        .registerModule(new JavaTimeModule())
                        .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                        .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                        .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                        .enable(DeserializationFeature.FAIL_ON_NUMBERS_FOR_ENUMS)
                        .enable(
                                com.fasterxml.jackson.core.JsonParser.Feature
                                        .STRICT_DUPLICATE_DETECTION)
                        .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);
        m.coercionConfigFor(com.fasterxml.jackson.databind.type.LogicalType.Textual)
                .setCoercion(
                        com.fasterxml.jackson.databind.cfg.CoercionInputShape.Integer,
                        com.fasterxml.jackson.databind.cfg.CoercionAction.Fail)
                .setCoercion(
                        com.fasterxml.jackson.databind.cfg.CoercionInputShape.Float,
                        com.fasterxml.jackson.databind.cfg.CoercionAction.Fail)
                .setCoercion(
                        com.fasterxml.jackson.databind.cfg.CoercionInputShape.Boolean,
                        com.fasterxml.jackson.databind.cfg.CoercionAction.Fail);
        return m;
    }

    @Override
    public ObjectMapper getContext(Class<?> type) {
        return mapper;
    }
}
