package org.bastionforest.api.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;
import java.io.IOException;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Durations as people write them in configuration: {@code 500ms}, {@code 30s}, {@code 15m}, {@code
 * 2h}, {@code 1d}, or ISO-8601 ({@code PT15M}). A bare number is refused: its unit would be a
 * guess.
 *
 * <pre>{@code
 * Duration d = ConfigDurations.parse("15m"); // PT15M
 * }</pre>
 *
 * <p>Stateless and thread-safe.
 */
public final class ConfigDurations {
    private static final Pattern SIMPLE = Pattern.compile("([0-9]{1,9})(ms|s|m|h|d)");

    private ConfigDurations() {}

    /**
     * Parses a duration.
     *
     * @throws IllegalArgumentException if the text is not a non-negative duration in one of the
     *     accepted forms
     */
    public static Duration parse(String text) {
        String t = text == null ? "" : text.strip();
        Matcher m = SIMPLE.matcher(t.toLowerCase(Locale.ROOT));
        if (m.matches()) {
            long n = Long.parseLong(m.group(1));
            return switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                default -> Duration.ofDays(n);
            };
        }
        if (t.toUpperCase(Locale.ROOT).startsWith("P")) {
            try {
                Duration d = Duration.parse(t);
                if (!d.isNegative()) {
                    return d;
                }
            } catch (DateTimeParseException e) {
                // reported below
            }
        }
        throw new IllegalArgumentException(
                "must be a duration such as 500ms, 30s, 15m, 2h, 1d or PT15M (was '" + t + "')");
    }

    /** Formats a duration the way {@link #parse} reads it, in the largest exact unit. */
    public static String format(Duration d) {
        long ms = d.toMillis();
        if (ms % 86_400_000L == 0 && ms > 0) {
            return ms / 86_400_000L + "d";
        } else if (ms % 3_600_000L == 0 && ms > 0) {
            return ms / 3_600_000L + "h";
        } else if (ms % 60_000L == 0 && ms > 0) {
            return ms / 60_000L + "m";
        } else if (ms % 1_000L == 0) {
            return ms / 1_000L + "s";
        }
        return ms + "ms";
    }

    /** The Jackson deserializer the configuration loader registers for {@link Duration}. */
    static final class Deserializer extends JsonDeserializer<Duration> {
        @Override
        public Duration deserialize(JsonParser p, DeserializationContext context)
                throws IOException {
            if (p.currentToken() != JsonToken.VALUE_STRING) {
                throw context.weirdStringException(
                        p.getText(), Duration.class, "a duration needs a unit, such as 30s");
            }
            try {
                return parse(p.getText());
            } catch (IllegalArgumentException e) {
                throw context.weirdStringException(p.getText(), Duration.class, e.getMessage());
            }
        }
    }
}
