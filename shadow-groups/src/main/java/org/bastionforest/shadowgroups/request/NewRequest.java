package org.bastionforest.shadowgroups.request;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.bastionforest.shadowgroups.errors.InvalidInputException;
import org.bastionforest.shadowgroups.policy.ShadowGroupId;

/**
 * What a user asks for: a shadow group, for how long (the policy's default when empty), why, the
 * ticket reference, and when to start (now when empty). The shadow group's policy decides which
 * parts are required; this record only checks their form.
 *
 * <p>Immutable and thread-safe.
 *
 * @param group the shadow group
 * @param duration how long the grant should last once active
 * @param justification why (may be empty unless the policy requires one), at most {@value
 *     #MAX_JUSTIFICATION_LENGTH} characters
 * @param ticket the ticket reference, at most {@value #MAX_TICKET_LENGTH} characters
 * @param start when the grant should start, if not at once
 */
public record NewRequest(
        ShadowGroupId group,
        Optional<Duration> duration,
        String justification,
        Optional<String> ticket,
        Optional<Instant> start) {

    /** The longest justification. */
    public static final int MAX_JUSTIFICATION_LENGTH = 2000;

    /** The longest ticket reference. */
    public static final int MAX_TICKET_LENGTH = 100;

    /**
     * Checks the form of every field.
     *
     * @throws IllegalArgumentException naming the bad field
     */
    public NewRequest {
        if (group == null) {
            throw new IllegalArgumentException("group must be set");
        }
        if (duration == null || ticket == null || start == null) {
            throw new IllegalArgumentException("duration, ticket and start must not be null");
        }
        if (justification == null) {
            justification = "";
        }
        justification = justification.strip();
        if (justification.length() > MAX_JUSTIFICATION_LENGTH) {
            throw new IllegalArgumentException(
                    "justification must be at most " + MAX_JUSTIFICATION_LENGTH + " characters");
        }
        if (justification.chars().anyMatch(ch -> ch < 0x20 && ch != '\n' && ch != '\t')) {
            throw new IllegalArgumentException("justification must not contain control characters");
        }
        if (ticket.isPresent()) {
            String t = ticket.get();
            if (t.isEmpty()
                    || t.length() > MAX_TICKET_LENGTH
                    || t.chars().anyMatch(Character::isISOControl)) {
                throw new IllegalArgumentException(
                        "ticket must be 1 to "
                                + MAX_TICKET_LENGTH
                                + " characters without control characters");
            }
        }
        if (duration.isPresent()
                && (duration.get().isNegative()
                        || duration.get().isZero()
                        || duration.get().getNano() != 0)) {
            throw new IllegalArgumentException("duration must be positive whole seconds");
        }
    }

    /**
     * A request for {@code group} with the policy's default duration, starting now.
     *
     * @throws InvalidInputException if the justification is too long
     */
    public static NewRequest of(ShadowGroupId group, String justification)
            throws InvalidInputException {
        return checked(
                () ->
                        new NewRequest(
                                group,
                                Optional.empty(),
                                justification,
                                Optional.empty(),
                                Optional.empty()));
    }

    /**
     * Like the constructor, but reports a bad field as an {@link InvalidInputException}.
     *
     * @throws InvalidInputException naming the bad field
     */
    public static NewRequest of(
            ShadowGroupId group,
            Duration duration,
            String justification,
            String ticket,
            Instant start)
            throws InvalidInputException {
        return checked(
                () ->
                        new NewRequest(
                                group,
                                Optional.ofNullable(duration),
                                justification,
                                Optional.ofNullable(ticket),
                                Optional.ofNullable(start)));
    }

    private interface Maker {
        NewRequest make();
    }

    private static NewRequest checked(Maker maker) throws InvalidInputException {
        try {
            return maker.make();
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException("request: " + e.getMessage(), e);
        }
    }
}
