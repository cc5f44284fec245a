package org.bastionforest.shadowgroups.policy;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bastionforest.shadowgroups.errors.InvalidInputException;
import org.bastionforest.shadowgroups.model.Sid;

/**
 * Shadow groups as code: reads the YAML file an admin keeps under version control into the list
 * that {@link ShadowGroupService#plan} compares with the live groups (a dry-run diff) and {@link
 * ShadowGroupService#apply} applies. The format is documented in {@code docs/shadow-groups.md}.
 *
 * <pre>{@code
 * List<ShadowGroup> desired = PolicyFile.parse(Files.readString(path));
 * PolicyPlan plan = groups.plan(desired, false);
 * }</pre>
 *
 * <p>Strict: an unknown or duplicated key, a wrong type or an invalid value is an {@link
 * InvalidInputException} naming its place ({@code shadow-groups[2].approval.quorum}). Stateless.
 */
public final class PolicyFile {
    private static final ObjectMapper YAML =
            new ObjectMapper(new YAMLFactory())
                    .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
    private static final Pattern HUMAN_DURATION = Pattern.compile("([0-9]{1,6})(m|h|d)");
    private static final int MAX_BYTES = 1_000_000;

    private static final Set<String> GROUP_KEYS =
            Set.of(
                    "id",
                    "display-name",
                    "description",
                    "production-group",
                    "eligible",
                    "duration",
                    "approval",
                    "mfa",
                    "justification",
                    "ticket",
                    "availability",
                    "maximum-extensions");

    private PolicyFile() {}

    /** Parses the text of a policy file. */
    public static List<ShadowGroup> parse(String yaml) throws InvalidInputException {
        if (yaml.length() > MAX_BYTES) {
            throw new InvalidInputException("the policy file is larger than 1 MB");
        }
        JsonNode root;
        try {
            root = YAML.readTree(yaml);
        } catch (JsonProcessingException e) {
            String where = e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr();
            throw new InvalidInputException(
                    "the policy file is not valid YAML" + where + ": " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            throw new InvalidInputException(
                    "the policy file must be a mapping with the key shadow-groups");
        }
        keys(root, "", Set.of("shadow-groups"));
        JsonNode list = root.get("shadow-groups");
        if (list == null || !list.isArray()) {
            throw new InvalidInputException("shadow-groups: must be a list");
        }
        List<ShadowGroup> groups = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            groups.add(group(list.get(i), "shadow-groups[" + i + "]"));
        }
        return groups;
    }

    /**
     * Reads one shadow group in the policy-file shape (one item of {@code shadow-groups}), for
     * example a JSON body of the REST API. As strict as {@link #parse}.
     *
     * @throws InvalidInputException naming the place and the problem
     */
    public static ShadowGroup parseGroup(JsonNode group) throws InvalidInputException {
        if (group == null) {
            throw new InvalidInputException("a shadow group is required");
        }
        return group(group, "shadow-group");
    }

    /**
     * Writes {@code g} in the policy-file shape: {@link #parseGroup} reads it back to an equal
     * group.
     */
    public static ObjectNode toTree(ShadowGroup g) {
        ObjectNode n = JsonNodeFactory.instance.objectNode();
        ActivationPolicy p = g.policy();
        n.put("id", g.id().value());
        n.put("display-name", g.displayName());
        n.put("description", g.description());
        ObjectNode production = n.putObject("production-group");
        production.put("dn", g.productionGroupDn());
        production.put("sid", g.productionGroupSid().toString());
        ObjectNode eligible = n.putObject("eligible");
        p.eligibleUsers().stream()
                .map(UserId::value)
                .sorted()
                .forEach(eligible.putArray("users")::add);
        p.eligibleGroups().stream()
                .map(Sid::toString)
                .sorted()
                .forEach(eligible.putArray("groups")::add);
        ObjectNode duration = n.putObject("duration");
        duration.put("default", p.defaultDuration().toString());
        duration.put("maximum", p.maximumDuration().toString());
        if (p.approvalRequired()) {
            ObjectNode approval = n.putObject("approval");
            p.approverUsers().stream()
                    .map(UserId::value)
                    .sorted()
                    .forEach(approval.putArray("users")::add);
            p.approverGroups().stream()
                    .map(Sid::toString)
                    .sorted()
                    .forEach(approval.putArray("groups")::add);
            approval.put("quorum", p.quorum());
            approval.put("timeout", p.approvalTimeout().toString());
        } else {
            n.put("approval", false);
        }
        n.put("mfa", p.mfaRequired());
        n.put("justification", p.justificationRequired());
        if (!p.ticketRequired()) {
            n.put("ticket", false);
        } else if (p.ticketPattern().isPresent()) {
            n.putObject("ticket").put("pattern", p.ticketPattern().get());
        } else {
            n.put("ticket", true);
        }
        if (p.availability().isPresent()) {
            AvailabilityWindow w = p.availability().get();
            ObjectNode window = n.putObject("availability");
            w.days().stream()
                    .sorted()
                    .map(d -> d.name().toLowerCase(Locale.ROOT))
                    .forEach(window.putArray("days")::add);
            window.put("from", w.from().toString());
            window.put("to", w.to().toString());
            window.put("zone", w.zone().getId());
        }
        n.put("maximum-extensions", p.maximumExtensions());
        return n;
    }

