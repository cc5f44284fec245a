package org.bastionforest.api.http;

import java.util.LinkedHashMap;
import java.util.Map;
import org.glassfish.jersey.internal.inject.AbstractBinder;

/**
 * The service objects the REST resources may inject, each bound to the type it is asked for by.
 * Built once at start by the wiring code. Not thread-safe while being built; read-only afterwards.
 *
 * <pre>{@code
 * Services services = new Services().add(HealthRegistry.class, health);
 * }</pre>
 */
public final class Services {
    private final Map<Class<?>, Object> byType = new LinkedHashMap<>();

    /** Makes {@code instance} injectable as {@code type}. */
    public <T> Services add(Class<T> type, T instance) {
        if (byType.putIfAbsent(type, instance) != null) {
            throw new IllegalStateException(type.getName() + " is bound twice");
        }
        return this;
    }

    void bindAll(AbstractBinder binder) {
        byType.forEach((type, instance) -> bind(binder, type, instance));
    }

    @SuppressWarnings("unchecked")
    private static <T> void bind(AbstractBinder binder, Class<T> type, Object instance) {
        binder.bind((T) instance).to(type);
    }
}
