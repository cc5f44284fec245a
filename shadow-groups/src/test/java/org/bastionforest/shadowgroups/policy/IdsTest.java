package org.bastionforest.shadowgroups.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class IdsTest {
    @ParameterizedTest
    @ValueSource(strings = {"a", "sql-admins", "tier0-domain-admins", "x1"})
    void shadowGroupId_whenWellFormed_thenAccepted(String value) {
        assertThat(ShadowGroupId.of(value).value()).isEqualTo(value);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "-sql", "sql-", "SQL", "sql admins", "sql_admins", "é"})
    void shadowGroupId_whenMalformed_thenRefused(String value) {
        assertThatThrownBy(() -> ShadowGroupId.of(value))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("shadow group id");
    }

    @Test
    void shadowGroupId_whenLongerThan63_thenRefused() {
        assertThat(ShadowGroupId.of("a".repeat(63)).value()).hasSize(63);
        assertThatThrownBy(() -> ShadowGroupId.of("a".repeat(64)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void userId_whenSpelledInAnotherCase_thenEqual() {
        assertThat(UserId.of("Alice@Corp.Example")).isEqualTo(UserId.of("alice@corp.example"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", " alice", "alice ", "al\nice", "al\u0000ice"})
    void userId_whenBlankPaddedOrWithControlCharacters_thenRefused(String value) {
        assertThatThrownBy(() -> UserId.of(value)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void userId_whenLongerThan256_thenRefused() {
        assertThatThrownBy(() -> UserId.of("a".repeat(257)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("256");
    }
}