    private static ShadowGroup group(JsonNode g, String at) throws InvalidInputException {
        if (!g.isObject()) {
            throw new InvalidInputException(at + ": must be a mapping");
        }
        keys(g, at + ".", GROUP_KEYS);
        ShadowGroupId id = value(at + ".id", text(g, at, "id", true), ShadowGroupId::new);
        JsonNode production = object(g, at, "production-group", true);
        keys(production, at + ".production-group.", Set.of("dn", "sid"));
        String dn = text(production, at + ".production-group", "dn", true);
        Sid sid =
                value(
                        at + ".production-group.sid",
                        text(production, at + ".production-group", "sid", true),
                        Sid::parse);

        ActivationPolicy.Builder policy = ActivationPolicy.builder();
        JsonNode eligible = object(g, at, "eligible", true);
        keys(eligible, at + ".eligible.", Set.of("users", "groups"));
        policy.eligibleUsers(users(eligible, at + ".eligible"));
        policy.eligibleGroups(sids(eligible, at + ".eligible"));

        JsonNode duration = object(g, at, "duration", true);
        keys(duration, at + ".duration.", Set.of("default", "maximum"));
        policy.defaultDuration(
                duration(
                        text(duration, at + ".duration", "default", true),
                        at + ".duration.default"));
        policy.maximumDuration(
                duration(
                        text(duration, at + ".duration", "maximum", true),
                        at + ".duration.maximum"));

        JsonNode approval = g.get("approval");
        if (approval == null
                || approval.isNull()
                || (approval.isBoolean() && !approval.asBoolean())) {
            policy.noApproval();
        } else {
            if (!approval.isObject()) {
                throw new InvalidInputException(at + ".approval: must be a mapping or false");
            }
            keys(approval, at + ".approval.", Set.of("users", "groups", "quorum", "timeout"));
            JsonNode quorum = approval.get("quorum");
            if (quorum != null && !quorum.canConvertToExactIntegral()) {
                throw new InvalidInputException(at + ".approval.quorum: must be a whole number");
            }
            policy.approval(
                    users(approval, at + ".approval"),
                    sids(approval, at + ".approval"),
                    quorum == null ? 1 : quorum.asInt());
            String timeout = text(approval, at + ".approval", "timeout", false);
            if (timeout != null) {
                policy.approvalTimeout(duration(timeout, at + ".approval.timeout"));
            }
        }
        policy.mfaRequired(bool(g, at, "mfa"));
        policy.justificationRequired(!g.has("justification") || bool(g, at, "justification"));
        JsonNode ticket = g.get("ticket");
        if (ticket == null || ticket.isNull() || (ticket.isBoolean() && !ticket.asBoolean())) {
            policy.noTicket();
        } else if (ticket.isObject()) {
            keys(ticket, at + ".ticket.", Set.of("pattern"));
            String pattern = text(ticket, at + ".ticket", "pattern", false);
            policy.ticketRequired(pattern);
        } else if (ticket.isBoolean()) {
            policy.ticketRequired(null);
        } else {
            throw new InvalidInputException(
                    at + ".ticket: must be true, false or a mapping with pattern");
        }
        JsonNode window = g.get("availability");
        if (window != null && !window.isNull()) {
            policy.availability(availability(window, at + ".availability"));
        }
        JsonNode extensions = g.get("maximum-extensions");
        if (extensions != null) {
            if (!extensions.canConvertToExactIntegral()) {
                throw new InvalidInputException(at + ".maximum-extensions: must be a whole number");
            }
            policy.maximumExtensions(extensions.asInt());
        }
        ActivationPolicy built;
        try {
            built = policy.build();
        } catch (InvalidInputException e) {
            throw new InvalidInputException(at + ": " + e.getMessage());
        }
        String displayName = text(g, at, "display-name", false);
        String description = text(g, at, "description", false);
        return value(
                at,
                null,
                ignored ->
                        new ShadowGroup(
                                id,
                                displayName == null ? id.value() : displayName,
                                description == null ? "" : description,
                                dn,
                                sid,
                                built));
    }

