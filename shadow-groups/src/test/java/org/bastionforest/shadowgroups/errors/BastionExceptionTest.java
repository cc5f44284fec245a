package org.bastionforest.shadowgroups.errors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;

class BastionExceptionTest {
    private static final Map<String, BiFunction<String, Throwable, BastionException>> FAMILY =
            Map.of(
                    "not-found", NotFoundException::new,
                    "access-denied", AccessDeniedException::new,
                    "conflict", ConflictException::new,
                    "invalid-input", InvalidInputException::new,
                    "directory-unavailable", DirectoryUnavailableException::new,
                    "storage-failure", StorageException::new);

    @Test
    void errorId_whenEachSubclassIsThrown_thenItsStableIdIsReported() {
        FAMILY.forEach(
                (id, make) -> {
                    BastionException e = make.apply("something failed", null);
                    assertThat(e.errorId()).as(e.getClass().getSimpleName()).isEqualTo(id);
                    assertThat(e).isNotInstanceOf(RuntimeException.class);
                });
    }

    @Test
    void errorId_whenComparingTheFamily_thenEveryIdIsDistinct() {
        List<String> ids =
                FAMILY.values().stream().map(make -> make.apply("m", null).errorId()).toList();
        assertThat(ids).doesNotHaveDuplicates().hasSize(6);
    }

    @Test
    void constructor_whenGivenACause_thenKeepsMessageAndCause() {
        IOException cause = new IOException("socket closed");
        StorageException e = new StorageException("database failed while reading", cause);
        assertThat(e).hasMessage("database failed while reading").hasCause(cause);
        assertThat(new NotFoundException("no such grant")).hasNoCause();
    }

    @Test
    void constructor_whenErrorIdIsNotKebabCase_thenRejected() {
        assertThatThrownBy(() -> new BastionException("Not Found", "m", null) {})
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("errorId");
        assertThatThrownBy(() -> new BastionException(null, "m", null) {})
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("errorId");
    }
}
