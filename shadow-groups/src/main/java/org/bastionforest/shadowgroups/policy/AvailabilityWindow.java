package org.bastionforest.shadowgroups.policy;

import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;

/**
 * When a shadow group may be activated: some days of the week, between two wall-clock times, in a
 * time zone. For example Monday to Friday, 07:00 to 19:00 in Europe/Berlin.
 *
 * <p>The window is judged on the wall clock of {@link #zone()}, so it follows daylight saving time:
 * "07:00" is 07:00 local time in winter and summer alike. When {@link #to()} is earlier than {@link
 * #from()} the window runs overnight and belongs to the day it starts on: Friday 22:00 to 06:00
 * includes Saturday 05:00. {@code from == to} is refused (use no window for "always").
 *
 * <pre>{@code
 * AvailabilityWindow office = new AvailabilityWindow(
 *         EnumSet.range(DayOfWeek.MONDAY, DayOfWeek.FRIDAY),
 *         LocalTime.of(7, 0), LocalTime.of(19, 0), ZoneId.of("Europe/Berlin"));
 * office.contains(Instant.parse("2026-03-30T05:30:00Z")); // true: 07:30 CEST on a Monday
 * }</pre>
 *
 * <p>Immutable and thread-safe.
 *
 * @param days the days of the week on which the window opens; not empty
 * @param from the local time it opens (inclusive)
 * @param to the local time it closes (exclusive); not equal to {@code from}
 * @param zone the time zone of the wall clock
 */
public record AvailabilityWindow(Set<DayOfWeek> days, LocalTime from, LocalTime to, ZoneId zone) {

    /**
     * Validates every part.
     *
     * @throws IllegalArgumentException naming the bad field
     */
    public AvailabilityWindow {
        if (days == null || days.isEmpty() || days.stream().anyMatch(Objects::isNull)) {
            throw new IllegalArgumentException("availability.days must name at least one day");
        }
        if (from == null) {
            throw new IllegalArgumentException("availability.from must be set");
        }
        if (to == null) {
            throw new IllegalArgumentException("availability.to must be set");
        }
        if (from.equals(to)) {
            throw new IllegalArgumentException(
                    "availability.from and availability.to must differ (leave the window out for"
                            + " always)");
        }
        if (zone == null) {
            throw new IllegalArgumentException("availability.zone must be set");
        }
        days = Collections.unmodifiableSet(EnumSet.copyOf(days));
    }

    /** True when {@code instant} falls inside the window. */
    public boolean contains(Instant instant) {
        ZonedDateTime local = instant.atZone(zone);
        LocalTime time = local.toLocalTime();
        DayOfWeek day = local.getDayOfWeek();
        if (from.isBefore(to)) {
            return days.contains(day) && !time.isBefore(from) && time.isBefore(to);
        }
        // overnight: the evening part belongs to today, the morning part to yesterday
        if (!time.isBefore(from)) {
            return days.contains(day);
        }
        return time.isBefore(to) && days.contains(day.minus(1));
    }

    /** A short human form, e.g. {@code [MONDAY, FRIDAY] 07:00-19:00 Europe/Berlin}. */
    @Override
    public String toString() {
        return days + " " + from + "-" + to + " " + zone;
    }
}
