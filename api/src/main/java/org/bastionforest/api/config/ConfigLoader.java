package org.bastionforest.api.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Loads the configuration: the embedded defaults ({@code default-bastion.yaml}), overlaid by an
 * optional YAML file, overlaid by {@code BASTION_*} environment variables; then binds and validates
 * it. Any problem is a {@link ConfigException} whose one-line message names the key.
 *
 * <pre>{@code
 * BastionConfig config = ConfigLoader.load(Optional.of(Path.of("bastion.yaml")), System.getenv());
 * }</pre>
 *
 * <p>The set of known keys is the set of keys in the embedded defaults, so the defaults file is the
 * single list of settings. Thread-safe; stateless.
 */
public final class ConfigLoader {
    /** Environment variables with the {@code BASTION_} prefix that are not configuration keys. */
    static final Set<String> RESERVED_VARIABLES = Set.of("BASTION_CONFIG", "BASTION_OPTS");

    static final String RESERVED_PREFIX = "BASTION_CLI_";
    private static final String ENV_PREFIX = "BASTION_";
    private static final String DEFAULTS = "default-bastion.yaml";

    private static final ObjectMapper YAML =
            new ObjectMapper(new YAMLFactory())
                    .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
                    .setPropertyNamingStrategy(PropertyNamingStrategies.KEBAB_CASE)
                    .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                    .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                    .enable(DeserializationFeature.FAIL_ON_NULL_CREATOR_PROPERTIES)
                    .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
                    .registerModule(
                            new SimpleModule("bastion-durations")
                                    .addDeserializer(
                                            Duration.class, new ConfigDurations.Deserializer()));

    private ConfigLoader() {}

    /**
     * Loads, merges, binds and validates the configuration.
     *
     * @param file a YAML file, or empty for the defaults alone
     * @param environment the process environment (only {@code BASTION_*} entries are read)
     */
    public static BastionConfig load(java.util.Optional<Path> file, Map<String, String> environment)
            throws ConfigException {
        ObjectNode merged = defaults();
        if (file.isPresent()) {
            ObjectNode user = readFile(file.get());
            checkKnownKeys(user, merged, "");
            merge(merged, user);
        }
        applyEnvironment(merged, environment);
        BastionConfig config = bind(merged);
        return ConfigValidator.validate(config);
    }

    /** The embedded defaults as a tree (a fresh copy each call). */
    static ObjectNode defaults() {
        try (InputStream in = ConfigLoader.class.getResourceAsStream(DEFAULTS)) {
            if (in == null) {
                throw new IllegalStateException(DEFAULTS + " is missing from the class path");
            }
            return (ObjectNode) YAML.readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the embedded " + DEFAULTS, e);
        }
    }

    /** Every leaf key of the defaults, as dotted paths ({@code rest.tls.mode}), in file order. */
    public static List<String> knownKeys() {
        List<String> keys = new ArrayList<>();
        collectLeaves(defaults(), "", keys);
        return keys;
    }

