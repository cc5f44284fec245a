package org.bastionforest.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The revocation benchmark with tiny sizes, so that it cannot rot. It checks that the harness
 * measures what it says (every grant's removal is seen), not how fast it is: timings belong to the
 * benchmark run (docs/PERFORMANCE.md).
 */
class RevocationLatenessSmokeTest {
    @Test
    void run_whenAFewGrantsEnd_thenEveryRemovalIsMeasured() throws Exception {
        RevocationLateness.Result r = RevocationLateness.run(40, Duration.ofSeconds(3), 4);
        assertThat(r.grants()).isEqualTo(40);
        assertThat(r.removed()).isEqualTo(40);
        assertThat(r.latenessMillis()).hasSize(40);
        assertThat(java.util.Arrays.stream(r.latenessMillis()).min().orElseThrow()).isNotNegative();
        assertThat(r.directoryRemoveMillis()).hasSize(200);
        assertThat(r.markdown()).contains("| lateness of removal after grant end (40/40)");
    }

    @Test
    void run_whenTwoNodesShareAPostgresDatabase_thenEveryRemovalIsMeasured() throws Exception {
        RevocationLateness.Result r =
                RevocationLateness.run(30, Duration.ofSeconds(3), 4, 200, true);
        assertThat(r.grants()).isEqualTo(30);
        assertThat(r.removed()).as("removals seen, from either node").isEqualTo(30);
        assertThat(r.latenessMillis()).hasSize(30);
    }
}
