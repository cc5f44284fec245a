package org.bastionforest.shadowgroups.policy;

import java.time.Duration;
import java.util.Collections;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.bastionforest.shadowgroups.errors.InvalidInputException;
import org.bastionforest.shadowgroups.model.Sid;

/**
 * The rules for activating one shadow group (the MIM "PAM role" settings): who may ask, for how
 * long, whether approvers must agree (and how many), whether MFA, a justification and a ticket
 * reference are needed, when activation is possible, and how often a grant may be extended.
 *
 * <p>Validated as a whole when constructed; every refusal names the field. Build one with {@link
 * #builder()}, whose {@link Builder#build()} reports the same refusals as an {@link
 * InvalidInputException} (the API's 400):
 *
 * <pre>{@code
 * ActivationPolicy policy = ActivationPolicy.builder()
 *         .eligibleGroups(Set.of(Sid.parse("S-1-5-21-1-2-3-1105")))
 *         .defaultDuration(Duration.ofHours(1))
 *         .maximumDuration(Duration.ofHours(8))
 *         .approval(Set.of(UserId.of("carol")), Set.of(), 1)
 *         .ticketRequired("^(INC|CHG)[0-9]{6,}$")
 *         .build();
 * }</pre>
 *
 * <p>Immutable and thread-safe.
 *
 * @param eligibleUsers users who may request the group
 * @param eligibleGroups production groups (by SID) whose members, nested members included, may
 *     request the group; with {@code eligibleUsers} at least one entry in all
 * @param defaultDuration the duration of a request that names none; positive, at most {@code
 *     maximumDuration}
 * @param maximumDuration the longest a grant may last in total, extensions included; from {@link
 *     #MIN_DURATION} to {@link #MAX_DURATION}, in whole seconds
 * @param approvalRequired whether approvers must agree before the grant starts
 * @param approverUsers users who may approve (only with approval)
 * @param approverGroups production groups (by SID) whose members may approve (only with approval)
 * @param quorum how many distinct approvers must agree: 1 (the default) to {@link #MAX_QUORUM}, at
 *     most the number of approver users when no approver group is named; 1 without approval
 * @param mfaRequired whether the requester must pass MFA (TOTP) at activation
 * @param justificationRequired whether a request must give a justification
 * @param ticketRequired whether a request must give a ticket reference
 * @param ticketPattern a regular expression the whole ticket reference must match (only with {@code
 *     ticketRequired}); at most {@link #MAX_TICKET_PATTERN_LENGTH} characters
 * @param availability when activation is possible; empty for always
 * @param maximumExtensions how often a grant may be extended, 0 to {@link #MAX_EXTENSIONS}
 * @param approvalTimeout how long a request may wait for approval before it times out; {@link
 *     #DEFAULT_APPROVAL_TIMEOUT} by default, from 5 minutes to 14 days
 */
