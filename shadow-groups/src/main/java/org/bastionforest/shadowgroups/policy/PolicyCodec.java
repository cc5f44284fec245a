package org.bastionforest.shadowgroups.policy;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import org.bastionforest.shadowgroups.model.Sid;

/** The stored JSON form of an {@link ActivationPolicy} (column {@code shadow_groups.policy}). */
final class PolicyCodec {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int VERSION = 1;

    private PolicyCodec() {}

    static String encode(ActivationPolicy p) {
        ObjectNode o = JSON.createObjectNode();
        o.put("v", VERSION);
        strings(o.putArray("eligibleUsers"), p.eligibleUsers());
        strings(o.putArray("eligibleGroups"), p.eligibleGroups());
        o.put("defaultDuration", p.defaultDuration().toString());
        o.put("maximumDuration", p.maximumDuration().toString());
        o.put("approvalRequired", p.approvalRequired());
        strings(o.putArray("approverUsers"), p.approverUsers());
        strings(o.putArray("approverGroups"), p.approverGroups());
        o.put("quorum", p.quorum());
        o.put("mfaRequired", p.mfaRequired());
        o.put("justificationRequired", p.justificationRequired());
        o.put("ticketRequired", p.ticketRequired());
        p.ticketPattern().ifPresent(t -> o.put("ticketPattern", t));
        p.availability()
                .ifPresent(
                        w -> {
                            ObjectNode a = o.putObject("availability");
                            strings(a.putArray("days"), w.days());
                            a.put("from", w.from().toString());
                            a.put("to", w.to().toString());
                            a.put("zone", w.zone().getId());
                        });
        o.put("maximumExtensions", p.maximumExtensions());
        o.put("approvalTimeout", p.approvalTimeout().toString());
        try {
            return JSON.writeValueAsString(o);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write a policy as JSON", e);
        }
    }

    /**
     * @throws IllegalArgumentException if the stored text is not a valid policy
     */
    static ActivationPolicy decode(String text) {
        JsonNode o;
        try {
            o = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("stored policy is not JSON", e);
        }
        if (o.path("v").asInt() != VERSION) {
            throw new IllegalArgumentException("stored policy has an unknown version");
        }
        Optional<AvailabilityWindow> window = Optional.empty();
        JsonNode a = o.get("availability");
        if (a != null && !a.isNull()) {
            Set<DayOfWeek> days = EnumSet.noneOf(DayOfWeek.class);
            days.addAll(set(a.get("days"), DayOfWeek::valueOf));
            window =
                    Optional.of(
                            new AvailabilityWindow(
                                    days,
                                    LocalTime.parse(a.get("from").asText()),
                                    LocalTime.parse(a.get("to").asText()),
                                    ZoneId.of(a.get("zone").asText())));
        }
        JsonNode pattern = o.get("ticketPattern");
        return new ActivationPolicy(
                set(o.get("eligibleUsers"), UserId::of),
                set(o.get("eligibleGroups"), Sid::parse),
                Duration.parse(o.get("defaultDuration").asText()),
                Duration.parse(o.get("maximumDuration").asText()),
                o.get("approvalRequired").asBoolean(),
                set(o.get("approverUsers"), UserId::of),
                set(o.get("approverGroups"), Sid::parse),
                o.get("quorum").asInt(),
                o.get("mfaRequired").asBoolean(),
                o.get("justificationRequired").asBoolean(),
                o.get("ticketRequired").asBoolean(),
                pattern == null || pattern.isNull()
                        ? Optional.empty()
                        : Optional.of(pattern.asText()),
                window,
                o.get("maximumExtensions").asInt(),
                Duration.parse(o.get("approvalTimeout").asText()));
    }

    private static void strings(ArrayNode array, Set<?> values) {
        values.forEach(v -> array.add(v.toString()));
    }

    private static <T> Set<T> set(JsonNode array, Function<String, T> parse) {
        Set<T> out = new LinkedHashSet<>();
        if (array != null) {
            array.forEach(n -> out.add(parse.apply(n.asText())));
        }
        return out;
    }
}