    /** The environment variable that overrides {@code key}. */
    public static String environmentVariable(String key) {
        return ENV_PREFIX + key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    private static ObjectNode readFile(Path file) throws ConfigException {
        String name = file.toString();
        try {
            JsonNode node = YAML.readTree(Files.readAllBytes(file));
            if (node == null || node.isMissingNode() || node.isNull()) {
                return JsonNodeFactory.instance.objectNode();
            }
            if (!node.isObject()) {
                throw new ConfigException(name, "must be a YAML mapping of keys to values");
            }
            return (ObjectNode) node;
        } catch (NoSuchFileException e) {
            throw new ConfigException(name, "configuration file does not exist");
        } catch (JsonProcessingException e) {
            String where = e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr();
            throw new ConfigException(
                    name, "not valid YAML" + where + ": " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new ConfigException(name, "cannot read: " + e.getMessage());
        }
    }

    private static void checkKnownKeys(JsonNode user, JsonNode defaults, String prefix)
            throws ConfigException {
        for (Map.Entry<String, JsonNode> field : user.properties()) {
            String key = prefix + field.getKey();
            JsonNode known = defaults.get(field.getKey());
            if (known == null) {
                throw new ConfigException(
                        key, "unknown key (known keys here: " + names(defaults) + ")");
            }
            if (known.isObject()) {
                if (!field.getValue().isObject()) {
                    throw new ConfigException(key, "must be a mapping with keys " + names(known));
                }
                checkKnownKeys(field.getValue(), known, key + ".");
            } else if (field.getValue().isObject()) {
                throw new ConfigException(key, "must be a single value, not a mapping");
            }
        }
    }

    private static String names(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return String.join(", ", names);
    }

    private static void merge(ObjectNode target, JsonNode overlay) {
        overlay.properties()
                .forEach(
                        e -> {
                            JsonNode existing = target.get(e.getKey());
                            if (existing != null
                                    && existing.isObject()
                                    && e.getValue().isObject()) {
                                merge((ObjectNode) existing, e.getValue());
                            } else {
                                target.set(e.getKey(), e.getValue());
                            }
                        });
    }

    private static void applyEnvironment(ObjectNode merged, Map<String, String> environment)
            throws ConfigException {
        Map<String, String> variableToKey = new LinkedHashMap<>();
        for (String key : knownKeys()) {
            variableToKey.put(environmentVariable(key), key);
        }
        Set<String> unknown = new TreeSet<>();
        for (Map.Entry<String, String> e : environment.entrySet()) {
            String variable = e.getKey();
            if (!variable.startsWith(ENV_PREFIX)
                    || RESERVED_VARIABLES.contains(variable)
                    || variable.startsWith(RESERVED_PREFIX)) {
                continue;
            }
            String key = variableToKey.get(variable);
            if (key == null) {
                unknown.add(variable);
                continue;
            }
            setLeaf(merged, key, e.getValue());
        }
        if (!unknown.isEmpty()) {
            String first = unknown.iterator().next();
            throw new ConfigException(
                    first,
                    "unknown environment variable (BASTION_* variables are configuration keys;"
                            + " see docs/configuration.md)");
        }
    }

    private static void setLeaf(ObjectNode root, String key, String value) {
        String[] parts = key.split("\\.");
        ObjectNode node = root;
        for (int i = 0; i < parts.length - 1; i++) {
            node = (ObjectNode) node.get(parts[i]);
        }
        String leaf = parts[parts.length - 1];
        if (node.get(leaf) != null && node.get(leaf).isArray()) {
            if (value.strip().startsWith("[")) {
                // a YAML flow list, for items that contain commas (DNs): ["DC=a,DC=b", "DC=c,DC=d"]
                try {
                    node.set(leaf, YAML.readTree(value));
                    return;
                } catch (JsonProcessingException e) {
                    node.set(leaf, TextNode.valueOf(value)); // reported as "must be a list"
                    return;
                }
            }
            ArrayNode array = node.putArray(leaf);
            for (String item : value.split(",")) {
                if (!item.isBlank()) {
                    array.add(item.trim());
                }
            }
        } else {
            node.set(leaf, TextNode.valueOf(value));
        }
    }

    private static void collectLeaves(JsonNode node, String prefix, List<String> out) {
        node.properties()
                .forEach(
                        e -> {
                            if (e.getValue().isObject()) {
                                collectLeaves(e.getValue(), prefix + e.getKey() + ".", out);
                            } else {
                                out.add(prefix + e.getKey());
                            }
                        });
    }

    private static BastionConfig bind(ObjectNode merged) throws ConfigException {
        try {
            return YAML.treeToValue(merged, BastionConfig.class);
        } catch (JsonMappingException e) {
            String key =
                    e.getPath().stream()
                            .map(
                                    r ->
                                            r.getFieldName() != null
                                                    ? r.getFieldName()
                                                    : "[" + r.getIndex() + "]")
                            .collect(Collectors.joining("."))
                            .replace(".[", "[");
            throw new ConfigException(key.isEmpty() ? "configuration" : key, describe(e));
        } catch (JsonProcessingException e) {
            throw new ConfigException("configuration", e.getOriginalMessage());
        }
    }

    private static String describe(JsonMappingException e) {
        if (e instanceof InvalidFormatException f) {
            Class<?> target = f.getTargetType();
            String was = " (was '" + f.getValue() + "')";
            if (target.isEnum()) {
                List<String> allowed = new ArrayList<>();
                for (Object constant : target.getEnumConstants()) {
                    allowed.add(
                            ((Enum<?>) constant).name().toLowerCase(Locale.ROOT).replace('_', '-'));
                }
                return "must be one of " + String.join(", ", allowed) + was;
            }
            if (target == int.class || target == Integer.class) {
                return "must be a whole number" + was;
            }
            if (target == boolean.class || target == Boolean.class) {
                return "must be true or false" + was;
            }
            if (target == Duration.class) {
                return "must be a duration such as 500ms, 30s, 15m, 2h, 1d or PT15M" + was;
            }
            return "has the wrong type" + was;
        }
        if (e instanceof ValueInstantiationException) {
            return "invalid value";
        }
        if (e instanceof MismatchedInputException m) {
            Class<?> target = m.getTargetType();
            if (target != null && List.class.isAssignableFrom(target)) {
                return "must be a list";
            }
            if (target == int.class || target == Integer.class) {
                return "must be a whole number";
            }
            if (target == boolean.class || target == Boolean.class) {
                return "must be true or false";
            }
            return "must be a single value of the right type";
        }
        return e.getOriginalMessage();
    }
}