public record ActivationPolicy(
        Set<UserId> eligibleUsers,
        Set<Sid> eligibleGroups,
        Duration defaultDuration,
        Duration maximumDuration,
        boolean approvalRequired,
        Set<UserId> approverUsers,
        Set<Sid> approverGroups,
        int quorum,
        boolean mfaRequired,
        boolean justificationRequired,
        boolean ticketRequired,
        Optional<String> ticketPattern,
        Optional<AvailabilityWindow> availability,
        int maximumExtensions,
        Duration approvalTimeout) {

    /** The shortest accepted duration. */
    public static final Duration MIN_DURATION = Duration.ofMinutes(1);

    /** The longest accepted {@link #maximumDuration()}. */
    public static final Duration MAX_DURATION = Duration.ofDays(30);

    /** The largest accepted {@link #quorum()}. */
    public static final int MAX_QUORUM = 20;

    /** The most entries one user or group list may have. */
    public static final int MAX_LIST_SIZE = 1000;

    /** The longest accepted {@link #ticketPattern()}. */
    public static final int MAX_TICKET_PATTERN_LENGTH = 200;

    /** The largest accepted {@link #maximumExtensions()}. */
    public static final int MAX_EXTENSIONS = 20;

    /** The approval time-out when none is set. */
    public static final Duration DEFAULT_APPROVAL_TIMEOUT = Duration.ofHours(24);

    private static final Duration MIN_APPROVAL_TIMEOUT = Duration.ofMinutes(5);
    private static final Duration MAX_APPROVAL_TIMEOUT = Duration.ofDays(14);

    /**
     * Validates the policy as a whole.
     *
     * @throws IllegalArgumentException naming the first bad field
     */
    public ActivationPolicy {
        eligibleUsers = copy("eligibleUsers", eligibleUsers);
        eligibleGroups = copy("eligibleGroups", eligibleGroups);
        approverUsers = copy("approverUsers", approverUsers);
        approverGroups = copy("approverGroups", approverGroups);
        if (eligibleUsers.isEmpty() && eligibleGroups.isEmpty()) {
            throw new IllegalArgumentException(
                    "eligibleUsers and eligibleGroups must name at least one user or group");
        }
        checkDuration("maximumDuration", maximumDuration);
        if (maximumDuration.compareTo(MAX_DURATION) > 0) {
            throw new IllegalArgumentException(
                    "maximumDuration must be at most " + MAX_DURATION + ", was " + maximumDuration);
        }
        checkDuration("defaultDuration", defaultDuration);
        if (defaultDuration.compareTo(maximumDuration) > 0) {
            throw new IllegalArgumentException(
                    "defaultDuration "
                            + defaultDuration
                            + " must not exceed maximumDuration "
                            + maximumDuration);
        }
        if (approvalRequired) {
            if (approverUsers.isEmpty() && approverGroups.isEmpty()) {
                throw new IllegalArgumentException(
                        "approverUsers and approverGroups must name at least one approver when"
                                + " approvalRequired is true");
            }
            if (quorum < 1 || quorum > MAX_QUORUM) {
                throw new IllegalArgumentException(
                        "quorum must be between 1 and " + MAX_QUORUM + ", was " + quorum);
            }
            if (approverGroups.isEmpty() && quorum > approverUsers.size()) {
                throw new IllegalArgumentException(
                        "quorum "
                                + quorum
                                + " exceeds the "
                                + approverUsers.size()
                                + " approverUsers (and no approverGroups are named)");
            }
        } else {
            if (!approverUsers.isEmpty() || !approverGroups.isEmpty()) {
                throw new IllegalArgumentException(
                        "approverUsers and approverGroups must be empty when approvalRequired is"
                                + " false");
            }
            if (quorum != 1) {
                throw new IllegalArgumentException(
                        "quorum must be 1 when approvalRequired is false, was " + quorum);
            }
        }
        if (ticketPattern == null) {
            throw new IllegalArgumentException("ticketPattern must not be null (use empty)");
        }
        if (ticketPattern.isPresent()) {
            String pattern = ticketPattern.get();
            if (!ticketRequired) {
                throw new IllegalArgumentException(
                        "ticketPattern is only allowed when ticketRequired is true");
            }
            if (pattern.isEmpty() || pattern.length() > MAX_TICKET_PATTERN_LENGTH) {
                throw new IllegalArgumentException(
                        "ticketPattern must be 1 to "
                                + MAX_TICKET_PATTERN_LENGTH
                                + " characters long");
            }
            try {
                Pattern.compile(pattern);
            } catch (PatternSyntaxException e) {
                throw new IllegalArgumentException(
                        "ticketPattern is not a valid regular expression: " + e.getDescription());
            }
        }
        if (availability == null) {
            throw new IllegalArgumentException("availability must not be null (use empty)");
        }
        if (maximumExtensions < 0 || maximumExtensions > MAX_EXTENSIONS) {
            throw new IllegalArgumentException(
                    "maximumExtensions must be between 0 and "
                            + MAX_EXTENSIONS
                            + ", was "
                            + maximumExtensions);
        }
        if (approvalTimeout == null
                || approvalTimeout.compareTo(MIN_APPROVAL_TIMEOUT) < 0
                || approvalTimeout.compareTo(MAX_APPROVAL_TIMEOUT) > 0
                || approvalTimeout.getNano() != 0) {
            throw new IllegalArgumentException(
                    "approvalTimeout must be whole seconds between "
                            + MIN_APPROVAL_TIMEOUT
                            + " and "
                            + MAX_APPROVAL_TIMEOUT
                            + ", was "
                            + approvalTimeout);
        }
    }

    /** A builder with the defaults: no approval, quorum 1, nothing required, always available. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this policy's values, to change some of them. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.eligibleUsers = eligibleUsers;
        b.eligibleGroups = eligibleGroups;
        b.defaultDuration = defaultDuration;
        b.maximumDuration = maximumDuration;
        b.approvalRequired = approvalRequired;
        b.approverUsers = approverUsers;
        b.approverGroups = approverGroups;
        b.quorum = quorum;
        b.mfaRequired = mfaRequired;
        b.justificationRequired = justificationRequired;
        b.ticketRequired = ticketRequired;
        b.ticketPattern = ticketPattern;
        b.availability = availability;
        b.maximumExtensions = maximumExtensions;
        b.approvalTimeout = approvalTimeout;
        return b;
    }

    /** The compiled {@link #ticketPattern()}, if any. */
    public Optional<Pattern> compiledTicketPattern() {
        return ticketPattern.map(Pattern::compile);
    }

    private static void checkDuration(String field, Duration d) {
        if (d == null) {
            throw new IllegalArgumentException(field + " must be set");
        }
        if (d.compareTo(MIN_DURATION) < 0) {
            throw new IllegalArgumentException(
                    field + " must be at least " + MIN_DURATION + ", was " + d);
        }
        if (d.getNano() != 0) {
            throw new IllegalArgumentException(field + " must be whole seconds, was " + d);
        }
    }

    private static <T extends Comparable<T>> Set<T> copy(String field, Set<T> values) {
        if (values == null || values.stream().anyMatch(Objects::isNull)) {
            throw new IllegalArgumentException(field + " must not be null or hold null");
        }
        if (values.size() > MAX_LIST_SIZE) {
            throw new IllegalArgumentException(
                    field + " must have at most " + MAX_LIST_SIZE + " entries");
        }
        return Collections.unmodifiableSet(new TreeSet<>(values));
    }

    /** Collects a policy's values; {@link #build()} validates them. Not thread-safe; mutable. */
    public static final class Builder {
        private Set<UserId> eligibleUsers = Set.of();
        private Set<Sid> eligibleGroups = Set.of();
        private Duration defaultDuration = Duration.ofHours(1);
        private Duration maximumDuration = Duration.ofHours(8);
        private boolean approvalRequired;
        private Set<UserId> approverUsers = Set.of();
        private Set<Sid> approverGroups = Set.of();
        private int quorum = 1;
        private boolean mfaRequired;
        private boolean justificationRequired;
        private boolean ticketRequired;
        private Optional<String> ticketPattern = Optional.empty();
        private Optional<AvailabilityWindow> availability = Optional.empty();
        private int maximumExtensions;
        private Duration approvalTimeout = DEFAULT_APPROVAL_TIMEOUT;

        private Builder() {}

        /** Users who may request. */
        public Builder eligibleUsers(Set<UserId> users) {
            this.eligibleUsers = users;
            return this;
        }

        /** Production groups whose (nested) members may request. */
        public Builder eligibleGroups(Set<Sid> groups) {
            this.eligibleGroups = groups;
            return this;
        }

        /** The duration of a request that names none (default 1 hour). */
        public Builder defaultDuration(Duration duration) {
            this.defaultDuration = duration;
            return this;
        }

        /** The longest grant, extensions included (default 8 hours). */
        public Builder maximumDuration(Duration duration) {
            this.maximumDuration = duration;
            return this;
        }

        /** Requires {@code quorum} distinct approvers among these users and groups. */
        public Builder approval(Set<UserId> users, Set<Sid> groups, int quorum) {
            this.approvalRequired = true;
            this.approverUsers = users;
            this.approverGroups = groups;
            this.quorum = quorum;
            return this;
        }

        /** No approval (the default). */
        public Builder noApproval() {
            this.approvalRequired = false;
            this.approverUsers = Set.of();
            this.approverGroups = Set.of();
            this.quorum = 1;
            return this;
        }

        /** Whether MFA is required at activation. */
        public Builder mfaRequired(boolean required) {
            this.mfaRequired = required;
            return this;
        }

        /** Whether a justification is required. */
        public Builder justificationRequired(boolean required) {
            this.justificationRequired = required;
            return this;
        }

        /** Requires a ticket reference matching {@code pattern} ({@code null} for any). */
        public Builder ticketRequired(String pattern) {
            this.ticketRequired = true;
            this.ticketPattern = Optional.ofNullable(pattern);
            return this;
        }

        /** No ticket reference required (the default). */
        public Builder noTicket() {
            this.ticketRequired = false;
            this.ticketPattern = Optional.empty();
            return this;
        }

        /** When activation is possible ({@code null} for always). */
        public Builder availability(AvailabilityWindow window) {
            this.availability = Optional.ofNullable(window);
            return this;
        }

        /** How often a grant may be extended (default 0). */
        public Builder maximumExtensions(int extensions) {
            this.maximumExtensions = extensions;
            return this;
        }

        /** How long a request may wait for approval (default 24 hours). */
        public Builder approvalTimeout(Duration timeout) {
            this.approvalTimeout = timeout;
            return this;
        }

        /**
         * Validates and builds the policy.
         *
         * @throws InvalidInputException naming the first bad field
         */
        public ActivationPolicy build() throws InvalidInputException {
            try {
                return new ActivationPolicy(
                        eligibleUsers,
                        eligibleGroups,
                        defaultDuration,
                        maximumDuration,
                        approvalRequired,
                        approverUsers,
                        approverGroups,
                        quorum,
                        mfaRequired,
                        justificationRequired,
                        ticketRequired,
                        ticketPattern,
                        availability,
                        maximumExtensions,
                        approvalTimeout);
            } catch (IllegalArgumentException e) {
                throw new InvalidInputException("activation policy: " + e.getMessage(), e);
            }
        }
    }
}
