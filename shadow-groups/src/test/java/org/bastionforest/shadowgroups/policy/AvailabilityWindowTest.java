package org.bastionforest.shadowgroups.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.EnumSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class AvailabilityWindowTest {
    static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");

    /** Monday to Friday, 07:00 to 19:00 Berlin time. */
    static final AvailabilityWindow OFFICE =
            new AvailabilityWindow(
                    EnumSet.range(DayOfWeek.MONDAY, DayOfWeek.FRIDAY),
                    LocalTime.of(7, 0),
                    LocalTime.of(19, 0),
                    BERLIN);

    /** Friday 22:00 to Saturday 06:00 Berlin time. */
    static final AvailabilityWindow FRIDAY_NIGHT =
            new AvailabilityWindow(
                    EnumSet.of(DayOfWeek.FRIDAY), LocalTime.of(22, 0), LocalTime.of(6, 0), BERLIN);

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
        // winter (CET, UTC+1): 07:00 local is 06:00Z
        "2026-03-02T05:59:59Z, false",
        "2026-03-02T06:00:00Z, true",
        "2026-03-02T17:59:59Z, true",
        "2026-03-02T18:00:00Z, false",
        // Saturday 10:00 local
        "2026-03-07T09:00:00Z, false",
        // DST starts Sunday 2026-03-29; Monday 30 March in summer (CEST, UTC+2): 07:00 local is
        // 05:00Z
        "2026-03-30T04:59:59Z, false",
        "2026-03-30T05:00:00Z, true",
        "2026-03-30T16:59:59Z, true",
        "2026-03-30T17:00:00Z, false",
        // DST ends Sunday 2026-10-25; Monday 26 October back in winter
        "2026-10-26T05:30:00Z, false",
        "2026-10-26T06:30:00Z, true"
    })
    void contains_whenAnOfficeHoursWindowIsAskedAcrossDst_thenTheLocalWallClockDecides(
            Instant instant, boolean expected) {
        assertThat(OFFICE.contains(instant)).isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
        "2026-03-06T20:59:59Z, false", // Friday 21:59 local
        "2026-03-06T21:00:00Z, true", // Friday 22:00 local
        "2026-03-07T04:59:59Z, true", // Saturday 05:59 local: the Friday window
        "2026-03-07T05:00:00Z, false", // Saturday 06:00 local
        "2026-03-07T21:30:00Z, false", // Saturday 22:30 local: Saturday is not in the window
        "2026-03-09T04:00:00Z, false" // Monday 05:00 local: Sunday's night is not in it
    })
    void contains_whenTheWindowRunsOvernight_thenTheMorningBelongsToThePreviousDay(
            Instant instant, boolean expected) {
        assertThat(FRIDAY_NIGHT.contains(instant)).isEqualTo(expected);
    }

    @Test
    void contains_whenTheWallClockSkipsAnHour_thenInstantsAfterTheGapAreJudgedByTheNewOffset() {
        // Sunday 2026-03-29 02:00 to 03:00 does not exist in Berlin; window Sunday 02:30-03:30
        AvailabilityWindow w =
                new AvailabilityWindow(
                        EnumSet.of(DayOfWeek.SUNDAY),
                        LocalTime.of(2, 30),
                        LocalTime.of(3, 30),
                        BERLIN);

        assertThat(w.contains(Instant.parse("2026-03-29T00:59:59Z"))).isFalse(); // 01:59 CET
        assertThat(w.contains(Instant.parse("2026-03-29T01:00:00Z"))).isTrue(); // 03:00 CEST
        assertThat(w.contains(Instant.parse("2026-03-29T01:30:00Z"))).isFalse(); // 03:30 CEST
    }

    @Test
    void contains_whenInAnotherZone_thenThatZonesWallClock() {
        AvailabilityWindow tokyo =
                new AvailabilityWindow(
                        EnumSet.of(DayOfWeek.MONDAY),
                        LocalTime.of(9, 0),
                        LocalTime.of(17, 0),
                        ZoneId.of("Asia/Tokyo"));

        assertThat(tokyo.contains(Instant.parse("2026-03-02T00:00:00Z"))).isTrue(); // 09:00 JST
        assertThat(tokyo.contains(Instant.parse("2026-03-01T23:59:59Z"))).isFalse(); // 08:59
    }

    @Test
    void constructor_whenPartsAreMissingOrEqual_thenRefusedNamingTheField() {
        assertThatThrownBy(
                        () ->
                                new AvailabilityWindow(
                                        Set.of(), LocalTime.NOON, LocalTime.MIDNIGHT, BERLIN))
                .hasMessageContaining("availability.days");
        assertThatThrownBy(
                        () ->
                                new AvailabilityWindow(
                                        Set.of(DayOfWeek.MONDAY),
                                        LocalTime.NOON,
                                        LocalTime.NOON,
                                        BERLIN))
                .hasMessageContaining("availability.from and availability.to must differ");
        assertThatThrownBy(
                        () ->
                                new AvailabilityWindow(
                                        Set.of(DayOfWeek.MONDAY),
                                        LocalTime.NOON,
                                        LocalTime.MIDNIGHT,
                                        null))
                .hasMessageContaining("availability.zone");
    }
}
