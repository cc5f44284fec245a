package org.bastionforest.api.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

/** Request bodies mean exactly what they say (the holes RestFuzzIT found are closed). */
class JsonMapperTest {
    record Reason(String reason) {}

    private final ObjectMapper mapper = new JsonMapper().getContext(Reason.class);

    @Test
    void read_whenWellFormed_thenRead() throws Exception {
        assertThat(mapper.readValue("{\"reason\":\"incident\"}", Reason.class).reason())
                .isEqualTo("incident");
    }

    @Test
    void read_whenANumberOrBooleanStandsForAString_thenRefused() {
        for (String body :
                new String[] {"{\"reason\":9e99}", "{\"reason\":12}", "{\"reason\":true}"}) {
            assertThatThrownBy(() -> mapper.readValue(body, Reason.class))
                    .as(body)
                    .isInstanceOf(JsonProcessingException.class);
        }
    }

    @Test
    void read_whenAKeyComesTwiceOrSomethingFollows_thenRefused() {
        for (String body :
                new String[] {
                    "{\"reason\":\"a\",\"reason\":\"b\"}",
                    "{\"reason\":\"a\"} garbage",
                    "{\"reason\":\"a\"}{\"reason\":\"b\"}",
                    "{\"reason\":\"a\",\"other\":1}"
                }) {
            assertThatThrownBy(() -> mapper.readValue(body, Reason.class))
                    .as(body)
                    .isInstanceOf(JsonProcessingException.class);
        }
    }
}
