package org.bastionforest.api.service;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The components whose health {@code GET /health} reports, in start order. A component registers
 * when it has started; a check that throws counts as DOWN (the exception is logged, not shown).
 *
 * <p>Thread-safe.
 */
public final class HealthRegistry {
    private static final Logger LOG = LoggerFactory.getLogger(HealthRegistry.class);

    private final Map<String, Supplier<ComponentHealth>> checks = new ConcurrentHashMap<>();
    private final Map<String, Integer> order = new ConcurrentHashMap<>();

    /** Adds (or replaces) the check of {@code component}. */
    public void register(String component, Supplier<ComponentHealth> check) {
        order.putIfAbsent(component, order.size());
        checks.put(component, check);
    }

    /** Runs every check now. */
    public Report report() {
        Map<String, ComponentHealth> results = new LinkedHashMap<>();
        checks.entrySet().stream()
                .sorted(Map.Entry.comparingByKey((a, b) -> order.get(a) - order.get(b)))
                .forEach(e -> results.put(e.getKey(), run(e.getKey(), e.getValue())));
        boolean up =
                !results.isEmpty() && results.values().stream().allMatch(ComponentHealth::isUp);
        return new Report(up ? ComponentHealth.Status.UP : ComponentHealth.Status.DOWN, results);
    }

    private static ComponentHealth run(String name, Supplier<ComponentHealth> check) {
        try {
            return check.get();
        } catch (RuntimeException e) {
            LOG.warn("health.check.failed: {}", name, e);
            return ComponentHealth.down("check failed: " + e.getClass().getSimpleName());
        }
    }

    /** The overall status (UP only if every component is UP) and each component's health. */
    public record Report(ComponentHealth.Status status, Map<String, ComponentHealth> components) {}
}
