package org.bastionforest.api.rest;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The URI check of the first pre-matching filter. */
class BodyLimitFilterTest {
    @Test
    void wellEncoded_whenEscapesAreCompleteUtf8_thenTrue() {
        assertThat(BodyLimitFilter.wellEncoded(null)).isTrue();
        assertThat(BodyLimitFilter.wellEncoded("/api/v1/requests")).isTrue();
        assertThat(BodyLimitFilter.wellEncoded("/api/v1/principals/HTTP%2Fweb01/keytab")).isTrue();
        assertThat(BodyLimitFilter.wellEncoded("user=%C3%A9")).isTrue();
    }

    @Test
    void wellEncoded_whenAnEscapeIsBrokenOrNotUtf8_thenFalse() {
        assertThat(BodyLimitFilter.wellEncoded("/api/v1/requests/%ZZ")).isFalse();
        assertThat(BodyLimitFilter.wellEncoded("/api/v1/requests/%4")).isFalse();
        assertThat(BodyLimitFilter.wellEncoded("/api/v1/requests/%")).isFalse();
        assertThat(BodyLimitFilter.wellEncoded("cursor=%FF%FE")).isFalse();
    }
}
