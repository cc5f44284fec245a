package org.bastionforest.shadowgroups.policy;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What a policy-as-code import changes ({@link ShadowGroupService#plan} shows it without changing
 * anything, {@link ShadowGroupService#apply} carries it out): shadow groups to create, to change
 * (with the names of the changed fields) and to delete.
 *
 * <p>Immutable and thread-safe.
 *
 * @param creates groups that do not exist yet
 * @param updates groups whose definition differs
 * @param deletes live groups absent from the wanted set (only when deletion was asked for)
 */
public record PolicyPlan(
        List<ShadowGroup> creates, List<Change> updates, List<ShadowGroupId> deletes) {
    /** Copies the lists. */
    public PolicyPlan {
        creates = List.copyOf(creates);
        updates = List.copyOf(updates);
        deletes = List.copyOf(deletes);
    }

    /** True when the live groups already equal the wanted set. */
    public boolean isEmpty() {
        return creates.isEmpty() && updates.isEmpty() && deletes.isEmpty();
    }

    /**
     * A human-readable diff, one line per change, e.g. {@code ~ sql-admins: policy.maximumDuration
     * PT8H -> PT4H}.
     */
    public List<String> describe() {
        List<String> lines = new ArrayList<>();
        creates.forEach(g -> lines.add("+ " + g.id()));
        for (Change c : updates) {
            lines.add("~ " + c.after().id() + ": " + String.join(", ", c.describeFields()));
        }
        deletes.forEach(id -> lines.add("- " + id));
        return lines;
    }

    /**
     * One group's change.
     *
     * @param before the live definition
     * @param after the wanted definition
     * @param fields the changed fields, e.g. {@code displayName}, {@code policy.quorum}
     */
    public record Change(ShadowGroup before, ShadowGroup after, List<String> fields) {
        /** Copies the list. */
        public Change {
            Objects.requireNonNull(before, "before");
            Objects.requireNonNull(after, "after");
            fields = List.copyOf(fields);
        }

        /** Each changed field with its old and new value. */
        List<String> describeFields() {
            List<String> out = new ArrayList<>();
            for (String f : fields) {
                out.add(f + " " + value(before, f) + " -> " + value(after, f));
            }
            return out;
        }
    }

    /** The names of the fields in which {@code a} and {@code b} differ. */
    static List<String> differences(ShadowGroup a, ShadowGroup b) {
        List<String> out = new ArrayList<>();
        for (RecordComponent rc : ShadowGroup.class.getRecordComponents()) {
            if (rc.getName().equals("policy")) {
                for (RecordComponent pc : ActivationPolicy.class.getRecordComponents()) {
                    if (!Objects.equals(get(pc, a.policy()), get(pc, b.policy()))) {
                        out.add("policy." + pc.getName());
                    }
                }
            } else if (!Objects.equals(get(rc, a), get(rc, b))) {
                out.add(rc.getName());
            }
        }
        return out;
    }

    private static Object value(ShadowGroup g, String field) {
        if (field.startsWith("policy.")) {
            String name = field.substring("policy.".length());
            for (RecordComponent pc : ActivationPolicy.class.getRecordComponents()) {
                if (pc.getName().equals(name)) {
                    return get(pc, g.policy());
                }
            }
        }
        for (RecordComponent rc : ShadowGroup.class.getRecordComponents()) {
            if (rc.getName().equals(field)) {
                return get(rc, g);
            }
        }
        return null;
    }

    private static Object get(RecordComponent component, Object record) {
        try {
            return component.getAccessor().invoke(record);
        } catch (IllegalAccessException | InvocationTargetException e) {
            throw new IllegalStateException("cannot read record component " + component, e);
        }
    }
}
