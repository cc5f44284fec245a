package org.bastionforest.api.config;

/**
 * A configuration value is missing, unknown or invalid. The message is one line, {@code <key>:
 * <problem>}, and never contains a secret value.
 */
public final class ConfigException extends Exception {
    private static final long serialVersionUID = 1L;

    private final String key;

    public ConfigException(String key, String problem) {
        super(key + ": " + problem);
        this.key = key;
    }

    /** The dotted key path, e.g. {@code rest.port}, or the file or variable that was wrong. */
    public String key() {
        return key;
    }
}