    private static AvailabilityWindow availability(JsonNode w, String at)
            throws InvalidInputException {
        if (!w.isObject()) {
            throw new InvalidInputException(at + ": must be a mapping");
        }
        keys(w, at + ".", Set.of("days", "from", "to", "zone"));
        Set<DayOfWeek> days = EnumSet.noneOf(DayOfWeek.class);
        JsonNode list = w.get("days");
        if (list == null || !list.isArray()) {
            throw new InvalidInputException(at + ".days: must be a list such as [MONDAY, TUESDAY]");
        }
        for (JsonNode d : list) {
            days.add(
                    value(
                            at + ".days",
                            d.asText(),
                            s -> DayOfWeek.valueOf(s.toUpperCase(Locale.ROOT))));
        }
        LocalTime from = value(at + ".from", text(w, at, "from", true), LocalTime::parse);
        LocalTime to = value(at + ".to", text(w, at, "to", true), LocalTime::parse);
        ZoneId zone = value(at + ".zone", text(w, at, "zone", true), ZoneId::of);
        return value(at, null, ignored -> new AvailabilityWindow(days, from, to, zone));
    }

    private static Set<UserId> users(JsonNode node, String at) throws InvalidInputException {
        Set<UserId> out = new LinkedHashSet<>();
        for (String s : strings(node, at, "users")) {
            out.add(value(at + ".users", s, UserId::new));
        }
        return out;
    }

    private static Set<Sid> sids(JsonNode node, String at) throws InvalidInputException {
        Set<Sid> out = new LinkedHashSet<>();
        for (String s : strings(node, at, "groups")) {
            out.add(value(at + ".groups", s, Sid::parse));
        }
        return out;
    }

    private static List<String> strings(JsonNode node, String at, String key)
            throws InvalidInputException {
        JsonNode list = node.get(key);
        if (list == null || list.isNull()) {
            return List.of();
        }
        if (!list.isArray()) {
            throw new InvalidInputException(at + "." + key + ": must be a list");
        }
        List<String> out = new ArrayList<>();
        for (JsonNode item : list) {
            if (!item.isTextual()) {
                throw new InvalidInputException(at + "." + key + ": every item must be text");
            }
            out.add(item.asText());
        }
        return out;
    }

    /** {@code 90m}, {@code 8h}, {@code 1d} or ISO-8601 ({@code PT1H30M}). */
    static Duration duration(String text, String at) throws InvalidInputException {
        Matcher m = HUMAN_DURATION.matcher(text);
        if (m.matches()) {
            long n = Long.parseLong(m.group(1));
            return switch (m.group(2)) {
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                default -> Duration.ofDays(n);
            };
        }
        return value(at, text, Duration::parse);
    }

    private static boolean bool(JsonNode g, String at, String key) throws InvalidInputException {
        JsonNode v = g.get(key);
        if (v == null || v.isNull()) {
            return false;
        }
        if (!v.isBoolean()) {
            throw new InvalidInputException(at + "." + key + ": must be true or false");
        }
        return v.asBoolean();
    }

    private static JsonNode object(JsonNode node, String at, String key, boolean required)
            throws InvalidInputException {
        JsonNode v = node.get(key);
        if (v == null || v.isNull()) {
            if (required) {
                throw new InvalidInputException(at + "." + key + ": is required");
            }
            return null;
        }
        if (!v.isObject()) {
            throw new InvalidInputException(at + "." + key + ": must be a mapping");
        }
        return v;
    }

    private static String text(JsonNode node, String at, String key, boolean required)
            throws InvalidInputException {
        JsonNode v = node.get(key);
        if (v == null || v.isNull()) {
            if (required) {
                throw new InvalidInputException(at + "." + key + ": is required");
            }
            return null;
        }
        if (!v.isValueNode() || v.isBoolean()) {
            throw new InvalidInputException(at + "." + key + ": must be text");
        }
        return v.asText();
    }

    private static void keys(JsonNode node, String prefix, Set<String> allowed)
            throws InvalidInputException {
        for (Map.Entry<String, JsonNode> e : node.properties()) {
            if (!allowed.contains(e.getKey())) {
                throw new InvalidInputException(
                        prefix
                                + e.getKey()
                                + ": unknown key (known: "
                                + String.join(", ", new java.util.TreeSet<>(allowed))
                                + ")");
            }
        }
    }

    private static <T> T value(String at, String text, Function<String, T> parse)
            throws InvalidInputException {
        try {
            return parse.apply(text);
        } catch (IllegalArgumentException | java.time.DateTimeException e) {
            throw new InvalidInputException(at + ": " + e.getMessage());
        }
    }
}
