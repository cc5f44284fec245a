package org.bastionforest.shadowgroups.mfa;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class Base32Test {
    /** RFC 4648 section 10 test vectors (without padding). */
    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
        "f, MY",
        "fo, MZXQ",
        "foo, MZXW6",
        "foob, MZXW6YQ",
        "fooba, MZXW6YTB",
        "foobar, MZXW6YTBOI"
    })
    void encode_whenRfcVectors_thenTheRfcOutputAndBack(String text, String base32) {
        byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);

        assertThat(Base32.encode(bytes)).isEqualTo(base32);
        assertThat(Base32.decode(base32)).isEqualTo(bytes);
        assertThat(Base32.decode(base32.toLowerCase(java.util.Locale.ROOT) + "=="))
                .isEqualTo(bytes);
    }

    @ParameterizedTest
    @CsvSource({"MZ1", "MZ-X"})
    void decode_whenNotBase32_thenRefused(String text) {
        assertThatThrownBy(() -> Base32.decode(text)).isInstanceOf(IllegalArgumentException.class);
    }
}
