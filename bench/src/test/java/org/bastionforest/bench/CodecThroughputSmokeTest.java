package org.bastionforest.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The codec benchmark with tiny sizes, so that it cannot rot; no timing asserts. */
class CodecThroughputSmokeTest {
    @Test
    void run_whenAFewIterations_thenEveryOperationTimedForBothCodecs() throws Exception {
        CodecThroughput.Result r = CodecThroughput.run(50, 3);
        assertThat(r.rows())
                .extracting(CodecThroughput.Row::operation)
                .containsExactly(
                        "decode AS-REQ",
                        "build + encode EncTicketPart",
                        "build + encode EncAsRepPart",
                        "build + encode AS-REP");
        assertThat(r.rows())
                .allSatisfy(
                        row -> {
                            assertThat(row.bytes()).isGreaterThan(100);
                            assertThat(row.kerbyNanos()).isPositive();
                            assertThat(row.ownNanos()).isPositive();
                        });
        assertThat(r.markdown()).contains("| decode AS-REQ |");
    }
}
