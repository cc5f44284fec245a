package org.bastionforest.shadowgroups.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class ObjectGuidTest {
    @Test
    void fromBytes_whenWindowsLayout_thenFirstThreeFieldsAreLittleEndian() {
        // {3F2504E0-4F89-11D3-9A0C-0305E82C3301} as Windows lays it out in memory
        byte[] bytes = HexFormat.of().parseHex("e004253f894fd3119a0c0305e82c3301");
        ObjectGuid guid = ObjectGuid.fromBytes(bytes);
        assertThat(guid).hasToString("3f2504e0-4f89-11d3-9a0c-0305e82c3301");
        assertThat(guid.toBytes()).isEqualTo(bytes);
    }

    @Test
    void parse_whenStringForm_thenRoundTrips() {
        ObjectGuid guid = ObjectGuid.random();
        assertThat(ObjectGuid.parse(guid.toString())).isEqualTo(guid);
        assertThat(ObjectGuid.fromBytes(guid.toBytes())).isEqualTo(guid);
    }

    @Test
    void fromBytesAndParse_whenMalformed_thenRejected() {
        assertThatThrownBy(() -> ObjectGuid.fromBytes(new byte[15]))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ObjectGuid.parse("3f2504e0-4f89-11d3-9a0c-0305e82c330"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ObjectGuid.parse("*)(objectGUID=*"))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
